/*
 * NAME
 *	wake - tell smsgw there is work
 * DESCRIPTION
 *	After a commit that queued texts, one datagram to smsgw's wake
 *	socket (WakeSocket) makes it claim them at once instead of at its
 *	next poll. Nothing waits for it: a lost wake-up only delays.
 */
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "milter/milter_int.h"

/* wake_gateway - one datagram to path; errors ignored */
void
wake_gateway(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path))
		return;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, "w", 1, 0, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
}
