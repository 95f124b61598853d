/*
 * NAME
 *	conf - smsmilter.conf: parse, check, print
 * SUMMARY
 *	#include "conf/conf.h"
 * DESCRIPTION
 *	One file of "Key value" lines, as OpenDKIM's: keys are
 *	case-insensitive, "#" starts a comment, values may be quoted
 *	("a value with spaces", with \" and \\), lists are separated by
 *	commas, durations are 30s/10m/2h/14d/1w, sizes 64k/10M/1G, booleans
 *	yes/no/true/false/on/off. Every value is checked where it is read
 *	(numbers, phone numbers and sender IDs through sms/, addresses and
 *	networks syntactically) and the file is parsed once into an
 *	immutable struct conf; a reload parses a new one and swaps it whole.
 *
 *	The keys live in one table (keys.c) with their type, default,
 *	bounds and documentation, from which the sample configuration and
 *	the key list of smsmilter.conf(5) are generated.
 * DIAGNOSTICS
 *	conf_load() reports every problem it finds, one per line, as
 *	"FILE:LINE: message" (or "FILE: message" for missing keys).
 *	What is accepted but deserves a look is left in c->warnings.
 */
#ifndef CONF_CONF_H
#define CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where the daemons and smsctl look by default. */
#ifndef CONF_DEFAULT_PATH
#define CONF_DEFAULT_PATH "/etc/smsmilter/smsmilter.conf"
#endif

/* A list of strings (domains, countries, addresses, prefixes). */
struct conf_list {
	size_t n;
	const char *const *v;
};

/* An IPv4 or IPv6 network: address and prefix length. */
struct conf_net {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
};

struct conf_nets {
	size_t n;
	const struct conf_net *v;
};

/* key=value pairs, e.g. owner address = sender number. */
struct conf_pair {
	const char *key, *value;
};

struct conf_map {
	size_t n;
	const struct conf_pair *v;
};

/* host and port, e.g. the SMTP relay. */
struct conf_hostport {
	const char *host;
	unsigned port;
};

/*
 * Where an event goes (InboundHook, ReceiptHook): events of one of our
 * numbers (or of every number, "*") to url by method: "POST" (signed
 * JSON), "FORM" (a form POST) or "GET" (url as a template); expect_ok:
 * only a body of "ok" means it arrived (voip.ms' URL callback retry).
 */
struct conf_hook {
	const char *number; /* E.164, or "*" */
	const char *method;
	const char *url;
	bool expect_ok;
};

struct conf_hooks {
	size_t n;
	const struct conf_hook *v;
};

/* count per period, e.g. 30 messages per hour. */
struct conf_rate {
	long long count;
	long long seconds;
};

enum conf_sync { CONF_SYNC_FULL, CONF_SYNC_NORMAL, CONF_SYNC_OFF };
enum conf_long_policy { CONF_LONG_TRUNCATE, CONF_LONG_REJECT };
enum conf_ambiguous { CONF_AMBIGUOUS_OWNER, CONF_AMBIGUOUS_ALL };
/* What a mail to a phone with no pool number left gets (PoolExhausted). */
enum conf_pool_full { CONF_POOL_DEFER, CONF_POOL_REJECT, CONF_POOL_RECYCLE };
/* What STOP opts a phone out of (OptOutScope). */
enum conf_optout_scope { CONF_OPTOUT_SITE, CONF_OPTOUT_NUMBER };

/* Which hooks may reach private addresses (HookAllowPrivate). */
enum conf_hook_private {
	CONF_HOOKPRIV_NO,
	CONF_HOOKPRIV_SITE, /* the configured targets, not a text's */
	CONF_HOOKPRIV_YES,
};
enum conf_quota_policy { CONF_QUOTA_REJECT, CONF_QUOTA_ALLOW, CONF_QUOTA_HOLD };
enum conf_transport { CONF_TP_SMPP, CONF_TP_HTTP, CONF_TP_KANNEL };
enum conf_concat { CONF_CONCAT_UDH, CONF_CONCAT_SAR, CONF_CONCAT_PAYLOAD };
enum conf_bind { CONF_BIND_TRANSCEIVER, CONF_BIND_SPLIT };
/* SmtpTls, named as Postfix's smtp_tls_security_level */
enum conf_tls {
	CONF_TLS_NONE,	  /* no STARTTLS */
	CONF_TLS_MAY,	  /* STARTTLS when offered, not verified */
	CONF_TLS_ENCRYPT, /* STARTTLS or no mail, not verified */
	CONF_TLS_VERIFY,  /* STARTTLS, chain and name verified */
	CONF_TLS_SECURE	  /* as verify (the name is never from DNS here) */
};
enum conf_loglevel {
	CONF_LOG_ERR,
	CONF_LOG_WARNING,
	CONF_LOG_NOTICE,
	CONF_LOG_INFO,
	CONF_LOG_DEBUG
};

/*
 * The effective configuration. Read-only once loaded; strings and
 * arrays belong to it and die with conf_free(). Secrets are the values
 * themselves, read from their files where a ...File key was used.
 */
struct conf {
	const char *path; /* the file it came from */

	/* milter */
	const char *socket;
	struct conf_list sms_domains;
	const char *default_country;
	struct conf_list allowed_countries;
	struct conf_list denied_prefixes; /* "+1684" or "684" */
	struct conf_list short_codes;	  /* short codes we may text */
	long long max_message_size;
	long long idempotency_window; /* seconds; 0: the queue id */
	long long max_mime_depth;
	long long max_schedule_ahead; /* seconds */
	const char *wake_socket;

	/* who may send */
	bool authenticated_senders;
	struct conf_nets trusted_networks;
	struct conf_list allowed_senders; /* addresses, or @domain */
	const char *authserv_id;
	struct conf_list dmarc_domains;
	struct conf_rate tag_failure_limit;	   /* per sender and client */
	struct conf_rate tag_failure_client_limit; /* per client */
	struct conf_list disclaimer_lines;	   /* NULL after the last */

	/* numbers and threads */
	const char *default_sender;	 /* E.164 or alphanumeric */
	struct conf_map sender_numbers;	 /* owner address -> number */
	struct conf_map number_owners;	 /* number -> owner address */
	struct conf_map forward_numbers; /* our number -> a phone */
	long long lease_duration;	 /* seconds a conversation holds it */
	enum conf_ambiguous ambiguous_answers;
	struct conf_list sender_pool;	    /* E.164 numbers leased per phone */
	struct conf_map sender_pool_groups; /* address or @domain -> number */
	struct conf_list sender_name_denied; /* +prefixes: no sender names */
	long long max_leases_per_phone;
	enum conf_pool_full pool_exhausted;
	long long lease_grace; /* an expired lease still routes answers */
	enum conf_optout_scope optout_scope;
	struct conf_map owner_aliases;	  /* alias address -> owner */
	struct conf_map sender_logins;	  /* address or @domain -> login */
	struct conf_map billing_accounts; /* address or @domain -> account */
	const char *login_domain;	  /* a bare login's domain, or "" */
	const char *tag_secret;

	/* text */
	const char *new_thread_template;
	const char *reply_template;
	bool smart_encoding;
	long long segment_cap;
	enum conf_long_policy long_message_policy;
	const char *truncation_marker;

	/* media */
	const char *media_base_url; /* "": attachments are not sent */
	long long media_lifetime;   /* seconds */
	long long media_max_bytes;  /* per file */
	long long media_max_files;  /* per mail */
	long long mms_max_bytes;    /* a picture sent as MMS; 0: never */

	/* limits and usage */
	long long monthly_segment_quota; /* 0: none */
	enum conf_quota_policy over_quota_policy;
	struct conf_rate recipient_rate;
	const char *price_currency;
	const char *price_monthly_fee;
	long long price_included_segments;
	const char *price_per_segment;

	/* store */
	const char *database;
	enum conf_sync database_sync;
	const char *inbox_file; /* NULL: conf_inbox_path's default */

	/* transport */
	enum conf_transport transport;
	long long queue_lifetime;  /* seconds */
	long long claim_lease;	   /* seconds */
	long long receipt_timeout; /* seconds; 0: none */
	struct conf_hostport smpp_server;
	const char *smpp_system_id;
	const char *smpp_password;
	const char *smpp_system_type;
	long long smpp_source_ton, smpp_source_npi;
	long long smpp_dest_ton, smpp_dest_npi;
	long long smpp_window;
	long long smpp_throughput; /* submits per second, 0: no cap */
	enum conf_concat smpp_concatenation;
	enum conf_bind smpp_bind;
	long long smpp_enquire_link;	 /* seconds */
	long long smpp_response_timeout; /* seconds */
	long long smpp_poison_resets;	 /* 0: never give a part up */
	const char *http_base_url;
	const char *http_account;
	const char *http_token;
	long long http_window;
	long long http_timeout; /* seconds */
	const char *kannel_url;
	const char *kannel_user;
	const char *kannel_password;

	/* texts from phones */
	const char *postmaster;
	long long reassembly_timeout; /* seconds */
	long long resend_window;      /* seconds */
	const char *stop_text, *start_text, *help_text;
	struct conf_list stop_words, start_words, help_words;
	struct conf_rate keyword_answer_limit; /* per phone and keyword */

	/* webhooks and mail out */
	struct conf_hostport webhook_listen;
	const char *webhook_public_url;
	const char *webhook_user;
	const char *webhook_password;
	long long webhook_threads;
	long long webhook_max_connections;
	long long webhook_max_per_client;    /* 0: no limit */
	long long webhook_request_timeout;   /* seconds, the whole request */
	struct conf_hostport metrics_listen; /* host "" or NULL: none */
	struct conf_hostport api_listen;     /* host "" or NULL: none */
	long long api_threads;
	long long api_key_cache_time; /* seconds a key found is trusted */
	/* smsmilter's own /metrics; host "" or NULL: none */
	struct conf_hostport milter_metrics_listen;
	struct conf_hostport smtp_relay;
	enum conf_tls smtp_tls;
	const char *smtp_tls_ca_file;  /* PEM CAs for verify and secure */
	const char *smtp_tls_name;     /* "": the SmtpRelay host */
	long long mail_retry_interval; /* seconds */
	long long mailer_sessions;     /* SMTP sessions mailing at once */
	long long mail_batch;	       /* mails a session claims at once */
	bool smtp_pipelining;	       /* SmtpPipelining (RFC 2920) */
	const char *smtp_user;
	const char *smtp_password;
	/* UndeliverableMailTo: who gets mail the relay refuses; "": none */
	const char *undeliverable_mail_to;

	/* event hooks */
	struct conf_hooks inbound_hooks; /* texts from phones */
	struct conf_hooks receipt_hooks; /* final receipts */
	const char *hook_secret;	 /* signs POSTs; NULL: unsigned */
	long long hook_retry_first;	 /* seconds before the 2nd try */
	long long hook_retry_interval;	 /* the most between tries */
	long long hook_lifetime;	 /* then given up, the owner told */
	long long hook_timeout;		 /* seconds per request */
	enum conf_hook_private hook_allow_private; /* loopback, RFC 1918 */
	long long hook_concurrency;		   /* requests at once */

	/* inbound media: photos from phones, voicemail recordings */
	long long inbound_media_max_bytes;    /* a file; 0: none fetched */
	long long inbound_media_max_total;    /* the files of one text */
	long long inbound_media_timeout;      /* seconds per file */
	long long inbound_media_retries;      /* tries after the first */
	long long inbound_media_retry_first;  /* then twice as long each */
	struct conf_list inbound_media_hosts; /* "": HttpBaseUrl's host */
	bool inbound_media_allow_http;	      /* http:// for those hosts */
	bool inbound_media_allow_private;     /* loopback, RFC 1918 */

	/* process */
	const char *user;
	const char *pid_file;
	const char *gateway_pid_file;
	const char *syslog_facility;
	enum conf_loglevel log_level;

	/*
	 * Settings that work but deserve a look (an old word for a
	 * value), one "FILE:LINE: KEY: warning: ..." line each; NULL when
	 * none.
	 */
	const char *warnings;
};

/*
 * conf_load - read and check a configuration file
 *
 * Returns the configuration, or NULL with *errors_r set to every
 * problem found, one per line ("FILE:LINE: ..."); the caller frees
 * *errors_r. Secret files must not be readable by group or others, nor
 * may the configuration file itself when it holds a secret inline.
 */
struct conf *conf_load(const char *path, char **errors_r);

/*
 * conf_load_string - conf_load() on text in memory; name is used in
 * messages and as the directory base for nothing (secret files are
 * still read from their own paths)
 */
struct conf *conf_load_string(const char *name, const char *text,
			      char **errors_r);

/*
 * conf_changed - the names of those of keys (NULL-ended; "Smpp*" for
 * every key beginning so) whose values differ between a and b,
 * comma-separated in out; how many (a secret's change is not seen: it
 * is compared masked)
 */
size_t conf_changed(const struct conf *a, const struct conf *b,
		    const char *const *keys, char *out, size_t size);

/*
 * conf_reload - path read again for a reload (SIGHUP) of a daemon that
 * runs with cur: the new configuration (the caller's, to install), or
 * NULL when it is refused and cur stays. *report_r gets the lines to
 * log, malloc'd (the caller frees it; NULL when there is nothing to
 * say): a refusal and its errors (errors, to log as such), or which of
 * restart_keys (as conf_changed) changed and wait for the next start,
 * then the new configuration's warnings.
 */
struct conf *conf_reload(const struct conf *cur, const char *path,
			 const char *const *restart_keys, char **report_r);

/*
 * conf_reload_check - read path again as the daemon now is (after the
 * privilege drop to c->user): NULL when a reload would read it, else,
 * malloc'd, "a reload (SIGHUP) would fail: as UserID U, PATH gets:"
 * and the errors, a line each, to log as a warning at start
 */
char *conf_reload_check(const struct conf *c, const char *path);

/*
 * conf_key_line - the line of c's file the key called name was set on
 * (any case); 0 when it was not set (its default holds)
 */
unsigned conf_key_line(const struct conf *c, const char *name);

/* conf_free - free a configuration and set *c to NULL (NULL is fine) */
void conf_free(struct conf **c);

/*
 * conf_print - write the effective configuration as "Key value" lines,
 * every key with its value or default, secrets masked
 */
void conf_print(const struct conf *c, FILE *fp);

/* conf_write_sample - the sample smsmilter.conf, from the key table */
void conf_write_sample(FILE *fp);

/* conf_write_man_keys - the KEYS section of smsmilter.conf(5), roff */
void conf_write_man_keys(FILE *fp);

/*
 * conf_hook_url_syntax - whether url may be a hook's: http:// or
 * https://, a host, no user or password, no spaces or control
 * characters; braces are allowed (a GET template's {FROM}). False
 * with a sentence in why.
 */
bool conf_hook_url_syntax(const char *url, char *why, size_t size);

/* conf_syslog_level - the syslog level (LOG_*) LogLevel names */
int conf_syslog_level(const struct conf *c);

/*
 * conf_inbox_path - smsgw's inbox file: InboxFile, else Database's name
 * with -inbox (smsmilter.db: smsmilter-inbox.db), else (a PostgreSQL
 * store) /var/lib/smsmilter/smsgw-inbox.db
 */
void conf_inbox_path(const struct conf *c, char *out, size_t size);

#endif /* CONF_CONF_H */
