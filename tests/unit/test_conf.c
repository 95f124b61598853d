/*
 * NAME
 *	test_conf - smsmilter.conf: every key type, every error form
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"

/* The two required keys; tests add their line after these. */
#define BASE                                                                   \
	"SmsDomains sms.example.com\n"                                         \
	"TagSecret 0123456789abcdef0123\n"

/*
 * load - parse BASE + extra (its line is line 3); returns conf or NULL
 * with *errors_r. When extra sets SmsDomains, BASE's line 1 is a
 * comment instead.
 */
static struct conf *
load(const char *extra, char **errors_r)
{
	size_t n = strlen(BASE) + strlen(extra) + 4;
	char *text = malloc(n);
	struct conf *c;

	assert_non_null(text);
	snprintf(text, n, "%s%s%s\n",
		 strncmp(extra, "SmsDomains", 10) == 0 ? "#" : "", BASE, extra);
	c = conf_load_string("t.conf", text, errors_r);
	free(text);
	return c;
}

/* printed - conf_print() of c as one string (caller frees) */
static char *
printed(const struct conf *c)
{
	char *s = NULL, *copy;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);

	assert_non_null(fp);
	conf_print(c, fp);
	fclose(fp);
	copy = strdup(s); /* a copy: gcc 12 loses track of memstream's */
	free(s);
	assert_non_null(copy);
	return copy;
}

/* has_line - text holds exactly this line */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static void
defaults(void **state)
{
	char *errors = NULL;
	struct conf *c = load("", &errors);

	(void)state;
	if (!c)
		fail_msg("%s", errors);
	assert_string_equal(c->socket, "unix:/run/smsmilter/smsmilter.sock");
	assert_int_equal(c->sms_domains.n, 1);
	assert_string_equal(c->sms_domains.v[0], "sms.example.com");
	assert_string_equal(c->default_country, "US");
	assert_int_equal(c->allowed_countries.n, 0);
	assert_int_equal(c->max_message_size, 10 * 1024 * 1024);
	assert_true(c->authenticated_senders);
	assert_int_equal(c->trusted_networks.n, 2);
	assert_int_equal(c->trusted_networks.v[0].prefix, 32);
	assert_int_equal(c->trusted_networks.v[1].prefix, 128);
	assert_string_equal(c->tag_secret, "0123456789abcdef0123");
	assert_string_equal(c->new_thread_template, "{subject}: {body}");
	assert_true(c->smart_encoding);
	assert_int_equal(c->segment_cap, 10);
	assert_int_equal(c->long_message_policy, CONF_LONG_TRUNCATE);
	assert_int_equal(c->recipient_rate.count, 30);
	assert_int_equal(c->recipient_rate.seconds, 3600);
	assert_int_equal(c->database_sync, CONF_SYNC_FULL);
	assert_int_equal(c->transport, CONF_TP_SMPP);
	assert_string_equal(c->smpp_server.host, "127.0.0.1");
	assert_int_equal(c->smpp_server.port, 2775);
	assert_int_equal(c->smpp_window, 10);
	assert_int_equal(c->smpp_enquire_link, 30);
	assert_null(c->smpp_password);
	assert_int_equal(c->smtp_relay.port, 25);
	assert_int_equal(c->log_level, CONF_LOG_INFO);
	assert_int_equal(c->inbound_media_max_bytes, 5 * 1024 * 1024);
	assert_int_equal(c->inbound_media_max_total, 7 * 1024 * 1024);
	assert_int_equal(c->inbound_media_timeout, 30);
	assert_int_equal(c->inbound_media_retries, 3);
	assert_int_equal(c->inbound_media_hosts.n, 0);
	assert_false(c->inbound_media_allow_http);
	assert_false(c->inbound_media_allow_private);
	conf_free(&c);
	assert_null(c);
}

static void
every_type(void **state)
{
	/* a value of each type, and how the effective config prints it */
	static const struct {
		const char *line, *printed;
	} ok[] = {
	    {"SmppWindow 100", "SmppWindow 100"},
	    {"smppwindow 7", "SmppWindow 7"},
	    {"SmppEnquireLink 1m30s", "SmppEnquireLink 90s"},
	    {"SmppEnquireLink 120", "SmppEnquireLink 2m"},
	    {"MaxMessageSize 64k", "MaxMessageSize 64k"},
	    {"InboundMediaHosts API.Twilio.com, 127.0.0.1, [::1]",
	     "InboundMediaHosts api.twilio.com, 127.0.0.1, ::1"},
	    {"InboundMediaMaxBytes 0", "InboundMediaMaxBytes 0"},
	    {"MaxMessageSize 2097152", "MaxMessageSize 2M"},
	    {"AuthenticatedSenders off", "AuthenticatedSenders no"},
	    {"SmartEncoding TRUE", "SmartEncoding yes"},
	    {"DatabaseSync NORMAL", "DatabaseSync normal"},
	    {"Socket inet:8890@127.0.0.1", "Socket inet:8890@127.0.0.1"},
	    {"Socket inet6:8890@::1", "Socket inet6:8890@::1"},
	    /* libmilter's other forms (issue 19) */
	    {"Socket inet:8890@[127.0.0.1]", "Socket inet:8890@[127.0.0.1]"},
	    {"Socket inet6:8890@[::1]", "Socket inet6:8890@[::1]"},
	    {"Socket inet:8890", "Socket inet:8890"},
	    {"Socket local:/run/m.sock", "Socket local:/run/m.sock"},
	    {"Socket /run/m.sock", "Socket /run/m.sock"},
	    {"SmsDomains SMS.Example.com, txt.example.org",
	     "SmsDomains sms.example.com, txt.example.org"},
	    {"AllowedCountries us, ca", "AllowedCountries US, CA"},
	    {"DefaultCountry GB", "DefaultCountry GB"},
	    {"DeniedAreaCodes 684, +4470", "DeniedAreaCodes 684, +4470"},
	    {"TextableShortCodes 32665,123", "TextableShortCodes 32665, 123"},
	    {"AllowedSenders Alice@Example.com, @example.org",
	     "AllowedSenders alice@example.com, @example.org"},
	    {"DisclaimerLines CONFIDENTIAL, PRIVATE|  This email  ",
	     "DisclaimerLines CONFIDENTIAL, PRIVATE | This email"},
	    {"TrustedNetworks 10.0.0.0/8, 2001:db8::/32, 192.0.2.1",
	     "TrustedNetworks 10.0.0.0/8, 2001:db8::/32, 192.0.2.1/32"},
	    {"SenderNumbers alice@example.com=+1 202 555 0101",
	     "SenderNumbers alice@example.com=+12025550101"},
	    {"NumberOwners +12025550101=Alice@example.com",
	     "NumberOwners +12025550101=alice@example.com"},
	    {"OwnerAliases a@example.com=alice@example.com",
	     "OwnerAliases a@example.com=alice@example.com"},
	    {"DefaultSender MyShop", "DefaultSender MyShop"},
	    {"DefaultSender 12025550100", "DefaultSender +12025550100"},
	    {"NewThreadTemplate \"[{from}] {subject}: {body}\"",
	     "NewThreadTemplate \"[{from}] {subject}: {body}\""},
	    {"RecipientRateLimit 5/10m", "RecipientRateLimit 5/10m"},
	    {"PriceMonthlyFee 14.95", "PriceMonthlyFee 14.95"},
	    {"SmtpRelay [::1]:2525", "SmtpRelay [::1]:2525"},
	    {"SmtpRelay mail.example.com:587",
	     "SmtpRelay mail.example.com:587"},
	    {"WebhookPublicUrl https://sms.example.com/hook?x=1",
	     "WebhookPublicUrl https://sms.example.com/hook?x=1"},
	    {"SyslogFacility local3", "SyslogFacility local3"},
	    {"UserID smsmilter:mail", "UserID smsmilter:mail"},
	    {"TruncationMarker \"\xe2\x80\xa6 (more)\"",
	     "TruncationMarker \"\xe2\x80\xa6 (more)\""},
	    {"AuthservId \"a \\\"b\\\" c\"", "AuthservId \"a \\\"b\\\" c\""},
	    {"SegmentCap 5 # five", "SegmentCap 5"},
	    {"TruncationMarker a#b", "TruncationMarker \"a#b\""},
	    {"  Database   /tmp/x.db  ", "Database /tmp/x.db"},
	    {"SmppPassword secret", "SmppPassword ********"},
	    {"AllowedCountries \"\"", "AllowedCountries \"\""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *errors = NULL, *out;
		struct conf *c = load(ok[i].line, &errors);

		if (!c)
			fail_msg("\"%s\": %s", ok[i].line, errors);
		out = printed(c);
		if (!has_line(out, ok[i].printed))
			fail_msg("\"%s\" did not print \"%s\":\n%s", ok[i].line,
				 ok[i].printed, out);
		free(out);
		conf_free(&c);
	}
}

static void
every_error(void **state)
{
	/* each error form; the message must be there, with the line */
	static const struct {
		const char *line, *message;
	} bad[] = {
	    {"SmppWindw 10",
	     "t.conf:3: unknown key \"SmppWindw\" (did you mean "
	     "\"SmppWindow\"?)"},
	    {"Frobnicate 1", "t.conf:3: unknown key \"Frobnicate\"\n"},
	    {"SmppWindow ten",
	     "t.conf:3: SmppWindow: expected a number 1-1000, got \"ten\""},
	    {"SmppWindow 0", "SmppWindow: expected a number 1-1000, got \"0\""},
	    {"SmppEnquireLink 2s", "2s is out of range (5s to 1h)"},
	    {"SmppEnquireLink soon", "expected a duration such as 30s"},
	    {"SmppEnquireLink 1h30", "expected a duration"},
	    {"MaxMessageSize 10X", "expected a size such as 512, 64k or 10M"},
	    {"MaxMessageSize 2G", "2G is out of range (1k to 1G)"},
	    {"SmartEncoding maybe", "expected yes or no, got \"maybe\""},
	    {"DatabaseSync fast",
	     "expected one of full, normal, off; got \"fast\""},
	    {"Socket tcp:25", "expected unix:/path, inet:PORT@HOST"},
	    {"Socket inet:99999@localhost", "expected unix:/path"},
	    {"Socket unix:relative", "expected unix:/path"},
	    {"Socket inet:8890@[::1]", "expected unix:/path"},
	    {"Socket inet6:8890@[127.0.0.1]", "expected unix:/path"},
	    {"Socket inet:8890@[127.0.0.1", "expected unix:/path"},
	    {"Socket relative.sock", "expected unix:/path"},
	    {"SmsDomains exa mple.com", "\"exa mple.com\" is not a domain"},
	    {"SmsDomains a.com,,b.com", "empty item in list"},
	    {"InboundMediaHosts api.twilio.com, exa mple",
	     "\"exa mple\" is not a host name or address"},
	    {"InboundMediaHosts https://api.twilio.com",
	     "is not a host name or address"},
	    {"InboundMediaMaxBytes 1G", "1G is out of range"},
	    {"DefaultCountry XX", "\"XX\" is not an ISO 3166 country code"},
	    {"AllowedCountries US, Narnia", "\"NARNIA\" is not an ISO 3166"},
	    {"DeniedAreaCodes 1684",
	     "expected a North American area code (684) or an E.164 prefix"},
	    {"TextableShortCodes 12", "expected a short code (3 to 8 digits)"},
	    {"TextableShortCodes 32665, AMAZON", "got \"AMAZON\""},
	    {"AllowedSenders bob", "expected user@domain or @domain, got"},
	    {"DisclaimerLines a | | b", "empty item in list"},
	    {"TrustedNetworks 10.0.0.1/8",
	     "\"10.0.0.1/8\" has bits set after the /8 prefix"},
	    {"TrustedNetworks 300.1.1.1", "expected an IPv4 or IPv6 address"},
	    {"TrustedNetworks 10.0.0.0/33", "prefix length must be 0-32"},
	    {"SenderNumbers alice@example.com", "expected key=value"},
	    {"SenderNumbers alice@example.com=555", "\"555\": "},
	    {"SenderNumbers alice=+12025550101",
	     "\"alice\" is not a mail address"},
	    {"SenderLogins alice=alice",
	     "\"alice\" is not a mail address or @domain"},
	    {"SenderLogins @example.com=a b",
	     "\"a b\" is not a login name (no spaces, commas or =)"},
	    {"SenderLogins @example.com", "expected key=value"},
	    {"DefaultSender My-Shop!", "a sender ID may hold only"},
	    {"DefaultSender ABCDEFGHIJKLM", "has at most 11"},
	    {"NewThreadTemplate {subject}", "has no {body}"},
	    {"ReplyTemplate \"{body} {date}\"",
	     "unknown placeholder \"{date}\""},
	    {"RecipientRateLimit 30", "expected COUNT/DURATION such as 30/1h"},
	    {"PriceMonthlyFee 14.999999", "expected an amount such as 14.95"},
	    {"SmtpRelay localhost", "expected host:port"},
	    {"SmtpRelay host:0", "expected host:port"},
	    {"HttpBaseUrl ftp://x", "expected an http:// or https:// URL"},
	    {"MediaBaseUrl sms.example.com", "expected an http:// or https://"},
	    {"MediaBaseUrl https://sms.example.com/?a=b",
	     "t.conf:3: MediaBaseUrl: a URL without ? or #"},
	    {"MediaLifetime 1s", "MediaLifetime"},
	    {"MediaMaxFiles 0", "t.conf:3: MediaMaxFiles: expected a number"},
	    {"SyslogFacility kern", "expected mail, daemon, user or local0"},
	    {"UserID Root!", "expected user or user:group"},
	    {"Database relative/path", "expected an absolute path"},
	    {"AuthservId \"unterminated", "unterminated quoted value"},
	    {"AuthservId \"a\" b", "text after the closing quote"},
	    {"SegmentCap 5\nSegmentCap 6",
	     "t.conf:4: SegmentCap: set twice (first on line 3)"},
	    {"SegmentCap\x01 5", "control character 0x01"},
	    {"=value", "expected \"Key value\""},
	    {"TagSecretFile /nonexistent/tag",
	     "set either TagSecret (line 2) or TagSecretFile (line 3)"},
	    {"SmppSystemId abcdefghijklmnopq",
	     "t.conf:3: SmppSystemId: at most 15 characters"},
	    {"SmtpUser relay", "t.conf:3: SmtpUser is set but SmtpPassword"},
	    {"WebhookThreads 0", "WebhookThreads: expected a number 1-64"},
	    {"WebhookRequestTimeout 1s", "1s is out of range (2s to 1h)"},
	    {"WebhookMaxPerClient -1", "expected a number 0-65536"},
	    /* cross-key problems on the line of the key they are about */
	    {"WebhookThreads 8\nWebhookMaxConnections 4",
	     "t.conf:4: WebhookMaxConnections (4) is fewer than "
	     "WebhookThreads (8)"},
	    {"WebhookThreads 8\n#\n#\nSegmentCap 3\nWebhookMaxConnections 4",
	     "t.conf:7: WebhookMaxConnections (4) is fewer than "
	     "WebhookThreads (8)"},
	    {"WebhookMaxPerClient 300",
	     "t.conf:3: WebhookMaxPerClient (300) is over "
	     "WebhookMaxConnections (256)"},
	    {"Transport http", "t.conf:3: HttpBaseUrl is required with "
			       "Transport http"},
	    {"SmppPassword abcdefghi", "t.conf:3: SmppPassword: at most 8"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *errors = NULL;
		struct conf *c = load(bad[i].line, &errors);

		if (c)
			fail_msg("\"%s\" was accepted", bad[i].line);
		if (!strstr(errors, bad[i].message))
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].line,
				 errors, bad[i].message);
		free(errors);
	}
}

/* conf_key_line - where each key was set; 0 for a default */
static void
key_lines(void **state)
{
	char *errors = NULL;
	struct conf *c = load("#\nSegmentCap 3\nsmppwindow 4", &errors);

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_key_line(c, "SmsDomains"), 1);
	assert_int_equal(conf_key_line(c, "SegmentCap"), 4);
	assert_int_equal(conf_key_line(c, "SmppWindow"), 5);
	assert_int_equal(conf_key_line(c, "UserID"), 0);
	assert_int_equal(conf_key_line(c, "NoSuchKey"), 0);
	conf_free(&c);
}

static void
required_and_all_errors(void **state)
{
	char *errors = NULL;
	struct conf *c;

	(void)state;
	c = conf_load_string("t.conf", "# nothing\n", &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "t.conf: SmsDomains is required\n"));
	assert_non_null(strstr(errors, "t.conf: TagSecret is required (or "
				       "TagSecretFile)\n"));
	free(errors);

	/* every problem, not only the first */
	c = conf_load_string("t.conf", "SmppWindow x\nFoo 1\nSegmentCap 999\n",
			     &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "t.conf:1: SmppWindow"));
	assert_non_null(strstr(errors, "t.conf:2: unknown key"));
	assert_non_null(strstr(errors, "t.conf:3: SegmentCap"));
	assert_non_null(strstr(errors, "SmsDomains is required"));
	free(errors);

	/* a short tag secret */
	c = conf_load_string(
	    "t.conf", "SmsDomains a.example\nTagSecret short\n", &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "the tag secret is 5 characters"));
	free(errors);

	/* CRLF line ends are fine */
	c = conf_load_string("t.conf",
			     "SmsDomains a.example\r\nTagSecret "
			     "0123456789abcdef\r\nSegmentCap 3\r\n",
			     &errors);
	assert_non_null(c);
	assert_int_equal(c->segment_cap, 3);
	conf_free(&c);
}

static void
transports(void **state)
{
	char *errors = NULL;
	struct conf *c;

	(void)state;
	c = load("Transport http", &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "HttpBaseUrl is required with "
				       "Transport http"));
	assert_non_null(strstr(errors, "HttpAccount is required"));
	assert_non_null(strstr(errors, "HttpToken (or HttpTokenFile) is "
				       "required"));
	free(errors);
	c = load("Transport kannel\nKannelUrl http://127.0.0.1:13013/x\n"
		 "KannelUser u\nKannelPassword p",
		 &errors);
	if (!c)
		fail_msg("%s", errors);
	assert_int_equal(c->transport, CONF_TP_KANNEL);
	assert_string_equal(c->kannel_password, "p");
	conf_free(&c);
}

/* write_file - a file with text and mode, in a temporary directory */
static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * reload - what smsmilter and smsgw say of a reload, in one place: a
 * file refused (the old stays), the keys read only at start that
 * changed, the warnings; and at start, whether a reload would read it
 */
static void
reload(void **state)
{
	static const char *const later[] = {"Database", "Smpp*", NULL};
	char dir[] = "/tmp/test_conf.XXXXXX", path[64], text[256], want[320];
	char *report = NULL, *errors = NULL;
	struct conf *cur, *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/smsmilter.conf", dir);
	write_file(path, BASE "Database /var/a.db\nSmppWindow 5\n", 0600);
	cur = conf_load(path, &errors);
	if (!cur)
		fail_msg("%s", errors);
	assert_null(conf_reload_check(cur, path));

	/* the same file: nothing to say */
	c = conf_reload(cur, path, later, &report);
	assert_non_null(c);
	assert_null(report);
	conf_free(&c);

	/* keys read only at start changed, and a warning */
	snprintf(text, sizeof(text),
		 BASE "Database /var/b.db\nSmppWindow 9\nMaxLeasesPerPhone 1\n"
		      "PoolExhausted recycle\n");
	write_file(path, text, 0600);
	c = conf_reload(cur, path, later, &report);
	assert_non_null(c);
	assert_non_null(report);
	assert_non_null(strstr(report,
			       "reload: Database, SmppWindow changed: "
			       "that takes effect at the next start\n"));
	if (c->warnings)
		assert_non_null(strstr(report, c->warnings));
	free(report);
	conf_free(&c);

	/* refused: the old one stays, the errors a line each */
	write_file(path, BASE "SmppWindw 5\n", 0600);
	c = conf_reload(cur, path, later, &report);
	assert_null(c);
	snprintf(want, sizeof(want),
		 "reload: %s refused, the old configuration stays:\n%s:3: ",
		 path, path);
	assert_non_null(report);
	if (strncmp(report, want, strlen(want)))
		fail_msg("\"%s\" does not begin \"%s\"", report, want);
	free(report);

	/* at start: a file a reload could not read, said at once */
	unlink(path);
	report = conf_reload_check(cur, path);
	assert_non_null(report);
	snprintf(want, sizeof(want),
		 "a reload (SIGHUP) would fail: as UserID %s, %s gets:\n",
		 cur->user, path);
	if (strncmp(report, want, strlen(want)))
		fail_msg("\"%s\" does not begin \"%s\"", report, want);
	free(report);
	conf_free(&cur);
	rmdir(dir);
}

static void
secret_files(void **state)
{
	char dir[] = "/tmp/test_conf.XXXXXX", secret[64], conf[64], line[128];
	char *errors = NULL;
	struct conf *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(secret, sizeof(secret), "%s/tag.secret", dir);
	snprintf(conf, sizeof(conf), "%s/smsmilter.conf", dir);
	snprintf(line, sizeof(line),
		 "SmsDomains sms.example.com\nTagSecretFile %s\n", secret);

	write_file(secret, "0123456789abcdefXYZ\nsecond line\n", 0600);
	write_file(conf, line, 0644);
	c = conf_load(conf, &errors);
	if (!c)
		fail_msg("%s", errors);
	assert_string_equal(c->tag_secret, "0123456789abcdefXYZ");
	conf_free(&c);

	/* readable by group or others: refused, saying how to fix it */
	assert_int_equal(chmod(secret, 0644), 0);
	c = conf_load(conf, &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "is readable by group or others (mode "
				       "0644)"));
	assert_non_null(strstr(errors, "chmod 600"));
	assert_non_null(strstr(errors, ":2: TagSecretFile:"));
	free(errors);
	assert_int_equal(chmod(secret, 0620), 0);
	c = conf_load(conf, &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "is writable by group or others"));
	free(errors);

	/* empty, missing */
	write_file(secret, "\n", 0600);
	c = conf_load(conf, &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "is empty"));
	free(errors);
	unlink(secret);
	c = conf_load(conf, &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "cannot open"));
	free(errors);

	/* a secret inline in a file others can read */
	write_file(conf, BASE, 0644);
	c = conf_load(conf, &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "holds a secret but is readable by "
				       "group or others (mode 0644)"));
	free(errors);
	assert_int_equal(chmod(conf, 0600), 0);
	c = conf_load(conf, &errors);
	assert_non_null(c);
	conf_free(&c);

	/* the configuration file itself missing */
	unlink(conf);
	c = conf_load(conf, &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "cannot open"));
	free(errors);
	assert_int_equal(rmdir(dir), 0);
}

static void
print_round_trip(void **state)
{
	char *errors = NULL, *first, *second, *p, *fixed;
	struct conf *c, *d;
	size_t len;

	(void)state;
	c = conf_load_string("t.conf",
			     "SmsDomains a.example, b.example\n"
			     "TagSecret 0123456789abcdef0123\n"
			     "TrustedNetworks ::1, 10.1.0.0/16\n"
			     "SenderNumbers a@b.example=+442079460958\n"
			     "TruncationMarker \"x # y\"\n"
			     "RecipientRateLimit 0/1d\n",
			     &errors);
	if (!c)
		fail_msg("%s", errors);
	first = printed(c);
	/* the masked secret cannot be read back: put one back in */
	p = strstr(first, "TagSecret ********");
	assert_non_null(p);
	len = strlen(first) + 32;
	fixed = malloc(len);
	assert_non_null(fixed);
	snprintf(fixed, len, "%.*sTagSecret another secret value%s",
		 (int)(p - first), first, p + strlen("TagSecret ********"));
	d = conf_load_string("u.conf", fixed, &errors);
	free(fixed);
	if (!d)
		fail_msg("%s\n%s", errors, first);
	second = printed(d);
	assert_string_equal(strchr(first, '\n'), strchr(second, '\n'));
	free(first);
	free(second);
	conf_free(&c);
	conf_free(&d);
}

static void
sample_parses(void **state)
{
	char dir[] = "/tmp/test_conf.XXXXXX", secret[64], *errors = NULL;
	char *text = NULL, *p;
	size_t n = 0;
	struct conf *c;
	FILE *fp = open_memstream(&text, &n);

	(void)state;
	assert_non_null(fp);
	conf_write_sample(fp);
	fclose(fp);
	assert_non_null(mkdtemp(dir));
	snprintf(secret, sizeof(secret), "%s/tag.secret", dir);
	write_file(secret, "a sample secret of some length\n", 0400);
	/* point TagSecretFile at the test's secret */
	p = strstr(text, "TagSecretFile /etc/smsmilter/tag.secret");
	assert_non_null(p);
	{
		size_t pre = (size_t)(p - text) + strlen("TagSecretFile ");
		const char *post = p + strlen("TagSecretFile "
					      "/etc/smsmilter/tag.secret");
		size_t len = pre + strlen(secret) + strlen(post) + 1;
		char *fixed = malloc(len);

		assert_non_null(fixed);
		snprintf(fixed, len, "%.*s%s%s", (int)pre, text, secret, post);
		c = conf_load_string("sample", fixed, &errors);
		free(fixed);
	}
	if (!c)
		fail_msg("%s", errors);
	assert_string_equal(c->tag_secret, "a sample secret of some length");
	conf_free(&c);
	free(text);
	unlink(secret);
	rmdir(dir);
}

/*
 * uncommented - text with each "#Key value" line uncommented: those
 * showing a default (examples == 0), or those ending in "# example";
 * caller frees
 */
static char *
uncommented(const char *text, int examples)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *p = text;

	assert_non_null(out);
	while (*p) {
		size_t n = strcspn(p, "\n");
		int key = p[0] == '#' && p[1] >= 'A' && p[1] <= 'Z' &&
			  memchr(p, ' ', n) != NULL;
		int example = n > 9 && strncmp(p + n - 9, "# example", 9) == 0;

		if (key && example == examples)
			p++, n--;
		memcpy(o, p, n);
		o += n;
		p += n;
		if (*p == '\n')
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/*
 * sample_defaults - the sample tells defaults from examples (issue 19):
 * uncommenting every default line changes nothing, and an example line
 * says it is one (MetricsListen's, unset by default; not 9125, which
 * is statsd_exporter's); uncommenting it does change things
 */
static void
sample_defaults(void **state)
{
	char *text = NULL, *all, *ex, *errors = NULL, *p1, *p2, *p3;
	char dir[] = "/tmp/test_conf.XXXXXX", secret[64], *fixed;
	struct conf *c1, *c2, *c3;
	size_t n = 0;
	FILE *fp = open_memstream(&text, &n);

	(void)state;
	assert_non_null(fp);
	conf_write_sample(fp);
	fclose(fp);
	assert_true(has_line(text, "#WebhookListen 127.0.0.1:8025"));
	assert_true(has_line(text, "#MetricsListen 127.0.0.1:8028  # example"));
	assert_null(strstr(text, "9125"));
	assert_non_null(mkdtemp(dir));
	snprintf(secret, sizeof(secret), "%s/tag.secret", dir);
	write_file(secret, "a sample secret of some length\n", 0400);
	{
		const char *t = "TagSecretFile /etc/smsmilter/tag.secret";
		char *at = strstr(text, t);
		size_t len = strlen(text) + strlen(secret) + 1;

		assert_non_null(at);
		fixed = malloc(len);
		assert_non_null(fixed);
		snprintf(fixed, len, "%.*sTagSecretFile %s%s", (int)(at - text),
			 text, secret, at + strlen(t));
	}
	all = uncommented(fixed, 0);
	/* an example uncommented sets what was unset */
	ex = strdup(fixed);
	assert_non_null(ex);
	{
		char *m = strstr(ex, "\n#MetricsListen 127.0.0.1:8028");

		assert_non_null(m);
		m[1] = ' ';
	}
	c1 = conf_load_string("sample", fixed, &errors);
	if (!c1)
		fail_msg("%s", errors);
	c2 = conf_load_string("sample", all, &errors);
	if (!c2)
		fail_msg("the defaults uncommented: %s", errors);
	p1 = printed(c1);
	p2 = printed(c2);
	assert_string_equal(p1, p2);
	c3 = conf_load_string("sample", ex, &errors);
	if (!c3)
		fail_msg("an example uncommented: %s", errors);
	p3 = printed(c3);
	assert_true(has_line(p3, "MetricsListen 127.0.0.1:8028"));
	assert_false(has_line(p1, "MetricsListen 127.0.0.1:8028"));
	free(p1);
	free(p2);
	free(p3);
	conf_free(&c1);
	conf_free(&c2);
	conf_free(&c3);
	free(all);
	free(ex);
	free(fixed);
	free(text);
	unlink(secret);
	rmdir(dir);
}

/* old_words - SmtpTls of earlier releases: read, printed new, warned */
static void
old_words(void **state)
{
	static const struct {
		const char *line;
		enum conf_tls tls;
		const char *warning; /* in c->warnings, or NULL: none */
	} cases[] = {
	    {"SmtpTls none", CONF_TLS_NONE, NULL},
	    {"SmtpTls may", CONF_TLS_MAY, NULL},
	    {"SmtpTls encrypt", CONF_TLS_ENCRYPT, NULL},
	    {"SmtpTls verify", CONF_TLS_VERIFY, NULL},
	    {"SmtpTls Secure", CONF_TLS_SECURE, NULL},
	    {"SmtpTls no", CONF_TLS_NONE, NULL},
	    {"SmtpTls opportunistic", CONF_TLS_MAY, NULL},
	    {"SmtpTls REQUIRED", CONF_TLS_ENCRYPT,
	     "t.conf:3: SmtpTls: warning: \"required\" is read as "
	     "\"encrypt\": it encrypts but does not verify"},
	};
	struct conf *c;
	char *errors = NULL;
	size_t i;

	(void)state;
	c = load("", &errors);
	assert_non_null(c);
	assert_int_equal(c->smtp_tls, CONF_TLS_NONE);
	assert_string_equal(c->smtp_tls_ca_file,
			    "/etc/ssl/certs/ca-certificates.crt");
	assert_string_equal(c->smtp_tls_name, "");
	assert_null(c->warnings);
	conf_free(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = load(cases[i].line, &errors);
		assert_non_null(c);
		assert_int_equal(c->smtp_tls, cases[i].tls);
		if (cases[i].warning) {
			assert_non_null(c->warnings);
			assert_non_null(strstr(c->warnings, cases[i].warning));
			assert_non_null(strstr(c->warnings, "SmtpTls verify"));
		} else {
			assert_null(c->warnings);
		}
		conf_free(&c);
	}
	c = load("SmtpTls yes", &errors);
	assert_null(c);
	assert_non_null(strstr(errors, "t.conf:3: SmtpTls: expected one of "
				       "none, may, encrypt, verify, secure; "
				       "got \"yes\""));
	free(errors);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults),
	    cmocka_unit_test(every_type),
	    cmocka_unit_test(every_error),
	    cmocka_unit_test(required_and_all_errors),
	    cmocka_unit_test(key_lines),
	    cmocka_unit_test(transports),
	    cmocka_unit_test(secret_files),
	    cmocka_unit_test(print_round_trip),
	    cmocka_unit_test(sample_parses),
	    cmocka_unit_test(sample_defaults),
	    cmocka_unit_test(old_words),
	    cmocka_unit_test(reload),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
