/*
 * NAME
 *	pidfile - a pid file the daemon owns by a lock, and the sockets
 *	it may remove
 * DESCRIPTION
 *	The pid file is locked (flock, which daemon(3)'s fork keeps) for
 *	as long as the daemon serves, so a second one with the same
 *	configuration refuses to start instead of taking the first one's
 *	socket. A daemon that is told to stop hands over at once: it
 *	removes the pid file while it still holds the lock on it, so a
 *	successor may start and lock a new one while the old one
 *	finishes. Whoever locks checks that the path still names the file
 *	it locked (it may have been removed in between).
 *
 *	A socket is removed at exit only when no successor holds the pid
 *	file and the path still names the socket this process bound
 *	(device and inode).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

/* holder - the pid written in the file fd, or 0 */
static long
holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* ut_pid_lock - open and lock the pid file; see util.h */
int
ut_pid_lock(const char *path, unsigned wait_ms, long *holder_r)
{
	struct timespec pause = {0, 50 * 1000 * 1000};
	struct stat fs, ps;
	unsigned waited = 0;
	int fd, saved;

	if (holder_r)
		*holder_r = 0;
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			/* still the file at path, or removed meanwhile? */
			if (fstat(fd, &fs) == 0 && stat(path, &ps) == 0 &&
			    fs.st_dev == ps.st_dev && fs.st_ino == ps.st_ino)
				return fd;
			close(fd);
			continue;
		}
		saved = errno;
		if (saved != EWOULDBLOCK || waited >= wait_ms) {
			if (holder_r && saved == EWOULDBLOCK)
				*holder_r = holder(fd);
			close(fd);
			errno = saved;
			return -1;
		}
		close(fd);
		nanosleep(&pause, NULL);
		waited += 50;
	}
}

/* ut_pid_write - our pid into the locked pid file; see util.h */
int
ut_pid_write(int fd, const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		ut_log(LOG_ERR, "pid file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ut_pid_release - remove the pid file if still ours, unlock; util.h */
void
ut_pid_release(int *fd, const char *path)
{
	struct stat fs, ps;

	if (*fd < 0)
		return;
	if (fstat(*fd, &fs) == 0 && stat(path, &ps) == 0 &&
	    fs.st_dev == ps.st_dev && fs.st_ino == ps.st_ino)
		unlink(path);
	close(*fd);
	*fd = -1;
}

/* ut_sock_id - the device and inode path names now; 0 or -1 */
int
ut_sock_id(const char *path, struct ut_file_id *id_r)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	id_r->dev = st.st_dev;
	id_r->ino = st.st_ino;
	return 0;
}

/* ut_sock_remove - remove our socket at exit; see util.h */
bool
ut_sock_remove(const char *pid_file, const char *path,
	       const struct ut_file_id *id)
{
	struct ut_file_id now;
	bool removed = false;
	int fd = ut_pid_lock(pid_file, 0, NULL);

	if (fd < 0)
		return false; /* a successor runs: what is there is its */
	if (ut_sock_id(path, &now) == 0 && now.dev == id->dev &&
	    now.ino == id->ino)
		removed = unlink(path) == 0;
	ut_pid_release(&fd, pid_file);
	return removed;
}
