/*
 * NAME
 *	common - what smsctl's store commands share
 * DESCRIPTION
 *	Opening the configuration and the store (as the store's owner
 *	when run as root), reading dates, numbers and names from the
 *	command line, and printing JSON and errors.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include <ctype.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "policy/policy.h"
#include "sms/sms.h"
#include "store/store.h"
#include "tools/smsctl_int.h"
#include "util/util.h"

/*
 * as_store_owner - when root, become the owner of the directory the
 * store is in, so that what SQLite makes there (the database, its WAL)
 * stays the daemons'; 0, or -1 (said why). The directory decides, not
 * the file: its owner could have made the file a link to one of root's.
 */
static int
as_store_owner(const char *database)
{
	struct stat st;
	struct passwd *pw;
	char dir[4096], *slash;

	if (geteuid() != 0 || ut_pg_uri(database))
		return 0; /* a server's store: no file to own */
	snprintf(dir, sizeof(dir), "%s", database);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0 || st.st_uid == 0)
		return 0; /* store_open says what is missing */
	if (!(pw = getpwuid(st.st_uid))) {
		fprintf(stderr,
			"smsctl: %s belongs to uid %ld, which has no name\n",
			dir, (long)st.st_uid);
		return -1;
	}
	if (ut_become(pw->pw_name) != 0) {
		fprintf(stderr, "smsctl: cannot become %s, who owns %s\n",
			pw->pw_name, dir);
		return -1;
	}
	return 0;
}

/* ctl_open - load the configuration and open its store */
int
ctl_open(const struct smsctl *ctl, struct ctl_env *env)
{
	static const enum store_sync syncs[] = {
	    [CONF_SYNC_FULL] = STORE_SYNC_FULL,
	    [CONF_SYNC_NORMAL] = STORE_SYNC_NORMAL,
	    [CONF_SYNC_OFF] = STORE_SYNC_OFF,
	};
	struct store_error err;
	char *errors;

	memset(env, 0, sizeof(*env));
	env->conf = conf_load(ctl->config, &errors);
	if (!env->conf) {
		fputs(errors, stderr);
		free(errors);
		return 1;
	}
	if (as_store_owner(env->conf->database) != 0) {
		conf_free(&env->conf);
		return 1;
	}
	env->store = store_open(env->conf->database,
				syncs[env->conf->database_sync], &err);
	if (!env->store) {
		fprintf(stderr, "smsctl: %s\n", err.msg);
		conf_free(&env->conf);
		return 1;
	}
	return 0;
}

/* ctl_close - close what ctl_open opened */
void
ctl_close(struct ctl_env *env)
{
	store_close(&env->store);
	conf_free(&env->conf);
}

/* ctl_time - a date or time (UTC), or @EPOCH */
int
ctl_time(const char *s, int64_t *t_r)
{
	struct tm tm;
	const char *end;
	char *e;

	if (s[0] == '@') {
		long long v = strtoll(s + 1, &e, 10);

		if (e == s + 1 || *e)
			return -1;
		*t_r = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && (*end == 'T' || *end == ' ')) {
		const char *t = strptime(end + 1, "%H:%M:%S", &tm);

		end = t ? t : strptime(end + 1, "%H:%M", &tm);
	}
	if (!end || *end)
		return -1;
	*t_r = (int64_t)timegm(&tm);
	return 0;
}

/* ctl_format_time - t as "YYYY-MM-DD HH:MM:SS" UTC */
void
ctl_format_time(int64_t t, char out[20])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* ctl_number - a phone number in E.164 */
int
ctl_number(const struct ctl_env *env, const char *in, char out[20])
{
	struct sms_phone_rules rules;
	struct sms_number num;
	struct sms_error err;

	policy_phone_rules(env->conf, POLICY_ANY, &rules);
	if (sms_phone_parse(in, &rules, &num, &err) != SMS_OK) {
		fprintf(stderr, "smsctl: \"%s\": %s\n", in, err.msg);
		return -1;
	}
	snprintf(out, 20, "%s", num.e164);
	return 0;
}

/* ctl_phone_or_contact - a number, or a contact's */
int
ctl_phone_or_contact(const struct ctl_env *env, const char *in, char out[20])
{
	struct store_error err;

	if (!isdigit((unsigned char)in[0]) && in[0] != '+' &&
	    store_contact_get(env->store, in, out, &err) == STORE_OK)
		return 0;
	return ctl_number(env, in, out);
}

/* ctl_name - a contact or group name */
int
ctl_name(const char *kind, const char *name)
{
	size_t n = strlen(name), i;
	bool digits = true;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			break;
		digits = digits && isdigit(c);
	}
	if (n == 0 || n > 64 || i < n || digits || name[0] == '.' ||
	    name[n - 1] == '.') {
		fprintf(stderr,
			"smsctl: \"%s\" is not a %s name: use 1-64 letters, "
			"digits, dots, dashes and underscores, not only digits "
			"(it becomes NAME@ your SMS domain)\n",
			name, kind);
		return -1;
	}
	return 0;
}

/* ctl_json_print - print on one line and free */
int
ctl_json_print(void *json)
{
	int rc =
	    json_dumpf(json, stdout, JSON_COMPACT) == 0 && putchar('\n') != EOF
		? 0
		: 1;

	json_decref(json);
	return rc;
}

/* ctl_store_error - say what went wrong; 1 */
int
ctl_store_error(const char *cmd, const void *store_error)
{
	const struct store_error *err = store_error;

	fprintf(stderr, "smsctl %s: %s\n", cmd, err->msg);
	return 1;
}
