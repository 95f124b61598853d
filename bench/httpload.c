/*
 * NAME
 *	httpload - the same HTTP load for smsgw's send API and Kannel's
 *	sendsms: N texts over C keep-alive connections
 * SYNOPSIS
 *	httpload api PORT CONNS COUNT TOKEN
 *	httpload kannel PORT CONNS COUNT USER PASS
 * DESCRIPTION
 *	Sends COUNT requests to 127.0.0.1:PORT, over CONNS connections
 *	kept alive (HTTP/1.1), one thread each, every request as soon as
 *	the answer to the one before it on its connection is in. Request
 *	K (from 0) texts "bench api text K" to +1 202 600 0000 + K: a
 *	different text to a different phone each:
 *
 *	api	POST /v1/messages, Authorization: Bearer TOKEN, JSON
 *		{"To":..,"Text":..}; the answer expected is 201
 *	kannel	GET /cgi-bin/sendsms?username=USER&password=PASS&from=..
 *		&to=..&text=..&dlr-mask=3&dlr-url=.. (a receipt asked for,
 *		as smsgw asks for every text); the answer expected is 202
 *
 *	A connection the server closes (Connection: close, or end of file
 *	after an answer) is opened again before the next request.
 * DIAGNOSTICS
 *	Prints "httpload: COUNT answers in SECONDS s: RATE req/s" and one
 *	line "httpload: status S: N" per status seen (0: no answer: the
 *	connection failed or closed first). Exits 1 when any answer is not
 *	the expected status (the first such answer's body on stderr), 2 on
 *	bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS  256
#define RESP_MAX   (64 * 1024)
#define STATUS_MAX 600

static enum { API, KANNEL } mode;
static unsigned port, count;
static const char *token, *user, *pass;
static unsigned expected;
static atomic_uint next_k;
static atomic_uint by_status[STATUS_MAX];
static atomic_flag told = ATOMIC_FLAG_INIT;

/* connect_to - a new connection to 127.0.0.1:port, or -1 */
static int
connect_to(void)
{
	struct sockaddr_in sa = {0};
	struct timeval tv = {30, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* request - request k into buf; its length */
static int
request(unsigned k, char *buf, size_t size)
{
	char body[256];
	int n;

	if (mode == API) {
		n = snprintf(body, sizeof(body),
			     "{\"To\":\"+1202%07u\",\"Text\":\"bench api "
			     "text %u\"}",
			     6000000 + k, k);
		return snprintf(buf, size,
				"POST /v1/messages HTTP/1.1\r\n"
				"Host: 127.0.0.1:%u\r\n"
				"Authorization: Bearer %s\r\n"
				"Content-Type: application/json\r\n"
				"Content-Length: %d\r\n\r\n%s",
				port, token, n, body);
	}
	return snprintf(
	    buf, size,
	    "GET /cgi-bin/sendsms?username=%s&password=%s"
	    "&from=12025550100&to=1202%07u"
	    "&text=bench+api+text+%u&dlr-mask=3"
	    "&dlr-url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fdlr%%3Fid%%3D%u"
	    " HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%u\r\n\r\n",
	    user, pass, 6000000 + k, k, k, port);
}

/* send_all - write all of buf; false on error */
static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		buf += w;
		len -= (size_t)w;
	}
	return 1;
}

/*
 * answer - read one answer on fd: its status (0 when none came), its
 * body into body (at most size - 1 bytes kept); *closing when the
 * server will close the connection after it
 */
static unsigned
answer(int fd, char *body, size_t size, int *closing)
{
	static _Thread_local char buf[RESP_MAX + 1];
	size_t have = 0, head, want;
	long clen = -1;
	unsigned status = 0;
	char *end, *p;

	*closing = 1;
	body[0] = '\0';
	for (;;) { /* the status line and headers */
		ssize_t r = recv(fd, buf + have, RESP_MAX - have, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		have += (size_t)r;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
		if (have == RESP_MAX)
			return 0;
	}
	head = (size_t)(end - buf) + 4;
	if (sscanf(buf, "HTTP/1.%*d %u", &status) != 1)
		return 0;
	*closing = strncmp(buf, "HTTP/1.1", 8) != 0;
	for (p = strstr(buf, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
		const char *h = p + 2;

		if (!strncasecmp(h, "Content-Length:", 15))
			clen = strtol(h + 15, NULL, 10);
		else if (!strncasecmp(h, "Connection:", 11)) {
			const char *v = h + 11;

			while (*v == ' ')
				v++;
			if (!strncasecmp(v, "close", 5))
				*closing = 1;
			else if (!strncasecmp(v, "keep-alive", 10))
				*closing = 0;
		} else if (!strncasecmp(h, "Transfer-Encoding:", 18)) {
			fprintf(stderr, "httpload: chunked answers are not "
					"read here\n");
			return 0;
		}
	}
	if (clen < 0) /* the body ends with the connection */
		*closing = 1;
	want = clen < 0 ? RESP_MAX : head + (size_t)clen;
	if (want > RESP_MAX)
		return 0;
	while (have < want) {
		ssize_t r = recv(fd, buf + have, want - have, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return 0;
		if (r == 0) {
			if (clen >= 0)
				return 0; /* cut short */
			break;
		}
		have += (size_t)r;
	}
	buf[have] = '\0';
	snprintf(body, size, "%s", buf + head);
	return status;
}

/* worker - one connection's requests, until all COUNT are taken */
static void *
worker(void *arg)
{
	char req[1024], body[512];
	int fd = -1, closing;
	unsigned k;

	(void)arg;
	while ((k = atomic_fetch_add(&next_k, 1)) < count) {
		int len = request(k, req, sizeof(req));
		unsigned st;

		if (fd < 0 && (fd = connect_to()) < 0) {
			perror("httpload: connect");
			atomic_fetch_add(&by_status[0], 1);
			continue;
		}
		if (!send_all(fd, req, (size_t)len))
			st = 0;
		else
			st = answer(fd, body, sizeof(body), &closing);
		if (st >= STATUS_MAX)
			st = 0;
		atomic_fetch_add(&by_status[st], 1);
		if (st != expected && !atomic_flag_test_and_set(&told))
			fprintf(stderr,
				"httpload: request %u: status %u (%s), "
				"not %u: %s\n",
				k, st, st ? "answered" : "no answer", expected,
				body);
		if (st == 0 || closing) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t th[MAX_CONNS];
	struct timespec t0, t1;
	unsigned conns, i, bad = 0;
	double secs;

	if (argc == 6 && !strcmp(argv[1], "api")) {
		mode = API;
		token = argv[5];
		expected = 201;
	} else if (argc == 7 && !strcmp(argv[1], "kannel")) {
		mode = KANNEL;
		user = argv[5];
		pass = argv[6];
		expected = 202;
	} else {
		fprintf(stderr,
			"usage: httpload api PORT CONNS COUNT TOKEN\n"
			"       httpload kannel PORT CONNS COUNT USER PASS\n");
		return 2;
	}
	port = (unsigned)atoi(argv[2]);
	conns = (unsigned)atoi(argv[3]);
	count = (unsigned)atoi(argv[4]);
	if (port == 0 || port > 65535 || conns == 0 || conns > MAX_CONNS ||
	    count == 0 || count > 80000) {
		fprintf(stderr,
			"httpload: PORT, CONNS (1-%d) and COUNT "
			"(1-80000) out of range\n",
			MAX_CONNS);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < conns; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "httpload: cannot start a thread\n");
			return 1;
		}
	for (i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("httpload: %u answers in %.3f s: %.0f req/s\n", count, secs,
	       by_status[expected] / secs);
	for (i = 0; i < STATUS_MAX; i++)
		if (by_status[i]) {
			printf("httpload: status %u: %u\n", i, by_status[i]);
			if (i != expected)
				bad += by_status[i];
		}
	if (bad)
		fprintf(stderr, "httpload: %u of %u answers were not %u\n", bad,
			count, expected);
	return bad ? 1 : 0;
}
