/*
 * NAME
 *	socket - the milter's inet socket: TCP_NODELAY, and shut at a stop
 * DESCRIPTION
 *	libmilter writes each end-of-message modification (smfi_delrcpt,
 *	smfi_addheader) as a small write of its own; over TCP, Nagle's
 *	algorithm and the MTA's delayed ACK then stall every such message
 *	about 40 ms. libmilter has no option for TCP_NODELAY and keeps its
 *	listening socket to itself, so it is found among the process's
 *	descriptors; Linux copies the option to accepted sockets. At a
 *	stop the same search shuts the listener down, so that a successor
 *	can bind the address while this process finishes.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "milter/milter_int.h"

/* tcp_listener - whether fd is a listening TCP socket */
static bool
tcp_listener(int fd)
{
	int listening, type;
	socklen_t len;
	struct sockaddr_storage ss;

	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
	    !listening)
		return false;
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    type != SOCK_STREAM)
		return false;
	len = sizeof(ss);
	return getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	       (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
}

/*
 * milter_stop_listeners - shut our listening TCP sockets down: the
 * address is free for a successor at once, and libmilter's listener,
 * told to stop by smfi_stop(), finds accept() failing and leaves
 */
int
milter_stop_listeners(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (tcp_listener(fd) && shutdown(fd, SHUT_RDWR) == 0)
			n++;
	return n;
}

/* milter_nodelay_listeners - TCP_NODELAY on our listening TCP sockets */
int
milter_nodelay_listeners(void)
{
	int fd, one = 1, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		if (!tcp_listener(fd))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof(one)) == 0)
			n++;
	}
	return n;
}
