/*
 * NAME
 *	reload - what a daemon says when it reads its configuration again
 * DESCRIPTION
 *	smsmilter and smsgw reload on SIGHUP alike: the file is read
 *	again; a file refused leaves the old configuration running and
 *	says why; a file loaded says which of the keys read only at start
 *	changed (they wait for a restart), and its warnings. At start,
 *	after the privilege drop, each reads the file once more, to say
 *	at once when a reload would fail as UserID. The sentences are
 *	made here, once; the daemons log them and apply a new
 *	configuration their own way.
 */
#include <stdlib.h>

#include "conf/conf_int.h"

/* conf_reload - path read again for a SIGHUP, what to log in *report_r */
struct conf *
conf_reload(const struct conf *cur, const char *path,
	    const char *const *restart_keys, char **report_r)
{
	struct ut_buf b = {0};
	char *errors = NULL, later[512];
	struct conf *c = conf_load(path, &errors);

	if (!c) {
		ut_buf_printf(&b,
			      "reload: %s refused, the old configuration "
			      "stays:\n%s",
			      path, errors ? errors : "unreadable");
	} else {
		if (conf_changed(cur, c, restart_keys, later, sizeof(later)))
			ut_buf_printf(&b,
				      "reload: %s changed: that takes effect "
				      "at the next start\n",
				      later);
		if (c->warnings)
			ut_buf_printf(&b, "%s", c->warnings);
	}
	free(errors);
	*report_r = b.s;
	return c;
}

/* conf_reload_check - why a reload of path as c->user would fail, or NULL */
char *
conf_reload_check(const struct conf *c, const char *path)
{
	struct ut_buf b = {0};
	char *errors = NULL;
	struct conf *again = conf_load(path, &errors);

	if (!again)
		ut_buf_printf(&b,
			      "a reload (SIGHUP) would fail: as UserID %s, %s "
			      "gets:\n%s",
			      c->user, path, errors ? errors : "unreadable");
	conf_free(&again);
	free(errors);
	return b.s;
}
