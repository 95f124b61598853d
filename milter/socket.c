/*
 * NAME
 *	socket - TCP_NODELAY on the milter's inet socket
 * DESCRIPTION
 *	libmilter writes each end-of-message modification (smfi_delrcpt,
 *	smfi_addheader) as a small write of its own; over TCP, Nagle's
 *	algorithm and the MTA's delayed ACK then stall every such message
 *	about 40 ms. libmilter has no option for TCP_NODELAY and keeps its
 *	listening socket to itself, so it is found among the process's
 *	descriptors; Linux copies the option to accepted sockets.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "milter/milter_int.h"

/* milter_nodelay_listeners - TCP_NODELAY on our listening TCP sockets */
int
milter_nodelay_listeners(void)
{
	int fd, one = 1, listening, type, n = 0;
	socklen_t len;
	struct sockaddr_storage ss;

	for (fd = 0; fd < 1024; fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
			       &len) != 0 ||
		    !listening)
			continue;
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
		    type != SOCK_STREAM)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof(one)) == 0)
			n++;
	}
	return n;
}
