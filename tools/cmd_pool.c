/*
 * NAME
 *	cmd_pool - smsctl leases: who holds which SenderPool number
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
