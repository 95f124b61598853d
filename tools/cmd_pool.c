/*
 * NAME
 *	cmd_pool - smsctl leases and numbers: our numbers, who holds
 *	which SenderPool number
 * DESCRIPTION
 *	smsctl leases [--phone N] [--owner A] [--number N] [--all] [--json]
 *	lists the live leases (with --all, expired ones too), the most
 *	recently renewed first; smsctl leases release --phone N --number N
 *	ends one, so the next text of that conversation gets a number
 *	afresh and an answer to the old one goes by LeaseGrace.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"
#include "tools/smsctl_int.h"

/* cmd_leases - list or release pool leases */
int
cmd_leases(const struct smsctl *ctl, int argc, char **argv)
{
	const char *owner = NULL, *phone_arg = NULL, *number_arg = NULL;
	char phone[20], number[20];
	bool json = false, all = false, release = false;
	struct store_pool_lease *l = NULL;
	struct store_error err;
	struct ctl_env env;
	int64_t now = (int64_t)time(NULL);
	unsigned n = 0, i;
	int a, rc = 1;

	for (a = 1; a < argc; a++) {
		if (a == 1 && !strcmp(argv[a], "release"))
			release = true;
		else if (!strcmp(argv[a], "--phone") && a + 1 < argc)
			phone_arg = argv[++a];
		else if (!strcmp(argv[a], "--owner") && a + 1 < argc)
			owner = argv[++a];
		else if (!strcmp(argv[a], "--number") && a + 1 < argc)
			number_arg = argv[++a];
		else if (!strcmp(argv[a], "--all"))
			all = true;
		else if (!strcmp(argv[a], "--json"))
			json = true;
		else
			break;
	}
	if (a < argc || (release && (!phone_arg || !number_arg))) {
		fprintf(stderr,
			"usage: smsctl leases [--phone N] [--owner A] "
			"[--number N] [--all] [--json]\n"
			"       smsctl leases release --phone N --number N\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if ((phone_arg && ctl_number(&env, phone_arg, phone) != 0) ||
	    (number_arg && ctl_number(&env, number_arg, number) != 0)) {
		ctl_close(&env);
		return EXIT_USAGE;
	}
	if (release) {
		if (store_pool_release(env.store, phone, number, &err) !=
		    STORE_OK)
			rc = ctl_store_error("leases release", &err);
		else
			rc = 0;
		ctl_close(&env);
		return rc;
	}
	if (store_pool_leases(env.store, phone_arg ? phone : NULL, owner,
			      number_arg ? number : NULL,
			      all ? 0 : now - env.conf->lease_duration + 1, &l,
			      &n, &err) != STORE_OK) {
		rc = ctl_store_error("leases", &err);
		ctl_close(&env);
		return rc;
	}
	if (json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(
			    arr,
			    json_pack(
				"{s:s, s:s, s:s, s:I, s:I, s:b}", "phone",
				l[i].phone, "number", l[i].number, "owner",
				l[i].owner, "created", (json_int_t)l[i].created,
				"renewed", (json_int_t)l[i].renewed, "live",
				l[i].renewed > now - env.conf->lease_duration));
		rc = ctl_json_print(json_pack("{s:o}", "leases", arr));
	} else {
		printf("%-16s %-16s %-19s %-5s %s\n", "PHONE", "OUR NUMBER",
		       "RENEWED (UTC)", "LIVE", "OWNER");
		for (i = 0; i < n; i++) {
			char when[20];

			ctl_format_time(l[i].renewed, when);
			printf("%-16s %-16s %-19s %-5s %s\n", l[i].phone,
			       l[i].number, when,
			       l[i].renewed > now - env.conf->lease_duration
				   ? "yes"
				   : "no",
			       l[i].owner);
		}
		rc = 0;
	}
	free(l);
	ctl_close(&env);
	return rc;
}

/* a number of ours and what it is */
struct ours {
	const char *number, *kind, *owner;
};

/* add_ours - add number unless it is there; false when full */
static void
add_ours(struct ours *v, unsigned *n, unsigned max, const char *number,
	 const char *kind, const char *owner)
{
	unsigned i;

	if (!number || !*number)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(v[i].number, number) == 0)
			return;
	if (*n < max)
		v[(*n)++] = (struct ours){number, kind, owner};
}

/* stat_for - the figures of number among v, or none */
static const struct store_number_stat *
stat_for(const struct store_number_stat *v, unsigned n, const char *number,
	 const struct store_number_stat *none)
{
	unsigned k;

	for (k = 0; k < n; k++)
		if (strcmp(v[k].number, number) == 0)
			return &v[k];
	return none;
}

/*
 * cmd_numbers - smsctl numbers [--days N] [--json]: each of our numbers
 * (DefaultSender, SenderNumbers, SenderPool, and any other a text
 * used), its live pool leases, and texts out and in over N days
 */
int
cmd_numbers(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_number_stat *st = NULL, none = {0};
	struct ours v[512];
	struct store_error err;
	struct ctl_env env;
	int64_t now = (int64_t)time(NULL);
	long days = 30;
	bool json = false;
	unsigned n = 0, ns = 0, i, k;
	size_t j;
	char *end;
	int a, rc;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--days") && a + 1 < argc) {
			days = strtol(argv[++a], &end, 10);
			if (*end || days < 1 || days > 3660)
				break;
		} else if (!strcmp(argv[a], "--json"))
			json = true;
		else
			break;
	}
	if (a < argc) {
		fprintf(stderr, "usage: smsctl numbers [--days N] [--json]\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	add_ours(v, &n, 512, env.conf->default_sender, "default", "");
	for (j = 0; j < env.conf->sender_numbers.n; j++)
		add_ours(v, &n, 512, env.conf->sender_numbers.v[j].value,
			 "owner", env.conf->sender_numbers.v[j].key);
	for (j = 0; j < env.conf->sender_pool.n; j++)
		add_ours(v, &n, 512, env.conf->sender_pool.v[j], "pool", "");
	for (j = 0; j < env.conf->sender_pool_groups.n; j++)
		add_ours(v, &n, 512, env.conf->sender_pool_groups.v[j].value,
			 "pool", env.conf->sender_pool_groups.v[j].key);
	if (store_number_stats(env.store, now - days * 86400,
			       now - env.conf->lease_duration + 1, &st, &ns,
			       &err) != STORE_OK) {
		rc = ctl_store_error("numbers", &err);
		ctl_close(&env);
		return rc;
	}
	for (k = 0; k < ns; k++)
		add_ours(v, &n, 512, st[k].number, "other", "");
	if (json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			const struct store_number_stat *x =
			    stat_for(st, ns, v[i].number, &none);
			json_array_append_new(
			    arr,
			    json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}",
				      "number", v[i].number, "kind", v[i].kind,
				      "owner", v[i].owner, "leases",
				      (int)x->leases, "out", (json_int_t)x->out,
				      "in", (json_int_t)x->in));
		}
		rc = ctl_json_print(
		    json_pack("{s:i, s:o}", "days", (int)days, "numbers", arr));
	} else {
		printf("%-16s %-7s %6s %8s %8s  %s\n", "NUMBER", "KIND",
		       "LEASES", "OUT", "IN", "OWNER");
		for (i = 0; i < n; i++) {
			const struct store_number_stat *x =
			    stat_for(st, ns, v[i].number, &none);
			printf("%-16s %-7s %6u %8lu %8lu  %s\n", v[i].number,
			       v[i].kind, x->leases, x->out, x->in, v[i].owner);
		}
		printf("(texts over the last %ld days)\n", days);
		rc = 0;
	}
	free(st);
	ctl_close(&env);
	return rc;
}
