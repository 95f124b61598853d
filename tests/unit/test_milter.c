/*
 * NAME
 *	test_milter - what the milter daemon sets up apart from libmilter:
 *	TCP_NODELAY on its listening sockets
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "milter/milter_int.h"

static void
nodelay(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int l, cl, ac, on = -1, n;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);

	/* without it, an accepted socket has Nagle on */
	cl = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(cl, (struct sockaddr *)&a, sizeof(a)), 0);
	ac = accept(l, NULL, NULL);
	len = sizeof(on);
	assert_int_equal(getsockopt(ac, IPPROTO_TCP, TCP_NODELAY, &on, &len),
			 0);
	assert_int_equal(on, 0);
	close(ac);
	close(cl);

	n = milter_nodelay_listeners();
	assert_true(n >= 1);
	cl = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(cl, (struct sockaddr *)&a, sizeof(a)), 0);
	ac = accept(l, NULL, NULL);
	len = sizeof(on);
	assert_int_equal(getsockopt(ac, IPPROTO_TCP, TCP_NODELAY, &on, &len),
			 0);
	assert_int_not_equal(on, 0);
	close(ac);
	close(cl);
	close(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nodelay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
