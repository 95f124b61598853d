/*
 * NAME
 *	cmd_hooks - smsctl hooks: the event hooks waiting, delivered or
 *	given up, and trying one again
 * DESCRIPTION
 *	smsgw sends each text from a phone and each final receipt to the
 *	URLs that want it (InboundHook, ReceiptHook, a text's own URL),
 *	retrying until the receiver answers or HookLifetime ends. This
 *	lists them, newest first, with their tries and last error;
 *	"hooks retry ID" makes one that waits or was given up due now;
 *	"hooks key --owner ADDR" prints the key that signs the hooks an
 *	owner's texts asked for (their receivers check it).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"
#include "store/store.h"
#include "tools/smsctl_int.h"

static const char *const states[] = {"pending", "delivered", "failed"};

/* usage - the command's usage line; EXIT_USAGE */
static int
usage(void)
{
	fprintf(stderr, "usage: smsctl hooks [--state pending|delivered|"
			"failed] [--limit N] [--json]\n"
			"       smsctl hooks retry ID\n"
			"       smsctl hooks key --owner ADDR\n");
	return EXIT_USAGE;
}

/* key - smsctl hooks key --owner ADDR: that owner's signing key */
static int
key(const struct smsctl *ctl, const char *addr)
{
	char owner[256], k[POLICY_HOOK_KEY_SIZE];
	struct ctl_env env;

	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (!env.conf->hook_secret) {
		fprintf(stderr, "smsctl hooks key: HookSecret is not set: "
				"hooks go unsigned\n");
		ctl_close(&env);
		return 1;
	}
	policy_owner(env.conf, addr, owner, sizeof(owner));
	policy_hook_owner_key(env.conf->hook_secret, owner, k);
	printf("%s\n", k);
	ctl_close(&env);
	return 0;
}

/* retry - smsctl hooks retry ID */
static int
retry(const struct smsctl *ctl, const char *arg)
{
	struct store_error err;
	struct ctl_env env;
	char *end;
	long long id = strtoll(arg, &end, 10);
	int rc;

	if (*end || id <= 0)
		return usage();
	if (ctl_open(ctl, &env) != 0)
		return 1;
	rc = store_hook_retry_now(env.store, id, (int64_t)time(NULL), &err);
	ctl_close(&env);
	if (rc != STORE_OK)
		return ctl_store_error("hooks retry", &err);
	printf("hook %lld is due now\n", id);
	return 0;
}

/* json_of - one hook as a JSON object */
static json_t *
json_of(const struct store_hook *h)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:s, s:i,"
			 " s:I, s:I, s:I, s:s?}",
			 "hook", (json_int_t)h->id, "id", h->hid, "owner",
			 h->owner, "event", h->event, "message",
			 (json_int_t)h->message_id, "method", h->method, "url",
			 h->url, "expect_ok", h->expect_ok, "state",
			 states[h->state % 3], "attempts", (int)h->attempts,
			 "created", (json_int_t)h->created, "due",
			 (json_int_t)h->due, "updated", (json_int_t)h->updated,
			 "error", h->last_error[0] ? h->last_error : NULL);
}

/* cmd_hooks - smsctl hooks [...] | hooks retry ID */
int
cmd_hooks(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_hook *h = NULL;
	struct store_error err;
	struct ctl_env env;
	unsigned n = 0, i, limit = 50;
	int state = -1, k, rc = 0;
	bool json = false;

	if (argc >= 2 && !strcmp(argv[1], "retry"))
		return argc == 3 ? retry(ctl, argv[2]) : usage();
	if (argc >= 2 && !strcmp(argv[1], "key"))
		return argc == 4 && !strcmp(argv[2], "--owner") &&
			       strchr(argv[3], '@')
			   ? key(ctl, argv[3])
			   : usage();
	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--json")) {
			json = true;
		} else if (!strcmp(argv[k], "--state") && k + 1 < argc) {
			k++;
			for (state = 0; state < 3; state++)
				if (!strcmp(argv[k], states[state]))
					break;
			if (state == 3)
				return usage();
		} else if (!strcmp(argv[k], "--limit") && k + 1 < argc) {
			char *end;

			limit = (unsigned)strtoul(argv[++k], &end, 10);
			if (*end || limit == 0)
				return usage();
		} else {
			return usage();
		}
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (store_hooks(env.store, state, limit, &h, &n, &err) != STORE_OK) {
		ctl_close(&env);
		return ctl_store_error("hooks", &err);
	}
	if (json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, json_of(&h[i]));
		rc = ctl_json_print(json_pack("{s:o}", "hooks", a));
	} else {
		for (i = 0; i < n; i++) {
			char made[20], due[20];

			ctl_format_time(h[i].created, made);
			ctl_format_time(h[i].due, due);
			printf("hook %lld  %s  %s  %s UTC  tries %u  owner "
			       "<%s>\n",
			       (long long)h[i].id, states[h[i].state % 3],
			       h[i].event, made, h[i].attempts, h[i].owner);
			printf("  %s%s %s\n", h[i].method,
			       h[i].expect_ok ? " (ok)" : "", h[i].url);
			printf("  id %s, text %lld", h[i].hid,
			       (long long)h[i].message_id);
			if (h[i].state == STORE_HOOK_PENDING)
				printf(", next try %s UTC", due);
			printf("\n");
			if (h[i].last_error[0])
				printf("  last error: %s\n", h[i].last_error);
		}
		if (n == 0)
			printf("no hooks\n");
	}
	store_hooks_free(&h, n);
	ctl_close(&env);
	return rc;
}
