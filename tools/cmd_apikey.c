/*
 * NAME
 *	cmd_apikey - smsctl apikey: keys of the send API
 * SYNOPSIS
 *	smsctl [-c FILE] apikey add --owner ADDR [--name NAME] [--json]
 *	smsctl [-c FILE] apikey list [--owner ADDR] [--json]
 *	smsctl [-c FILE] apikey revoke ID [--owner ADDR]
 * DESCRIPTION
 *	add makes a key that acts as ADDR (a mailbox, lowercased, with
 *	OwnerAliases applied) and prints its token once, alone on the
 *	last line (with --json, as "token"): the store keeps only its
 *	hash. list shows each key's id, hint, dates, state, owner and
 *	name, never a token or a hash. revoke ends a key for good.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"
#include "tools/smsctl_int.h"

/* usage - the synopsis, on standard error; EXIT_USAGE */
static int
usage(void)
{
	fprintf(stderr, "usage: smsctl [-c FILE] apikey add --owner ADDR "
			"[--name NAME] [--json]\n"
			"       smsctl [-c FILE] apikey list [--owner ADDR] "
			"[--json]\n"
			"       smsctl [-c FILE] apikey revoke ID [--owner "
			"ADDR]\n");
	return EXIT_USAGE;
}

/* local_ok - s (n bytes) is a dot-atom local part (RFC 5322) */
static bool
local_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.'
			? s[i + 1] == '.'
			: !isalnum(ch) && !strchr("!#$%&'*+-/=?^_`{|}~", ch))
			return false;
	}
	return true;
}

/* domain_ok - s is a host name: labels of letters, digits and dashes */
static bool
domain_ok(const char *s)
{
	size_t n = strlen(s), label = 0, i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i <= n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum(ch) || (ch == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/*
 * owner_of - the owner a key of in acts as, into owner: in must be a
 * mailbox (local@domain); then OwnerAliases, lowercase (policy_owner).
 * 0, or EXIT_USAGE (said why).
 */
static int
owner_of(const struct ctl_env *env, const char *cmd, const char *in,
	 char owner[256])
{
	const char *at = strchr(in, '@');

	if (!at || strlen(in) > 254 || !local_ok(in, (size_t)(at - in)) ||
	    !domain_ok(at + 1)) {
		fprintf(stderr,
			"smsctl apikey %s: \"%s\" is not a mail address: the "
			"owner of a key is a mailbox, as local@domain\n",
			cmd, in);
		return EXIT_USAGE;
	}
	policy_owner(env->conf, in, owner, 256);
	return 0;
}

/* name_ok - a key's name: 1-64 bytes of UTF-8, no control characters */
static bool
name_ok(const char *name)
{
	size_t n = strlen(name), i;
	json_t *j;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	if (!(j = json_string(name))) /* NULL: not UTF-8 */
		return false;
	json_decref(j);
	return true;
}

/* apikey_add - make a key, print its token last */
static int
apikey_add(struct ctl_env *env, const char *owner_arg, const char *name,
	   bool json)
{
	char owner[256], token[POLICY_APIKEY_LEN + 1],
	    hash[POLICY_APIKEY_HASH_LEN + 1], hint[POLICY_APIKEY_HINT_LEN + 1];
	struct policy_verdict v;
	struct store_error err;
	int64_t id, now = (int64_t)time(NULL);
	int rc;

	if ((rc = owner_of(env, "add", owner_arg, owner)) != 0)
		return rc;
	if (name && !name_ok(name)) {
		fprintf(stderr, "smsctl apikey add: --name takes 1-64 bytes of "
				"UTF-8 without control characters\n");
		return EXIT_USAGE;
	}
	/* a key acts as its owner: say so now if that one may not send */
	if (!policy_allowed_sender(env->conf, owner, &v))
		fprintf(stderr,
			"smsctl apikey add: warning: %s (AllowedSenders): the "
			"key is made, but its texts are refused until that "
			"changes\n",
			v.text);
	if (policy_apikey_new(token, hash, hint) != 0) {
		perror("smsctl apikey add: getrandom");
		return 1;
	}
	if (store_apikey_add(env->store, owner, name, hash, hint, now, &id,
			     &err) != STORE_OK)
		return ctl_store_error("apikey add", &err);
	if (json)
		return ctl_json_print(json_pack(
		    "{s:I, s:s, s:s, s:s+, s:I, s:s}", "id", (json_int_t)id,
		    "owner", owner, "name", name ? name : "", "hint",
		    POLICY_APIKEY_PREFIX, hint, "created", (json_int_t)now,
		    "token", token));
	printf("API key %lld of %s%s%s%s: keep the token below; it is not "
	       "shown again\n%s\n",
	       (long long)id, owner, name ? " (" : "", name ? name : "",
	       name ? ")" : "", token);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* apikey_list - the keys, of owner or all */
static int
apikey_list(struct ctl_env *env, const char *owner_arg, bool json)
{
	struct store_apikey *k = NULL;
	struct store_error err;
	char owner[256], made[20], used[20];
	unsigned n = 0, i;
	int rc;

	if (owner_arg && (rc = owner_of(env, "list", owner_arg, owner)) != 0)
		return rc;
	if (store_apikeys(env->store, owner_arg ? owner : NULL, &k, &n, &err) !=
	    STORE_OK)
		return ctl_store_error("apikey list", &err);
	if (json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(
			    arr,
			    json_pack("{s:I, s:s, s:s, s:s+, s:I, s:I, "
				      "s:b}",
				      "id", (json_int_t)k[i].id, "owner",
				      k[i].owner, "name", k[i].name, "hint",
				      POLICY_APIKEY_PREFIX, k[i].hint,
				      "created", (json_int_t)k[i].created,
				      "last_used", (json_int_t)k[i].last_used,
				      "revoked", k[i].revoked));
		free(k);
		return ctl_json_print(json_pack("{s:o}", "apikeys", arr));
	}
	printf("%-5s %-14s %-19s  %-19s  %-7s  %s\n", "ID", "HINT",
	       "CREATED (UTC)", "LAST USED (UTC)", "STATE", "OWNER (NAME)");
	for (i = 0; i < n; i++) {
		ctl_format_time(k[i].created, made);
		if (k[i].last_used)
			ctl_format_time(k[i].last_used, used);
		else
			snprintf(used, sizeof(used), "never");
		/* the hint's ellipsis is one column and three bytes */
		printf("%-5lld %s%.8s\u2026  %-19s  %-19s  %-7s  %s%s%s%s\n",
		       (long long)k[i].id, POLICY_APIKEY_PREFIX, k[i].hint,
		       made, used, k[i].revoked ? "revoked" : "live",
		       k[i].owner, k[i].name[0] ? " (" : "", k[i].name,
		       k[i].name[0] ? ")" : "");
	}
	free(k);
	return 0;
}

/* apikey_revoke - revoke key id_arg (of owner_arg) */
static int
apikey_revoke(struct ctl_env *env, const char *id_arg, const char *owner_arg)
{
	struct store_error err;
	char owner[256], *end;
	long long id = strtoll(id_arg, &end, 10);
	int rc;

	if (end == id_arg || *end || id <= 0) {
		fprintf(stderr,
			"smsctl apikey revoke: \"%s\" is not a key id (the "
			"ID column of smsctl apikey list)\n",
			id_arg);
		return EXIT_USAGE;
	}
	if (owner_arg && (rc = owner_of(env, "revoke", owner_arg, owner)) != 0)
		return rc;
	if (store_apikey_revoke(env->store, (int64_t)id,
				owner_arg ? owner : NULL, &err) != STORE_OK)
		return ctl_store_error("apikey revoke", &err);
	printf("revoked API key %lld\n", id);
	return 0;
}

/* cmd_apikey - smsctl apikey add|list|revoke */
int
cmd_apikey(const struct smsctl *ctl, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "", *owner = NULL, *name = NULL,
		   *id = NULL;
	struct ctl_env env;
	bool json = false;
	int a, rc;

	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "revoke"))
		return usage();
	for (a = 2; a < argc; a++) {
		if (!strcmp(argv[a], "--owner") && a + 1 < argc)
			owner = argv[++a];
		else if (!strcmp(argv[a], "--name") && a + 1 < argc &&
			 !strcmp(sub, "add"))
			name = argv[++a];
		else if (!strcmp(argv[a], "--json") && strcmp(sub, "revoke"))
			json = true;
		else if (!strcmp(sub, "revoke") && !id && argv[a][0] != '-')
			id = argv[a];
		else
			break;
	}
	if (a < argc || (!strcmp(sub, "revoke") && !id))
		return usage();
	if (!strcmp(sub, "add") && !owner) {
		fprintf(stderr, "smsctl apikey add: --owner ADDR is needed: "
				"the mailbox the key sends as\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (!strcmp(sub, "add"))
		rc = apikey_add(&env, owner, name, json);
	else if (!strcmp(sub, "list"))
		rc = apikey_list(&env, owner, json);
	else
		rc = apikey_revoke(&env, id, owner);
	ctl_close(&env);
	return rc;
}
