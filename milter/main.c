/*
 * NAME
 *	smsmilter - the milter that turns mail to phones into texts
 * SYNOPSIS
 *	smsmilter [-c FILE] [-f] [-p SOCKET]
 * DESCRIPTION
 *	Reads the configuration, locks the pid file (a second smsmilter
 *	with the same PidFile refuses to start; one that is stopping
 *	is waited for up to 3 seconds), opens the milter socket (a unix
 *	one under a name of its own, renamed over Socket; TCP_NODELAY
 *	on an inet one, which accepted connections inherit), goes to the
 *	background unless -f, writes its pid, drops to UserID, starts
 *	the group-commit writer and runs libmilter in a thread of its
 *	own. The first thread keeps the signals: SIGHUP loads the
 *	configuration again (a bad one is refused with the reason
 *	logged, and the old one kept); SIGTERM and SIGINT hand over at
 *	once (the pid file goes, an inet address is freed) so that a
 *	successor can start, keep serving a unix socket until the
 *	successor's takes its name (at most 2 seconds), let the
 *	transactions that are moving finish (not those the MTA has been
 *	quiet about for 2 seconds, such as a Sendmail session after
 *	RSET; at most 15 seconds in all), commit what they queued and
 *	exit, removing the unix socket only if no successor has taken
 *	its name.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
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

#include "milter/milter_int.h"
#include "util/util.h"

/* A stop waits for transactions the MTA spoke of in the last IDLE_MS. */
#define IDLE_MS 2000
/* ...for at most STOP_SECONDS. */
#define STOP_SECONDS 15
/* A unix socket is served this long for a successor to take its name. */
#define GRACE_MS 2000
/* A start waits this long for a stopping predecessor's pid file. */
#define LOCK_WAIT_MS 3000

static pthread_mutex_t conf_mu = PTHREAD_MUTEX_INITIALIZER;
static struct conf_ref *current;

/* conf_acquire - hold the current configuration */
struct conf_ref *
conf_acquire(void)
{
	struct conf_ref *r;

	pthread_mutex_lock(&conf_mu);
	r = current;
	r->refs++;
	pthread_mutex_unlock(&conf_mu);
	return r;
}

/* conf_release - let go; the last holder of a replaced one frees it */
void
conf_release(struct conf_ref *r)
{
	bool last;

	pthread_mutex_lock(&conf_mu);
	last = --r->refs == 0;
	pthread_mutex_unlock(&conf_mu);
	if (last) {
		conf_free(&r->conf);
		free(r);
	}
}

/* conf_install - make c current */
void
conf_install(struct conf *c)
{
	struct conf_ref *r = calloc(1, sizeof(*r)), *old;

	if (!r) {
		conf_free(&c);
		return;
	}
	r->conf = c;
	r->refs = 1; /* the "current" reference */
	pthread_mutex_lock(&conf_mu);
	old = current;
	current = r;
	pthread_mutex_unlock(&conf_mu);
	if (old)
		conf_release(old);
}

static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

static void
reader_close(void *p)
{
	struct store *s = p;

	store_close(&s);
}

static void
reader_init(void)
{
	pthread_key_create(&reader_key, reader_close);
}

/* reader_store - this thread's read connection */
struct store *
reader_store(const char *db, struct store_error *err)
{
	struct store *s;

	pthread_once(&reader_once, reader_init);
	s = pthread_getspecific(reader_key);
	if (s)
		return s;
	s = store_open(db, STORE_SYNC_NORMAL, err);
	if (s)
		pthread_setspecific(reader_key, s);
	return s;
}

static int sigpipe[2] = {-1, -1};

/* on_signal - hand the signal to the main loop */
static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	(void)!write(sigpipe[1], &b, 1);
	errno = saved;
}

static void *
milter_thread(void *arg)
{
	int *rc = arg;

	*rc = smfi_main();
	return NULL;
}

/* the keys a reload cannot apply: read once, at start */
static const char *const restart_keys[] = {
    "Socket",  "Database", "DatabaseSync",
    "PidFile", "UserID",   "MilterMetricsListen",
    NULL};

/* reload - SIGHUP: a new configuration, or the old one kept */
static void
reload(const char *path)
{
	struct conf_ref *old = conf_acquire();
	char *report = NULL;
	struct conf *c = conf_reload(old->conf, path, restart_keys, &report);

	conf_release(old);
	if (c)
		ut_log_level(conf_syslog_level(c));
	ut_log_lines(c ? LOG_WARNING : LOG_ERR, report);
	free(report);
	if (!c)
		return;
	conf_install(c);
	ut_log(LOG_NOTICE, "reload: %s loaded", path);
}

/*
 * open_socket - libmilter's listening socket for conn. A unix socket is
 * bound under a name of its own, given to user, then renamed over the
 * configured one, so that a process still serving the old socket has
 * it until that moment, and the MTA never finds no socket; its path
 * (the caller's to free) and identity go to *path_r and *id_r. An inet
 * address a predecessor is letting go of is tried for up to 5 s.
 */
static int
open_socket(const char *conn, const char *user, char **path_r,
	    struct ut_file_id *id_r)
{
	const char *path = NULL;
	char tmp[600];
	int i;

	*path_r = NULL;
	if (strncmp(conn, "unix:", 5) == 0 || strncmp(conn, "local:", 6) == 0)
		path = strchr(conn, ':') + 1;
	else if (conn[0] == '/')
		path = conn;
	if (!path) {
		for (i = 0; i < 50; i++) {
			if (smfi_setconn((char *)conn) == MI_SUCCESS &&
			    smfi_opensocket(false) == MI_SUCCESS)
				return 0;
			usleep(100 * 1000);
		}
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "unix:%s.%ld", path,
			     (long)getpid()) >= sizeof(tmp) ||
	    strlen(tmp + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		snprintf(tmp, sizeof(tmp), "unix:%s", path); /* in place */
	if (smfi_setconn(tmp) != MI_SUCCESS ||
	    smfi_opensocket(true) != MI_SUCCESS)
		return -1;
	ut_give(tmp + 5, user, 0660); /* the MTA joins the group */
	if (strcmp(tmp + 5, path) != 0 && rename(tmp + 5, path) != 0) {
		ut_log(LOG_ERR, "rename %s to %s: %s", tmp + 5, path,
		       strerror(errno));
		unlink(tmp + 5);
		return -1;
	}
	*path_r = strdup(path);
	if (!*path_r || ut_sock_id(path, id_r) != 0)
		return -1;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: smsmilter [-c FILE] [-f] [-p SOCKET] | -V\n"
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
	const char *path = CONF_DEFAULT_PATH, *sock = NULL;
	struct store_error serr;
	struct conf_ref *r;
	const struct conf *c;
	bool foreground = false;
	char *errors = NULL, sockbuf[512], whole[4096];
	pthread_t mt;
	sigset_t set;
	int opt, sig, mrc = 0, pidfd;
	long holder;
	char *sockpath = NULL;
	struct ut_file_id sockid;
	struct timespec t0, t1;

	/*
	 * A mail's buffers (the raw mail, its text) are large and live for
	 * one transaction: always map them, so that each goes back to the
	 * system when freed (glibc otherwise raises this threshold after
	 * the first such free, and then each thread's arena keeps what
	 * the largest mail it saw made it grow to)
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	while ((opt = getopt_long(argc, argv, "c:fp:V", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'p': sock = optarg; break;
		case 'V': printf("smsmilter %s\n", ut_version()); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	/* a reload reads it again after daemon(3) has gone to "/" */
	path = ut_abs_path(path, whole, sizeof(whole));
	{
		struct conf *cf = conf_load(path, &errors);

		if (!cf) {
			fprintf(stderr, "smsmilter: %s", errors ? errors : "");
			free(errors);
			return 78; /* EX_CONFIG */
		}
		conf_install(cf);
	}
	r = conf_acquire();
	c = r->conf;
	ut_log_open("smsmilter", c->syslog_facility, conf_syslog_level(c),
		    foreground);
	ut_log_lines(LOG_WARNING, c->warnings);
	snprintf(sockbuf, sizeof(sockbuf), "%s", sock ? sock : c->socket);
	pidfd = ut_pid_lock(c->pid_file, LOCK_WAIT_MS, &holder);
	if (pidfd < 0) {
		if (errno == EWOULDBLOCK) {
			ut_log(LOG_ERR,
			       "already running as pid %ld (pid file %s)",
			       holder, c->pid_file);
			fprintf(stderr,
				"smsmilter: already running as pid %ld "
				"(pid file %s)\n",
				holder, c->pid_file);
		} else {
			ut_log(LOG_ERR, "pid file %s: %s", c->pid_file,
			       strerror(errno));
			fprintf(stderr, "smsmilter: pid file %s: %s\n",
				c->pid_file, strerror(errno));
		}
		return 75; /* EX_TEMPFAIL */
	}
	mp_init();
	if (smfi_register(milter_desc) != MI_SUCCESS ||
	    open_socket(sockbuf, c->user, &sockpath, &sockid) != 0) {
		ut_log(LOG_ERR, "cannot listen on %s", sockbuf);
		fprintf(stderr, "smsmilter: cannot listen on %s\n", sockbuf);
		ut_pid_release(&pidfd, c->pid_file);
		return 71; /* EX_OSERR */
	}
	if (strncmp(sockbuf, "inet", 4) == 0)
		ut_log(LOG_INFO, "TCP_NODELAY set on %d listening socket(s)",
		       milter_nodelay_listeners());
	if (c->milter_metrics_listen.host && *c->milter_metrics_listen.host &&
	    metrics_listen(&c->milter_metrics_listen) != 0) {
		fprintf(stderr,
			"smsmilter: MilterMetricsListen %s:%u: cannot "
			"listen (logged)\n",
			c->milter_metrics_listen.host,
			c->milter_metrics_listen.port);
		ut_pid_release(&pidfd, c->pid_file);
		return 71; /* EX_OSERR */
	}
	if (!foreground && daemon(0, 0) != 0) {
		ut_log(LOG_ERR, "cannot go to the background: %s",
		       strerror(errno));
		return 71;
	}
	if (ut_pid_write(pidfd, c->pid_file) != 0 || ut_become(c->user) != 0)
		return 71;
	{
		/* a reload reads the file again as UserID: say now if not */
		char *report = conf_reload_check(c, path);

		ut_log_lines(LOG_WARNING, report);
		free(report);
	}
	if (commit_start(c->database, (enum store_sync)c->database_sync,
			 &serr) != 0) {
		ut_log(LOG_ERR, "store: %s", serr.msg);
		return 75; /* EX_TEMPFAIL */
	}
	if (metrics_start() != 0)
		return 71;
	{
		char name[256];

		ut_log(LOG_NOTICE, "listening on %s, store %s", sockbuf,
		       store_display(c->database, name, sizeof(name)));
	}
	if (c->milter_metrics_listen.host && *c->milter_metrics_listen.host)
		ut_log(LOG_NOTICE, "metrics on %s:%u",
		       c->milter_metrics_listen.host,
		       c->milter_metrics_listen.port);
	conf_release(r);

	/*
	 * Signals come to this thread. libmilter's own signal thread would
	 * stop the milter on SIGHUP; the kernel gives a signal to the main
	 * thread first when it does not block it, so the threads libmilter
	 * starts block them and this one takes them with a handler.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	if (pipe(sigpipe) != 0) {
		ut_log(LOG_ERR, "pipe: %s", strerror(errno));
		return 71;
	}
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&mt, NULL, milter_thread, &mrc) != 0) {
		ut_log(LOG_ERR, "cannot start the milter thread");
		return 71;
	}
	{
		struct sigaction sa = {.sa_handler = on_signal};

		sigemptyset(&sa.sa_mask);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	for (;;) {
		unsigned char b;
		ssize_t got = read(sigpipe[0], &b, 1);

		if (got < 0 && errno == EINTR)
			continue;
		if (got != 1) {
			sig = 0;
			break;
		}
		sig = b;
		if (sig == SIGHUP) {
			reload(path);
			continue;
		}
		break;
	}
	/*
	 * Hand over first: without the pid file (removed while locked) a
	 * successor may start now and take the socket's name (a new unix
	 * socket is renamed over it; an inet address is freed here). This
	 * process keeps serving what it has, and waits for the
	 * transactions that are moving, not for ones the MTA left idle.
	 */
	r = conf_acquire();
	ut_pid_release(&pidfd, r->conf->pid_file);
	ut_log(LOG_NOTICE,
	       "stopping (signal %d): finishing %u open transactions "
	       "(at most %d s)",
	       sig, sessions_active(), STOP_SECONDS);
	metrics_unlisten();
	if (!sockpath) {
		smfi_stop();
		milter_stop_listeners();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct ut_file_id now;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 +
		     (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= STOP_SECONDS * 1000)
			break;
		/*
		 * A unix socket is served until a successor's takes its
		 * name, or GRACE_MS: the MTA never finds it dead meanwhile
		 */
		if (sockpath && ms < GRACE_MS &&
		    ut_sock_id(sockpath, &now) == 0 && now.dev == sockid.dev &&
		    now.ino == sockid.ino) {
			usleep(20 * 1000);
			continue;
		}
		if (sessions_busy(IDLE_MS) == 0)
			break;
		usleep(50 * 1000);
	}
	commit_stop();
	if (sockpath && ut_sock_remove(r->conf->pid_file, sockpath, &sockid))
		ut_log(LOG_INFO, "removed %s", sockpath);
	conf_release(r);
	ut_log(LOG_NOTICE, "stopped after %.1f s, %u transactions left open",
	       (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       sessions_active());
	_exit(0);
}
