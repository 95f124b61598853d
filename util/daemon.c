/*
 * NAME
 *	daemon - what smsmilter and smsgw share as daemons: the log, the
 *	privilege drop, the pid file
 * DESCRIPTION
 *	The log goes to syslog and, in the foreground, to standard error
 *	with a UTC time stamp in milliseconds (tests and people read it).
 *	Only daemons call these; libraries never log.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdatomic.h>
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

#include "util/util.h"

static const char *log_ident = "smsmilter";
static int log_max = LOG_INFO;
static bool log_stderr;

/* ut_log_open - open syslog as ident; copy to stderr when asked */
void
ut_log_open(const char *ident, const char *facility, int max_level,
	    bool to_stderr)
{
	static const struct {
		const char *name;
		int fac;
	} f[] = {{"mail", LOG_MAIL},	 {"daemon", LOG_DAEMON},
		 {"user", LOG_USER},	 {"local0", LOG_LOCAL0},
		 {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
		 {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
		 {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
		 {"local7", LOG_LOCAL7}};
	int fac = LOG_MAIL;
	size_t i;

	for (i = 0; facility && i < sizeof(f) / sizeof(f[0]); i++)
		if (strcasecmp(facility, f[i].name) == 0)
			fac = f[i].fac;
	log_ident = ident;
	log_max = max_level;
	log_stderr = to_stderr;
	openlog(ident, LOG_PID | LOG_NDELAY, fac);
}

/* ut_log_level - the least severe level logged from now on */
void
ut_log_level(int max_level)
{
	log_max = max_level;
}

/* is_date - s starts with YYYY-MM-DD (a date, not a phone) */
static bool
is_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9')
				    : s[i] != shape[i])
			return false;
	return true;
}

/*
 * ut_log_mask - numbers whole at debug, else masked: a number is a run
 * of digits, with the spaces, dashes, dots and brackets people write
 * between them ("+1 202-555-0143", "202.555.0143"); one of 7 digits
 * or more keeps its first digit and its last two
 */
const char *
ut_log_mask(const char *s, char *out, size_t size)
{
	size_t i = 0, j, last, k, digits, seen;

	if (out != s) /* in place is fine */
		snprintf(out, size, "%s", s ? s : "");
	if (log_max >= LOG_DEBUG)
		return out;
	while (out[i]) {
		if (!(out[i] >= '0' && out[i] <= '9')) {
			i++;
			continue;
		}
		if (is_date(out + i)) {
			i += 10;
			continue;
		}
		digits = 0;
		last = i;
		for (j = i; out[j] && strchr("0123456789 -.()", out[j]); j++)
			if (out[j] >= '0' && out[j] <= '9') {
				digits++;
				last = j;
			}
		if (digits >= 7)
			for (k = i, seen = 0; k <= last; k++)
				if (out[k] >= '0' && out[k] <= '9' &&
				    seen++ > 0 && seen + 2 <= digits)
					out[k] = '*';
		i = last + 1;
	}
	return out;
}

/* ut_log_lines - a log line a line */
void
ut_log_lines(int level, const char *text)
{
	size_t n;

	while (text && *text) {
		n = strcspn(text, "\n");
		if (n > 0)
			ut_log(level, "%.*s", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

/* ut_log - one line to syslog, and to stderr in the foreground */
void
ut_log(int level, const char *fmt, ...)
{
	va_list ap;
	char line[2048], *p;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one event, one line: what came from outside cannot add any */
	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	syslog(level, "%s", line);
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%ld]: %s\n", stamp,
			ts.tv_nsec / 1000000, log_ident, (long)getpid(), line);
	}
}

/* split - "user:group" into its parts */
static void
split(const char *spec, char *user, size_t size, const char **group)
{
	char *colon;

	snprintf(user, size, "%s", spec);
	colon = strchr(user, ':');
	*group = NULL;
	if (colon) {
		*colon = '\0';
		*group = colon + 1;
	}
}

/* ut_owner - the uid and gid of "user[:group]"; 0, or -1 (logged) */
int
ut_owner(const char *spec, uid_t *uid, gid_t *gid)
{
	char user[64];
	const char *group;
	struct passwd *pw;
	struct group *gr;

	split(spec, user, sizeof(user), &group);
	if (!(pw = getpwnam(user))) {
		ut_log(LOG_ERR, "UserID %s: no such user", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group) {
		if (!(gr = getgrnam(group))) {
			ut_log(LOG_ERR, "UserID %s: no such group", group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/*
 * ut_give - a socket or file for "user[:group]" (when root) with mode:
 * made before the privilege drop, used by the daemon and its peers
 */
void
ut_give(const char *path, const char *spec, mode_t mode)
{
	uid_t uid;
	gid_t gid;

	if (geteuid() == 0 && ut_owner(spec, &uid, &gid) == 0 &&
	    chown(path, uid, gid) != 0)
		ut_log(LOG_WARNING, "chown %s: %s", path, strerror(errno));
	if (chmod(path, mode) != 0)
		ut_log(LOG_WARNING, "chmod %s: %s", path, strerror(errno));
}

/* ut_become - drop to "user[:group]" when root; 0, or -1 (logged) */
int
ut_become(const char *spec)
{
	char user[64];
	const char *group;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return 0;
	if (ut_owner(spec, &uid, &gid) != 0)
		return -1;
	split(spec, user, sizeof(user), &group);
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 ||
	    initgroups(user, gid) != 0 || setuid(uid) != 0) {
		ut_log(LOG_ERR, "cannot become %s: %s", spec, strerror(errno));
		return -1;
	}
	if (uid == 0)
		ut_log(LOG_WARNING,
		       "UserID %s is root: running with every privilege", spec);
	else if (setuid(0) == 0) {
		ut_log(LOG_ERR, "could become root again after dropping to %s",
		       spec);
		return -1;
	}
	return 0;
}

/*
 * ut_wake - one datagram to the unix socket at path; errors ignored.
 * One unbound socket serves every call of the process (sendto on it
 * is safe from any thread): a busy sender makes no socket per text.
 */
void
ut_wake(const char *path)
{
	static _Atomic int shared = -1;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = shared;

	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path))
		return;
	strcpy(sun.sun_path, path);
	if (fd < 0) {
		int none = -1;

		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    0);
		if (fd < 0)
			return;
		if (!atomic_compare_exchange_strong(&shared, &none, fd)) {
			close(fd); /* another thread made one first */
			fd = none;
		}
	}
	(void)sendto(fd, "w", 1, 0, (struct sockaddr *)&sun, sizeof(sun));
}

/* ut_abs_path - path against the working directory, for later reads */
const char *
ut_abs_path(const char *path, char *buf, size_t size)
{
	char cwd[4000];

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)) ||
	    (size_t)snprintf(buf, size, "%s/%s", cwd, path) >= size)
		return path;
	return buf;
}
