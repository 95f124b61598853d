/*
 * NAME
 *	cmd_people - smsctl contacts, groups, optout, usage
 * DESCRIPTION
 *	The address book (contacts become NAME@ the SMS domain, groups
 *	text every member), the opt-out list, and the segments each sender
 *	used per month with what they cost.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf/conf.h"
#include "policy/policy.h"
#include "store/store.h"
#include "tools/smsctl_int.h"

/* is_json - the last argument is --json: drop it, say so */
static bool
is_json(int *argc, char **argv)
{
	if (*argc > 1 && strcmp(argv[*argc - 1], "--json") == 0) {
		(*argc)--;
		return true;
	}
	return false;
}

/* store_rc - print a store error for cmd; 0 when ok */
static int
store_rc(const char *cmd, int st, const struct store_error *err)
{
	if (st == STORE_OK)
		return 0;
	fprintf(stderr, "smsctl %s: %s\n", cmd, err->msg);
	return 1;
}

/* contacts_list - print the contacts */
static int
contacts_list(struct ctl_env *env, bool json)
{
	struct store_contact *c;
	struct store_error err;
	unsigned n, i;
	int rc = store_rc("contacts", store_contacts(env->store, &c, &n, &err),
			  &err);

	if (rc)
		return rc;
	if (json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(
			    a, json_pack("{s:s, s:s, s:I}", "name", c[i].name,
					 "phone", c[i].phone, "created",
					 (json_int_t)c[i].created));
		rc = ctl_json_print(json_pack("{s:o}", "contacts", a));
	} else {
		printf("%-24s %s\n", "NAME", "PHONE");
		for (i = 0; i < n; i++)
			printf("%-24s %s\n", c[i].name, c[i].phone);
	}
	free(c);
	return rc;
}

/* cmd_contacts - smsctl contacts add NAME NUMBER | rm NAME | list */
int
cmd_contacts(const struct smsctl *ctl, int argc, char **argv)
{
	bool json = is_json(&argc, argv);
	struct store_error err;
	struct ctl_env env;
	char phone[20];
	int rc = EXIT_USAGE;

	if (!(argc == 2 && strcmp(argv[1], "list") == 0) &&
	    !(argc == 4 && strcmp(argv[1], "add") == 0) &&
	    !(argc == 3 && strcmp(argv[1], "rm") == 0)) {
		fprintf(stderr, "usage: smsctl contacts add NAME NUMBER\n"
				"       smsctl contacts rm NAME\n"
				"       smsctl contacts list [--json]\n");
		return EXIT_USAGE;
	}
	if (argc > 2 && ctl_name("contact", argv[2]) != 0)
		return EXIT_USAGE;
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (strcmp(argv[1], "list") == 0) {
		rc = contacts_list(&env, json);
	} else if (strcmp(argv[1], "add") == 0) {
		if (ctl_number(&env, argv[3], phone) == 0)
			rc =
			    store_rc("contacts",
				     store_contact_add(env.store, argv[2],
						       phone, time(NULL), &err),
				     &err);
		if (rc == 0)
			printf("%s is %s\n", argv[2], phone);
	} else {
		rc = store_rc("contacts",
			      store_contact_rm(env.store, argv[2], &err), &err);
	}
	ctl_close(&env);
	return rc;
}

/* groups_list - print the groups */
static int
groups_list(struct ctl_env *env, bool json)
{
	struct store_group *g;
	struct store_error err;
	unsigned n, i;
	int rc =
	    store_rc("groups", store_groups(env->store, &g, &n, &err), &err);

	if (rc)
		return rc;
	if (json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, json_pack("{s:s, s:i}", "name",
							   g[i].name, "members",
							   (int)g[i].members));
		rc = ctl_json_print(json_pack("{s:o}", "groups", a));
	} else {
		printf("%-24s %s\n", "NAME", "MEMBERS");
		for (i = 0; i < n; i++)
			printf("%-24s %u\n", g[i].name, g[i].members);
	}
	free(g);
	return rc;
}

/* groups_members - print a group's members and the numbers they make */
static int
groups_members(struct ctl_env *env, const char *group, bool json)
{
	char(*m)[65] = NULL, (*nums)[20] = NULL;
	struct store_error err;
	unsigned n, k = 0, i;
	int rc = store_rc("groups",
			  store_group_members(env->store, group, &m, &n, &err),
			  &err);

	if (rc == 0)
		rc = store_rc(
		    "groups",
		    store_group_numbers(env->store, group, &nums, &k, &err),
		    &err);
	if (rc == 0 && json) {
		json_t *a = json_array(), *b = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, json_string(m[i]));
		for (i = 0; i < k; i++)
			json_array_append_new(b, json_string(nums[i]));
		rc = ctl_json_print(json_pack("{s:s, s:o, s:o}", "group", group,
					      "members", a, "numbers", b));
	} else if (rc == 0) {
		for (i = 0; i < n; i++)
			printf("%s\n", m[i]);
		printf("(%u members, %u numbers)\n", n, k);
	}
	free(m);
	free(nums);
	return rc;
}

/* member - a member as stored: a contact name, or a number in E.164 */
static int
member(struct ctl_env *env, const char *in, char out[65])
{
	if (in[0] == '+' || (in[0] >= '0' && in[0] <= '9') || in[0] == '(')
		return ctl_number(env, in, out);
	if (ctl_name("contact", in) != 0)
		return -1;
	snprintf(out, 65, "%s", in);
	return 0;
}

/*
 * cmd_groups - smsctl groups add NAME [MEMBER...] | rm NAME [MEMBER...]
 * | list | members NAME
 */
int
cmd_groups(const struct smsctl *ctl, int argc, char **argv)
{
	bool json = is_json(&argc, argv), add;
	struct store_error err;
	struct ctl_env env;
	int i, rc = 0;

	if (argc < 2 || (strcmp(argv[1], "list") == 0 && argc != 2) ||
	    (strcmp(argv[1], "members") == 0 && argc != 3) ||
	    ((strcmp(argv[1], "add") == 0 || strcmp(argv[1], "rm") == 0) &&
	     argc < 3) ||
	    (strcmp(argv[1], "list") && strcmp(argv[1], "members") &&
	     strcmp(argv[1], "add") && strcmp(argv[1], "rm"))) {
		fprintf(stderr, "usage: smsctl groups add NAME [MEMBER...]\n"
				"       smsctl groups rm NAME [MEMBER...]\n"
				"       smsctl groups list [--json]\n"
				"       smsctl groups members NAME [--json]\n"
				"MEMBER: a contact name or a phone number\n");
		return EXIT_USAGE;
	}
	if (argc > 2 && ctl_name("group", argv[2]) != 0)
		return EXIT_USAGE;
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (strcmp(argv[1], "list") == 0) {
		rc = groups_list(&env, json);
	} else if (strcmp(argv[1], "members") == 0) {
		rc = groups_members(&env, argv[2], json);
	} else {
		add = strcmp(argv[1], "add") == 0;
		if (argc == 3) /* the group itself */
			rc = store_rc(
			    "groups",
			    add ? store_group_add(env.store, argv[2],
						  time(NULL), &err)
				: store_group_rm(env.store, argv[2], &err),
			    &err);
		for (i = 3; rc == 0 && i < argc; i++) {
			char m[65];

			if (member(&env, argv[i], m) != 0) {
				rc = EXIT_USAGE;
				break;
			}
			if (add) { /* create the group on first use */
				int st = store_group_add(env.store, argv[2],
							 time(NULL), &err);

				if (st != STORE_OK && st != STORE_EDUP)
					rc = store_rc("groups", st, &err);
			}
			if (rc == 0)
				rc = store_rc("groups",
					      store_group_member(env.store,
								 argv[2], m,
								 add, &err),
					      &err);
		}
	}
	ctl_close(&env);
	return rc;
}

/* cmd_optout - smsctl optout add NUMBER [KEYWORD] | rm NUMBER | list */
int
cmd_optout(const struct smsctl *ctl, int argc, char **argv)
{
	bool json = is_json(&argc, argv);
	struct store_optout *o;
	struct store_error err;
	struct ctl_env env;
	char phone[20];
	unsigned n, i;
	int rc = 0;

	if (!(argc == 2 && strcmp(argv[1], "list") == 0) &&
	    !((argc == 3 || argc == 4) && strcmp(argv[1], "add") == 0) &&
	    !(argc == 3 && strcmp(argv[1], "rm") == 0)) {
		fprintf(stderr, "usage: smsctl optout add NUMBER [KEYWORD]\n"
				"       smsctl optout rm NUMBER\n"
				"       smsctl optout list [--json]\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (argc > 2 && ctl_number(&env, argv[2], phone) != 0) {
		ctl_close(&env);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "add") == 0) {
		rc = store_rc("optout",
			      store_optout_add(env.store, phone,
					       argc == 4 ? argv[3] : "smsctl",
					       time(NULL), &err),
			      &err);
	} else if (strcmp(argv[1], "rm") == 0) {
		rc = store_rc("optout", store_optout_rm(env.store, phone, &err),
			      &err);
	} else {
		rc = store_rc("optout", store_optouts(env.store, &o, &n, &err),
			      &err);
		if (rc == 0 && json) {
			json_t *a = json_array();

			for (i = 0; i < n; i++)
				json_array_append_new(
				    a, json_pack("{s:s, s:s, s:I}", "phone",
						 o[i].phone, "keyword",
						 o[i].keyword, "at",
						 (json_int_t)o[i].at));
			rc = ctl_json_print(json_pack("{s:o}", "optouts", a));
		} else if (rc == 0) {
			printf("%-16s %-19s %s\n", "PHONE", "SINCE (UTC)",
			       "KEYWORD");
			for (i = 0; i < n; i++) {
				char when[20];

				ctl_format_time(o[i].at, when);
				printf("%-16s %-19s %s\n", o[i].phone, when,
				       o[i].keyword);
			}
		}
		if (rc == 0)
			free(o);
	}
	ctl_close(&env);
	return rc;
}

/* money - a price "14.95" in ten-thousandths */
static long long
money(const char *s)
{
	long long v = 0;
	int decimals = -1;

	for (; *s; s++) {
		if (*s == '.') {
			decimals = 0;
			continue;
		}
		v = v * 10 + (*s - '0');
		if (decimals >= 0)
			decimals++;
	}
	for (decimals = decimals < 0 ? 0 : decimals; decimals < 4; decimals++)
		v *= 10;
	return v;
}

/* cost - what a month of segments costs, in ten-thousandths */
static long long
cost(const struct conf *c, unsigned segments)
{
	long long over = (long long)segments - c->price_included_segments;

	return money(c->price_monthly_fee) +
	       (over > 0 ? over * money(c->price_per_segment) : 0);
}

/* One account's month: the usage of its senders, summed. */
struct account_use {
	char cycle[8], account[256];
	unsigned messages, segments;
	char senders[600]; /* "a@example.com, b@example.com" */
	unsigned nsenders;
	bool others; /* a sender other than the account's own name */
};

/*
 * by_account - usage rows summed per cycle and account (BillingAccounts),
 * keeping only the account want when it is set; *n_r of them, malloc'd
 */
static struct account_use *
by_account(const struct conf *c, const struct store_usage *u, unsigned n,
	   const char *want, unsigned *n_r)
{
	struct account_use *a = calloc(n + 1, sizeof(*a));
	char account[256];
	unsigned i, j, k = 0;
	size_t len;

	if (!a)
		return NULL;
	for (i = 0; i < n; i++) {
		policy_account(c, u[i].sender, account, sizeof(account));
		if (want && strcasecmp(want, account) != 0)
			continue;
		for (j = 0; j < k; j++)
			if (!strcmp(a[j].cycle, u[i].cycle) &&
			    !strcmp(a[j].account, account))
				break;
		if (j == k) {
			snprintf(a[k].cycle, sizeof(a[k].cycle), "%s",
				 u[i].cycle);
			snprintf(a[k].account, sizeof(a[k].account), "%s",
				 account);
			k++;
		}
		a[j].messages += u[i].messages;
		a[j].segments += u[i].segments;
		a[j].others |= strcasecmp(u[i].sender, account) != 0;
		len = strlen(a[j].senders);
		if (len + strlen(u[i].sender) + 8 < sizeof(a[j].senders))
			snprintf(a[j].senders + len, sizeof(a[j].senders) - len,
				 "%s%s", len ? ", " : "", u[i].sender);
		else if (!strstr(a[j].senders, "..."))
			snprintf(a[j].senders + len, sizeof(a[j].senders) - len,
				 ", ...");
		a[j].nsenders++;
	}
	*n_r = k;
	return a;
}

/*
 * cmd_usage - smsctl usage [--cycle YYYY-MM] [--sender ADDR]
 * [--account NAME] [--json]: per account, the monthly fee once
 */
int
cmd_usage(const struct smsctl *ctl, int argc, char **argv)
{
	const char *cycle = NULL, *sender = NULL, *account = NULL;
	bool json = is_json(&argc, argv);
	struct store_usage *u;
	struct account_use *acc = NULL;
	struct store_error err;
	struct ctl_env env;
	char of[256];
	unsigned n, na = 0, i;
	int a, rc;

	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--cycle") == 0)
			cycle = argv[a + 1];
		else if (strcmp(argv[a], "--sender") == 0)
			sender = argv[a + 1];
		else if (strcmp(argv[a], "--account") == 0)
			account = argv[a + 1];
		else
			break;
	}
	if (a != argc || (cycle && (strlen(cycle) != 7 || cycle[4] != '-' ||
				    strspn(cycle, "0123456789-") != 7))) {
		fprintf(stderr, "usage: smsctl usage [--cycle YYYY-MM] "
				"[--sender ADDR] [--account NAME] [--json]\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (sender) {
		/* the sender's account, with all its senders */
		policy_account(env.conf, sender, of, sizeof(of));
		account = of;
	}
	rc = store_rc("usage",
		      store_usage(env.store, cycle, NULL, &u, &n, &err), &err);
	if (rc == 0) {
		acc = by_account(env.conf, u, n, account, &na);
		free(u);
		if (!acc) {
			fprintf(stderr, "smsctl usage: out of memory\n");
			rc = 1;
		}
	}
	if (rc == 0 && json) {
		json_t *arr = json_array();

		for (i = 0; i < na; i++) {
			long long c = cost(env.conf, acc[i].segments);
			char amount[32];

			snprintf(amount, sizeof(amount), "%lld.%02lld",
				 (c + 50) / 10000, (c + 50) / 100 % 100);
			json_array_append_new(
			    arr,
			    json_pack(
				"{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s}",
				"cycle", acc[i].cycle, "account",
				acc[i].account, "senders", acc[i].senders,
				"nsenders", (int)acc[i].nsenders, "messages",
				(int)acc[i].messages, "segments",
				(int)acc[i].segments, "cost", amount,
				"currency", env.conf->price_currency));
		}
		rc = ctl_json_print(json_pack("{s:o}", "usage", arr));
	} else if (rc == 0) {
		printf("%-7s %8s %8s %12s  %s\n", "CYCLE", "MESSAGES",
		       "SEGMENTS", "COST", "ACCOUNT");
		for (i = 0; i < na; i++) {
			long long c = cost(env.conf, acc[i].segments);

			printf("%-7s %8u %8u %8lld.%02lld %s  %s", acc[i].cycle,
			       acc[i].messages, acc[i].segments,
			       (c + 50) / 10000, (c + 50) / 100 % 100,
			       env.conf->price_currency, acc[i].account);
			if (acc[i].others)
				printf(" (%s)", acc[i].senders);
			printf("\n");
		}
	}
	free(acc);
	ctl_close(&env);
	return rc;
}
