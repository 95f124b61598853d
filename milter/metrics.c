/*
 * NAME
 *	metrics - smsmilter's own /metrics: refusals, commits, store errors
 * DESCRIPTION
 *	When MilterMetricsListen is set, one thread answers GET /metrics
 *	there in Prometheus' text format: refusals by SMTP code and
 *	enhanced status (smsmilter_refusals_total), the time each group
 *	commit of the queue took (smsmilter_commit_seconds, a histogram),
 *	the store failures, each a 451 4.3.0 (smsmilter_store_errors_total), and
 *	the version (smsmilter_build_info). It serves one connection at a
 *	time, reads at most a 4 KiB request head and answers within 2
 *	seconds of the accept, however slowly the client sends, and
 *	closes: a scraper's load, not the Internet's (bind it to
 *	loopback; it asks no password). A failed accept() (out of
 *	descriptors, a connection aborted) is logged and the thread goes
 *	on.
 *
 *	The listening socket is made before the privilege drop and the
 *	move to the background (metrics_listen), the thread after them
 *	(metrics_start). An address in use is waited for up to 5 seconds
 *	(a predecessor stopping: metrics_unlisten closes it at once).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "milter/milter_int.h"

#define MAX_KINDS	64 /* distinct code and status pairs counted */
#define TAKEOVER_MS	5000
#define REQUEST_MS	2000 /* a whole request, from accept to close */
#define ACCEPT_PAUSE_MS 100  /* after a failed accept(): EMFILE... */

static const double bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
				0.25,  0.5,   1,    2.5,   5};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char code[4], xcode[8];
	unsigned long long n;
} kinds[MAX_KINDS];
static unsigned nkinds;
static unsigned long long commit_le[NBOUNDS], commit_count, store_errors;
static double commit_sum;
static int lfd = -1;
static atomic_int stopping; /* metrics_unlisten was called */
static pthread_t thread;

/* metrics_refusal - one refusal with this code and status */
void
metrics_refusal(const char *code, const char *xcode)
{
	unsigned i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < nkinds; i++)
		if (!strcmp(kinds[i].code, code) &&
		    !strcmp(kinds[i].xcode, xcode))
			break;
	if (i == nkinds && nkinds < MAX_KINDS) {
		snprintf(kinds[i].code, sizeof(kinds[i].code), "%s", code);
		snprintf(kinds[i].xcode, sizeof(kinds[i].xcode), "%s", xcode);
		nkinds++;
	}
	if (i < nkinds)
		kinds[i].n++;
	pthread_mutex_unlock(&mu);
}

/* metrics_commit - one group commit that took seconds */
void
metrics_commit(double seconds)
{
	size_t i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < NBOUNDS; i++)
		if (seconds <= bounds[i])
			commit_le[i]++;
	commit_count++;
	commit_sum += seconds;
	pthread_mutex_unlock(&mu);
}

/* metrics_store_error - one store failure that tempfailed mail */
void
metrics_store_error(void)
{
	pthread_mutex_lock(&mu);
	store_errors++;
	pthread_mutex_unlock(&mu);
}

/* render - the page into buf; its length */
static size_t
render(char *buf, size_t size)
{
	size_t n = 0, i;

#define ADD(...)                                                               \
	do {                                                                   \
		int w_ = snprintf(buf + n, size - n, __VA_ARGS__);             \
		if (w_ > 0)                                                    \
			n = n + (size_t)w_ < size ? n + (size_t)w_ : size - 1; \
	} while (0)
	pthread_mutex_lock(&mu);
	ADD("# HELP smsmilter_build_info smsmilter's version.\n"
	    "# TYPE smsmilter_build_info gauge\n"
	    "smsmilter_build_info{version=\"%s\"} 1\n",
	    ut_version());
	ADD("# HELP smsmilter_refusals_total Recipients and mails refused, by "
	    "SMTP code and enhanced status.\n"
	    "# TYPE smsmilter_refusals_total counter\n");
	for (i = 0; i < nkinds; i++)
		ADD("smsmilter_refusals_total{code=\"%s\",status=\"%s\"} "
		    "%llu\n",
		    kinds[i].code, kinds[i].xcode, kinds[i].n);
	ADD("# HELP smsmilter_commit_seconds Time of each group commit of "
	    "texts to the store.\n"
	    "# TYPE smsmilter_commit_seconds histogram\n");
	for (i = 0; i < NBOUNDS; i++)
		ADD("smsmilter_commit_seconds_bucket{le=\"%g\"} %llu\n",
		    bounds[i], commit_le[i]);
	ADD("smsmilter_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "smsmilter_commit_seconds_sum %.6f\n"
	    "smsmilter_commit_seconds_count %llu\n",
	    commit_count, commit_sum, commit_count);
	ADD("# HELP smsmilter_store_errors_total Store failures, each "
	    "tempfailing a recipient or a mail (451 4.3.0).\n"
	    "# TYPE smsmilter_store_errors_total counter\n"
	    "smsmilter_store_errors_total %llu\n",
	    store_errors);
	pthread_mutex_unlock(&mu);
#undef ADD
	return n;
}

/*
 * wait_for - poll fd for events until the deadline (ut_now_ms); false
 * when the deadline came first or the connection failed
 */
static bool
wait_for(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t left;
	int rc;

	while ((left = deadline - ut_now_ms()) > 0) {
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return true;
		if (rc < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/* send_all - write len bytes of buf to fd by the deadline; false: not */
static bool
send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	ssize_t w;

	while (len > 0) {
		if (!wait_for(fd, POLLOUT, deadline))
			return false;
		w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w < 0 && errno != EINTR && errno != EAGAIN)
			return false;
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
		}
	}
	return true;
}

/*
 * answer - one connection: read the request head, answer, close; the
 * whole of it within REQUEST_MS, however the client sends its bytes (a
 * byte a second would keep a per-read timeout waiting for ever, and
 * this thread is the only one)
 */
static void
answer(int fd)
{
	static char page[16384];
	char req[4096], head[256];
	int64_t deadline = ut_now_ms() + REQUEST_MS;
	size_t got = 0, len;
	ssize_t r;
	int code = 404, fl;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return;
	}
	while (got < sizeof(req) - 1) {
		if (!wait_for(fd, POLLIN, deadline)) {
			close(fd); /* too slow, or gone: no answer */
			return;
		}
		r = read(fd, req + got, sizeof(req) - 1 - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[got] = '\0';
	if (!strncmp(req, "GET /metrics ", 13) ||
	    !strncmp(req, "GET /metrics?", 13)) {
		code = 200;
		len = render(page, sizeof(page));
	} else {
		len = (size_t)snprintf(page, sizeof(page),
				       "only /metrics here\n");
	}
	snprintf(head, sizeof(head),
		 "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: "
		 "%zu\r\nConnection: close\r\n\r\n",
		 code, code == 200 ? "OK" : "Not Found",
		 code == 200 ? "text/plain; version=0.0.4" : "text/plain", len);
	if (send_all(fd, head, strlen(head), deadline))
		send_all(fd, page, len, deadline);
	close(fd);
}

/*
 * serve - the thread: one connection after another until unlisten. A
 * failed accept() ends nothing: out of descriptors (EMFILE, ENFILE)
 * or memory, it pauses ACCEPT_PAUSE_MS and tries again (the client
 * waits in the backlog); the first failure of a run is logged, and
 * the end of the run
 */
static void *
serve(void *arg)
{
	unsigned failed = 0;
	int fd, e;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0) {
			if (failed)
				ut_log(LOG_NOTICE,
				       "metrics: accepting again, after %u "
				       "failed accept()s",
				       failed);
			failed = 0;
			answer(fd);
			continue;
		}
		e = errno;
		if (atomic_load(&stopping))
			break; /* shut down by metrics_unlisten */
		if (e == EINTR)
			continue;
		if (failed++ == 0)
			ut_log(LOG_WARNING,
			       "metrics: accept: %s; /metrics goes on",
			       strerror(e));
		if (e != ECONNABORTED && e != EPROTO)
			ut_sleep_ms(ACCEPT_PAUSE_MS);
	}
	return arg;
}

/* metrics_listen - bind hp (waiting for a predecessor); 0, or -1 logged */
int
metrics_listen(const struct conf_hostport *hp)
{
	struct sockaddr_in6 s6 = {0};
	struct sockaddr_in s4 = {0};
	struct sockaddr *sa;
	socklen_t salen;
	unsigned waited = 0;
	int one = 1, saved;

	if (inet_pton(AF_INET, hp->host, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		s4.sin_port = htons((uint16_t)hp->port);
		sa = (struct sockaddr *)&s4;
		salen = sizeof(s4);
	} else if (inet_pton(AF_INET6, hp->host, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((uint16_t)hp->port);
		sa = (struct sockaddr *)&s6;
		salen = sizeof(s6);
	} else {
		ut_log(LOG_ERR, "MilterMetricsListen %s: not an IP address",
		       hp->host);
		return -1;
	}
	for (;;) {
		lfd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd < 0)
			break;
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd, sa, salen) == 0 && listen(lfd, 16) == 0)
			return 0;
		saved = errno;
		close(lfd);
		lfd = -1;
		errno = saved;
		if (saved != EADDRINUSE || waited >= TAKEOVER_MS)
			break;
		usleep(100 * 1000);
		waited += 100;
	}
	ut_log(LOG_ERR, "MilterMetricsListen %s:%u: cannot listen: %s",
	       hp->host, hp->port, strerror(errno));
	return -1;
}

/* metrics_start - the thread serving what metrics_listen bound */
int
metrics_start(void)
{
	if (lfd < 0)
		return 0;
	if (pthread_create(&thread, NULL, serve, NULL) != 0) {
		ut_log(LOG_ERR, "metrics: cannot start a thread");
		return -1;
	}
	return 0;
}

/* metrics_unlisten - stop serving, free the address for a successor */
void
metrics_unlisten(void)
{
	atomic_store(&stopping, 1);
	if (lfd >= 0)
		shutdown(lfd,
			 SHUT_RDWR); /* accept() returns; the thread ends */
}
