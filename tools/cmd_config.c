/*
 * NAME
 *	cmd_config - smsctl config: check, sample, man-keys
 * SYNOPSIS
 *	smsctl [-c FILE] config check [FILE]
 *	smsctl config sample
 *	smsctl config man-keys
 * DESCRIPTION
 *	check reads the configuration (FILE, else -c FILE, else the
 *	default path), reports every problem and exits 1, or prints the
 *	effective configuration with secrets masked, and on stderr what
 *	works but deserves a look (such as SmtpTls required, which does
 *	not verify the relay). Then what the file alone cannot say, on
 *	this host: that UserID exists, that the directories of Socket,
 *	WakeSocket, PidFile and GatewayPidFile exist (but /run/smsmilter,
 *	which systemd makes at each start and INSTALL without systemd),
 *	and, run as root, that the daemons can read the configuration
 *	again once they are UserID (a child process becomes it and loads
 *	the file and its secret files, as a reload does). sample prints the
 *	sample smsmilter.conf and man-keys the KEYS section of
 *	smsmilter.conf(5), both from the key table.
 */
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
#include "store/store.h"
#include "tools/smsctl_int.h"
#include "util/util.h"

/* the directory systemd makes at each start (RuntimeDirectory) */
#define RUN_DIR "/run/smsmilter"

/* problem - "FILE[:LINE]: KEY: message" on stderr, counted in *n */
static void problem(const struct conf *c, unsigned *n, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
problem(const struct conf *c, unsigned *n, const char *key, const char *fmt,
	...)
{
	unsigned line = conf_key_line(c, key);
	va_list ap;

	fprintf(stderr, "%s", c->path);
	if (line)
		fprintf(stderr, ":%u", line);
	fprintf(stderr, ": %s: ", key);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	(*n)++;
}

/*
 * user_of - UserID's uid and gid (its group, else the user's); false
 * when either does not exist (reported)
 */
static bool
user_of(const struct conf *c, char *name, size_t size, uid_t *uid, gid_t *gid,
	unsigned *errors)
{
	const char *dflt = conf_key_line(c, "UserID") ? "" : " (the default)";
	struct passwd *pw;
	struct group *gr;
	char *colon;

	snprintf(name, size, "%s", c->user);
	colon = strchr(name, ':');
	if (colon)
		*colon++ = '\0';
	if (!(pw = getpwnam(name))) {
		problem(c, errors, "UserID",
			"%s%s: no such user (the daemons become it "
			"once their sockets are open)",
			name, dflt);
		return false;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon) {
		if (!(gr = getgrnam(colon))) {
			problem(c, errors, "UserID", "%s%s: no such group",
				colon, dflt);
			return false;
		}
		*gid = gr->gr_gid;
	}
	return true;
}

/* check_dir - the directory of path (a key's) exists */
static void
check_dir(const struct conf *c, const char *key, const char *path,
	  unsigned *errors)
{
	char dir[4096], *slash;
	struct stat st;

	if (!path || path[0] != '/')
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		return;
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			problem(c, errors, key, "%s is not a directory", dir);
		return;
	}
	if (strcmp(dir, RUN_DIR) == 0)
		return; /* systemd makes it at start; INSTALL 6 without */
	problem(c, errors, key,
		"the directory %s does not exist (INSTALL: make "
		"it with install -d, owned by UserID)",
		dir);
}

/*
 * check_reload - load the configuration again as uid (a child that
 * becomes UserID), as a daemon's reload does; false (reported) when
 * that fails
 */
static bool
check_reload(const struct conf *c, const char *user, uid_t uid, gid_t gid)
{
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0 || (pid = fork()) < 0)
		return true; /* cannot tell */
	if (pid == 0) {
		struct conf *again;
		char *errors = NULL;

		close(fds[0]);
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 ||
		    initgroups(user, gid) != 0 || setuid(uid) != 0)
			_exit(2);
		again = conf_load(c->path, &errors);
		if (!again && errors)
			(void)!write(fds[1], errors, strlen(errors));
		_exit(again ? 0 : 1);
	}
	close(fds[1]);
	while (got < sizeof(buf) - 1 &&
	       (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 2)
		return true;
	fprintf(stderr,
		"%s: a reload (SIGHUP) would fail: the daemons read it again "
		"as UserID %s, who gets:\n",
		c->path, c->user);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "    %s\n", line);
	fprintf(stderr,
		"%s: make it and each secret file readable by %s (INSTALL: "
		"the configuration root:GROUP 640, its directory 750, each "
		"secret file %s's, 600)\n",
		c->path, c->user, user);
	return false;
}

/*
 * check_database - a PostgreSQL Database answers, at a schema version
 * this smsmilter knows, and keeps no password in the file
 */
static void
check_database(const struct conf *c, unsigned *errors)
{
	const char *at = strchr(c->database, '@');
	const char *user = strstr(c->database, "://");
	struct store_error err;
	unsigned warnings = 0;
	int version;

	if (!ut_pg_uri(c->database))
		return;
	if (strstr(c->database, "password=") ||
	    (at && user && memchr(user, ':', (size_t)(at - user))))
		problem(c, &warnings, "Database",
			"warning: the URI holds a password, in a file others "
			"may read: name a passfile instead (?passfile=/etc/"
			"smsmilter/pgpass, mode 0600, owned by UserID)");
	if (store_ping(c->database, &version, &err) != STORE_OK)
		problem(c, errors, "Database", "%s", err.msg);
	else if (version > STORE_SCHEMA_VERSION)
		problem(c, errors, "Database",
			"the server's schema is version %d; this smsmilter "
			"knows up to %d: upgrade smsmilter",
			version, STORE_SCHEMA_VERSION);
}

/* check_host - what the file cannot say alone; 0 or 1 (reported) */
static int
check_host(const struct conf *c)
{
	unsigned errors = 0;
	char user[128];
	uid_t uid;
	gid_t gid;
	bool known;

	known = user_of(c, user, sizeof(user), &uid, &gid, &errors);
	if (strncmp(c->socket, "unix:", 5) == 0 ||
	    strncmp(c->socket, "local:", 6) == 0)
		check_dir(c, "Socket", strchr(c->socket, ':') + 1, &errors);
	else if (c->socket[0] == '/')
		check_dir(c, "Socket", c->socket, &errors);
	check_dir(c, "WakeSocket", c->wake_socket, &errors);
	check_dir(c, "PidFile", c->pid_file, &errors);
	check_dir(c, "GatewayPidFile", c->gateway_pid_file, &errors);
	check_database(c, &errors);
	if (known && geteuid() == 0 && uid != 0 &&
	    !check_reload(c, user, uid, gid))
		errors++;
	return errors ? 1 : 0;
}

/* cmd_config - smsctl config */
int
cmd_config(const struct smsctl *ctl, int argc, char **argv)
{
	const char *path = ctl->config;
	struct conf *c;
	char *errors;

	if (argc >= 2 && strcmp(argv[1], "sample") == 0 && argc == 2) {
		conf_write_sample(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc >= 2 && strcmp(argv[1], "man-keys") == 0 && argc == 2) {
		conf_write_man_keys(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0 || argc > 3) {
		fprintf(stderr, "usage: smsctl [-c FILE] config check [FILE]\n"
				"       smsctl config sample\n");
		return EXIT_USAGE;
	}
	if (argc == 3)
		path = argv[2];
	c = conf_load(path, &errors);
	if (!c) {
		fputs(errors, stderr);
		free(errors);
		return 1;
	}
	if (c->warnings)
		fputs(c->warnings, stderr);
	if (check_host(c) != 0) {
		conf_free(&c);
		return 1;
	}
	conf_print(c, stdout);
	conf_free(&c);
	return fflush(stdout) == 0 ? 0 : 1;
}
