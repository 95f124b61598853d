/*
 * NAME
 *	util - small helpers shared by all modules
 * SUMMARY
 *	#include "util/util.h"
 * DESCRIPTION
 *	An arena (many allocations freed at once) and a growable string
 *	buffer. Both report allocation failure by returning NULL or -1 and
 *	never abort. For the daemons: the log, the privilege drop and the
 *	pid file.
 */
#ifndef UTIL_UTIL_H
#define UTIL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ut_version - the release, as "0.1.0" (debian/changelog's); static */
const char *ut_version(void);

/* An arena: allocations live until ut_arena_free(). */
struct ut_arena;

/* ut_arena_new - an empty arena, or NULL when out of memory */
struct ut_arena *ut_arena_new(void);

/* ut_arena_free - free the arena and all it gave; set *a to NULL */
void ut_arena_free(struct ut_arena **a);

/* ut_arena_alloc - size zeroed bytes, aligned for any type, or NULL */
void *ut_arena_alloc(struct ut_arena *a, size_t size);

/* ut_arena_strndup - a NUL-terminated copy of n bytes of s, or NULL */
char *ut_arena_strndup(struct ut_arena *a, const char *s, size_t n);

/* ut_arena_strdup - a copy of s, or NULL */
char *ut_arena_strdup(struct ut_arena *a, const char *s);

/* A growable NUL-terminated string. Zero-initialise before use. */
struct ut_buf {
	char *s;
	size_t len, cap;
	int failed; /* an allocation failed; contents are truncated */
};

/* ut_buf_add - append n bytes */
void ut_buf_add(struct ut_buf *b, const char *s, size_t n);

/* ut_buf_printf - append formatted text */
void ut_buf_printf(struct ut_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ut_buf_vprintf - append formatted text from a va_list */
void ut_buf_vprintf(struct ut_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * ut_buf_steal - the string, now the caller's to free (never NULL when
 * anything was added, "" when nothing was), and reset the buffer
 */
char *ut_buf_steal(struct ut_buf *b);

/* ut_buf_clear - free the contents and reset the buffer */
void ut_buf_clear(struct ut_buf *b);

/*
 * ut_pg_uri - s is a libpq URI (postgresql:// or postgres://): the
 * Database of a store on a PostgreSQL server, not a SQLite file
 */
bool ut_pg_uri(const char *s);

/*
 * ut_pg_uri_secrets - where the passwords of uri are: its user's
 * (user:PASSWORD@) and each query parameter's named *password; at most
 * max spans (offset, length) into off and len; how many
 */
unsigned ut_pg_uri_secrets(const char *uri, size_t *off, size_t *len,
			   unsigned max);

/* ut_pg_uri_bad - why libpq would misread uri (a sentence), or NULL */
const char *ut_pg_uri_bad(const char *uri);

/*
 * ut_pg_uri_safe - uri with each password (ut_pg_uri_secrets) shown as
 * "...", into out (n bytes)
 */
void ut_pg_uri_safe(const char *uri, char *out, size_t n);

/* ut_now_ms - the monotonic clock (CLOCK_MONOTONIC), in milliseconds */
int64_t ut_now_ms(void);

/* ut_sleep_ms - sleep ms milliseconds (a signal does not cut it short) */
void ut_sleep_ms(long ms);

/*
 * Daemons only (libraries never log): syslog, copied to stderr with a
 * time stamp in the foreground; the privilege drop; the pid file.
 */

/* ut_log_open - syslog as ident with facility ("mail", "local0"...) */
void ut_log_open(const char *ident, const char *facility, int max_level,
		 bool to_stderr);

/* ut_log_level - the least severe level (LOG_*) logged */
void ut_log_level(int max_level);

/* Room for a phone number as a log line shows it. */
#define UT_PHONE_MAX 24

/*
 * ut_log_mask - s (a number, or an address with a number in it) as log
 * lines show it, into out: whole when debug lines are logged, else
 * each run of 7 or more digits masked but its first digit and last two
 * ("+1********43", "1********43@sms.example.com"). out may be s.
 * Returns out.
 */
const char *ut_log_mask(const char *s, char *out, size_t size);

/* ut_log_phone - ut_log_mask for a phone number */
#define ut_log_phone(s, out) ut_log_mask((s), (out), UT_PHONE_MAX)

/*
 * UT_LOG_PHONE - ut_log_phone into a buffer that lives until the end of
 * the enclosing block: for a log line's arguments
 */
#define UT_LOG_PHONE(s) ut_log_phone((s), (char[UT_PHONE_MAX]){0})

/* ut_log_lines - each line of text (may be NULL) as a log line */
void ut_log_lines(int level, const char *text);

/* ut_log - one log line at level (LOG_*) */
void ut_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ut_owner - uid and gid of "user[:group]"; 0, or -1 (logged) */
int ut_owner(const char *spec, uid_t *uid, gid_t *gid);

/* ut_give - chown path to "user[:group]" (when root), chmod mode */
void ut_give(const char *path, const char *spec, mode_t mode);

/* ut_become - when root, become "user[:group]" for good; 0 or -1 */
int ut_become(const char *spec);

/*
 * ut_pid_lock - open path (made if absent, mode 644) and lock it for
 * the life of the process (flock: daemon(3)'s child keeps it). A lock
 * held by another process is waited for up to wait_ms (a daemon that
 * was told to stop gives it up at once). Returns the descriptor, or -1
 * with errno (EWOULDBLOCK: another process holds it; its pid, or 0,
 * in *holder_r when holder_r is not NULL).
 */
int ut_pid_lock(const char *path, unsigned wait_ms, long *holder_r);

/* ut_pid_write - our pid into the locked file fd; 0 or -1 (logged) */
int ut_pid_write(int fd, const char *path);

/*
 * ut_pid_release - remove path if it still names fd's file, close fd
 * (unlocking it) and set *fd to -1; nothing when *fd is -1. A stopping
 * daemon calls it first, so a successor can start.
 */
void ut_pid_release(int *fd, const char *path);

/* Which file a path named: a socket this process bound. */
struct ut_file_id {
	dev_t dev;
	ino_t ino;
};

/* ut_sock_id - the file path names now into *id_r; 0, or -1 (errno) */
int ut_sock_id(const char *path, struct ut_file_id *id_r);

/*
 * ut_sock_remove - at exit: remove the socket at path only when it is
 * still the one this process bound (id) and no successor holds the
 * pid file pid_file (locked for the moment, then removed). Returns
 * whether it was removed.
 */
bool ut_sock_remove(const char *pid_file, const char *path,
		    const struct ut_file_id *id);

/*
 * ut_abs_path - path made absolute against the working directory (in
 * buf, size bytes), for a daemon that reads it again after daemon(3)
 * went to "/"; path itself when absolute or when it does not fit
 */
const char *ut_abs_path(const char *path, char *buf, size_t size);

/* ut_random - n bytes from getrandom(2); false when it failed */
bool ut_random(void *buf, size_t n);

/*
 * ut_random_hex - prefix then 2 * nbytes random hex digits (nbytes at
 * most 64) into out (size bytes); false when it did not fit or failed
 */
bool ut_random_hex(const char *prefix, size_t nbytes, char *out, size_t size);

/*
 * ut_wake - one datagram to the unix socket at path (a daemon's wake
 * socket: there is work); errors are ignored, a lost wake-up only
 * delays
 */
void ut_wake(const char *path);

#endif /* UTIL_UTIL_H */
