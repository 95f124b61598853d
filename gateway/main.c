/*
 * NAME
 *	smsgw - the gateway: texts from the store to the phone network
 * SYNOPSIS
 *	smsgw [-c FILE] [-f]
 * DESCRIPTION
 *	Opens the store and the transport Transport names (smpp, http or
 *	kannel), binds WakeSocket (a unix
 *	datagram socket smsmilter pokes after each commit), goes to the
 *	background unless -f, writes GatewayPidFile (locked while it runs:
 *	a second smsgw with the same file refuses to start), drops to
 *	UserID, and
 *	runs the queue runner: it claims due texts when woken and at least
 *	every second. SIGHUP reloads the configuration (a bad one is
 *	refused and logged; transport settings take effect at the next
 *	start); SIGTERM and SIGINT stop claiming, wait up to 10 seconds
 *	for the answers to what is in flight, give back what was not sent
 *	and exit; the pid file goes at once, so that a new smsgw can start
 *	meanwhile, and WakeSocket at the end unless a new smsgw holds it.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gateway_int.h"
#include "util/util.h"
#include "mailparse/mailparse.h"

static volatile sig_atomic_t got_hup, got_term;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/*
 * wake_socket - bind the datagram socket smsmilter pokes: under a name
 * of its own, then renamed over path (a predecessor still stopping
 * keeps its socket until then); its identity in *id_r
 */
static int
wake_socket(const char *path, const char *user, struct ut_file_id *id_r)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.%ld", path,
			     (long)getpid()) >= sizeof(sun.sun_path))
		strcpy(sun.sun_path, path); /* no room: in place */
	unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		goto fail;
	/* smsmilter's user is in the group */
	ut_give(sun.sun_path, user, 0660);
	if ((strcmp(sun.sun_path, path) != 0 &&
	     rename(sun.sun_path, path) != 0) ||
	    ut_sock_id(path, id_r) != 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (strcmp(sun.sun_path, path) != 0)
		unlink(sun.sun_path);
	errno = saved;
	return -1;
}

/* smpp_conf - the SMPP transport's settings from the configuration */
static void
smpp_conf(const struct conf *c, struct tp_smpp_conf *t)
{
	static const enum tp_concat concat[] = {
	    [CONF_CONCAT_UDH] = TP_CONCAT_UDH,
	    [CONF_CONCAT_SAR] = TP_CONCAT_SAR,
	    [CONF_CONCAT_PAYLOAD] = TP_CONCAT_PAYLOAD,
	};

	*t = (struct tp_smpp_conf){
	    .host = c->smpp_server.host,
	    .port = c->smpp_server.port,
	    .system_id = c->smpp_system_id,
	    .password = c->smpp_password ? c->smpp_password : "",
	    .system_type = c->smpp_system_type,
	    .split_bind = c->smpp_bind == CONF_BIND_SPLIT,
	    .source_ton = (int)c->smpp_source_ton,
	    .source_npi = (int)c->smpp_source_npi,
	    .dest_ton = (int)c->smpp_dest_ton,
	    .dest_npi = (int)c->smpp_dest_npi,
	    .window = (unsigned)c->smpp_window,
	    .throughput = (unsigned)c->smpp_throughput,
	    .concat = concat[c->smpp_concatenation],
	    .enquire_link = (unsigned)c->smpp_enquire_link,
	    .reconnect_max = 30,
	    .response_timeout = (unsigned)c->smpp_response_timeout,
	    .poison_resets = (unsigned)c->smpp_poison_resets,
	};
}

/*
 * open_transport - the transport Transport names, from the configuration;
 * NULL with err set; what says where it goes in where
 */
static struct transport *
open_transport(const struct conf *c, struct tp_error *err, char *where,
	       size_t size)
{
	char status[1024], twilio_status[1100];
	struct tp_smpp_conf sc;

	webhook_base_url(c, status, sizeof(status));
	snprintf(twilio_status, sizeof(twilio_status), "%s/twilio/status",
		 status);
	switch (c->transport) {
	case CONF_TP_HTTP: {
		struct tp_http_conf hc = {
		    .base_url = c->http_base_url,
		    .account = c->http_account,
		    .token = c->http_token,
		    .status_url = twilio_status,
		    .window = (unsigned)c->http_window,
		    .timeout = (unsigned)c->http_timeout,
		};

		snprintf(where, size,
			 "http %s, window %u, status callbacks to %s",
			 hc.base_url, hc.window, status);
		return tp_http_open(&hc, err);
	}
	case CONF_TP_KANNEL: {
		struct tp_kannel_conf kc = {
		    .url = c->kannel_url,
		    .user = c->kannel_user,
		    .password = c->kannel_password,
		    .status_url = status,
		    .dlr_mask = 31,
		    .window = (unsigned)c->http_window,
		    .timeout = (unsigned)c->http_timeout,
		};

		snprintf(where, size,
			 "kannel %s, window %u, dlr-url %s/kannel/dlr", kc.url,
			 kc.window, status);
		return tp_kannel_open(&kc, err);
	}
	case CONF_TP_SMPP: break;
	}
	smpp_conf(c, &sc);
	snprintf(where, size, "smpp %s:%u, window %u", sc.host, sc.port,
		 sc.window);
	return tp_smpp_open(&sc, err);
}

/* what a reload does not change: the link, the listeners, the mail out */
static const char *const restart_keys[] = {"Database",
					   "DatabaseSync",
					   "InboxFile",
					   "Transport",
					   "Smpp*",
					   "Http*",
					   "Kannel*",
					   "WebhookListen",
					   "WebhookThreads",
					   "MetricsListen",
					   "ApiListen",
					   "ApiThreads",
					   "Hook*",
					   "SmtpRelay",
					   "SmtpTls*",
					   "SmtpUser",
					   "MailerSessions",
					   "MailBatch",
					   "SmtpPipelining",
					   "MailRetryInterval",
					   "UndeliverableMailTo",
					   "WakeSocket",
					   "GatewayPidFile",
					   "UserID",
					   NULL};

static void
usage(void)
{
	fprintf(stderr,
		"usage: smsgw [-c FILE] [-f] | -V\n"
		"-c FILE: the configuration (default %s)\n"
		"-V, --version: print the version and exit\n",
		CONF_DEFAULT_PATH);
	exit(64);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = CONF_DEFAULT_PATH;
	struct store_error serr;
	struct tp_error terr;
	struct transport *t;
	struct runner *r;
	struct mailer *mailer;
	struct spool *spool = NULL;
	struct hooks *hooks;
	struct notify *notify;
	struct webhook *webhook = NULL;
	struct store *s;
	struct conf *c;
	bool foreground = false;
	char *errors = NULL, owner[128], host[64], where[1200], whole[4096];
	int opt, wfd, pidfd;
	long holder;
	struct ut_file_id wake_id;
	time_t next_claim = 0, stop_by = 0;

	while ((opt = getopt_long(argc, argv, "c:fV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'V': printf("smsgw %s\n", ut_version()); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	/* a reload reads it again after daemon(3) has gone to "/" */
	path = ut_abs_path(path, whole, sizeof(whole));
	c = conf_load(path, &errors);
	if (!c) {
		fprintf(stderr, "smsgw: %s", errors ? errors : "");
		free(errors);
		return 78;
	}
	ut_log_open("smsgw", c->syslog_facility, conf_syslog_level(c),
		    foreground);
	ut_log_lines(LOG_WARNING, c->warnings);
	pidfd = ut_pid_lock(c->gateway_pid_file, 3000, &holder);
	if (pidfd < 0) {
		int saved = errno;

		if (saved == EWOULDBLOCK)
			snprintf(where, sizeof(where),
				 "already running as pid %ld (pid file %s)",
				 holder, c->gateway_pid_file);
		else
			snprintf(where, sizeof(where), "pid file %s: %s",
				 c->gateway_pid_file, strerror(saved));
		ut_log(LOG_ERR, "%s", where);
		fprintf(stderr, "smsgw: %s\n", where);
		conf_free(&c);
		return 75; /* EX_TEMPFAIL */
	}
	wfd = wake_socket(c->wake_socket, c->user, &wake_id);
	if (wfd < 0)
		ut_log(LOG_WARNING,
		       "WakeSocket %s: %s; polling the store every second",
		       c->wake_socket, strerror(errno));
	if (!foreground && daemon(0, 0) != 0)
		return 71;
	if (ut_pid_write(pidfd, c->gateway_pid_file) != 0 ||
	    ut_become(c->user) != 0)
		return 71;
	{
		/* a reload reads the file again as UserID: say now if not */
		char *report = conf_reload_check(c, path);

		ut_log_lines(LOG_WARNING, report);
		free(report);
	}
	s = store_open(c->database, (enum store_sync)c->database_sync, &serr);
	if (!s) {
		ut_log(LOG_ERR, "store: %s", serr.msg);
		return 75;
	}
	/* the inbox before the SMSC: a gateway that cannot have it
	   binds to nothing */
	if (c->transport == CONF_TP_SMPP && !(spool = spool_open(c))) {
		ut_log(LOG_ERR, "inbox: not open (above); exiting");
		ut_pid_release(&pidfd, c->gateway_pid_file);
		return 75;
	}
	t = open_transport(c, &terr, where, sizeof(where));
	if (!t) {
		ut_log(LOG_ERR, "transport: %s", terr.msg);
		return 78;
	}
	tp_watch(t, wfd);
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	/* one holder per run: a successor started while this one finishes
	   takes back none of its leases (runner.c take_back) */
	snprintf(owner, sizeof(owner), "smsgw@%s/%ld", host, (long)getpid());
	mp_init();
	mailer = mailer_start(c, owner);
	if (!mailer)
		return 75;
	hooks = hooks_start(c, owner, mailer);
	notify = notify_start(c, mailer);
	webhook = webhook_start(c, mailer, tp_name(t));
	if (!webhook) {
		/* not a gateway that cannot hear the provider or be watched */
		ut_log(LOG_ERR, "webhooks: not listening (above); exiting");
		ut_pid_release(&pidfd, c->gateway_pid_file);
		return 71; /* EX_OSERR */
	}
	/* texts from phones over SMPP: answered once in the inbox */
	if (spool && !spool_run(spool, mailer))
		return 71;
	r = runner_new(c, s, t, mailer, owner);
	if (r) /* one writer, one fsync, for the API's texts and the runner */
		runner_set_committer(r, webhook_committer(webhook));
	if (r && spool)
		runner_set_spool(r, spool);
	{
		struct sigaction sa = {.sa_handler = on_signal};

		sigemptyset(&sa.sa_mask);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
	}
	ut_log(LOG_NOTICE, "%s, store %s", where, store_name(s));
	for (;;) {
		char buf[64];
		bool woke = false;
		unsigned inflight;
		time_t now = time(NULL);

		api_wake_heard(); /* before the reads: see api.c */
		while (wfd >= 0 && recv(wfd, buf, sizeof(buf), 0) > 0)
			woke = true;
		if (got_hup) {
			char *report = NULL;
			struct conf *n =
			    conf_reload(c, path, restart_keys, &report);

			got_hup = 0;
			if (n)
				ut_log_level(conf_syslog_level(n));
			ut_log_lines(n ? LOG_WARNING : LOG_ERR, report);
			free(report);
			if (n) {
				runner_set_conf(r, n);
				spool_set_conf(spool, n);
				webhook_set_conf(webhook, n);
				conf_free(&c);
				c = n;
				ut_log(LOG_NOTICE, "reload: %s loaded", path);
			}
		}
		if (got_term && !stop_by) {
			/* a successor may start now; see util/pidfile.c */
			ut_pid_release(&pidfd, c->gateway_pid_file);
			stop_by = now + 10;
			ut_log(LOG_NOTICE, "stopping: waiting for %u answers",
			       tp_inflight(t));
		}
		inflight = runner_step(r, 200, woke || now >= next_claim,
				       stop_by != 0);
		if (woke || now >= next_claim)
			next_claim = now + 1;
		if (stop_by && (inflight == 0 || now >= stop_by))
			break;
	}
	runner_stop(&r);
	spool_stop(&spool); /* mails what the inbox holds */
	notify_stop(&notify);
	webhook_stop(&webhook);
	hooks_stop(&hooks);
	mailer_stop(&mailer);
	tp_close(&t);
	store_close(&s);
	ut_pid_release(&pidfd, c->gateway_pid_file);
	if (wfd >= 0)
		ut_sock_remove(c->gateway_pid_file, c->wake_socket, &wake_id);
	ut_log(LOG_NOTICE, "stopped");
	conf_free(&c);
	return 0;
}
