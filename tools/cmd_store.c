/*
 * NAME
 *	cmd_store - smsctl queue, history, delete, purge, vacuum, threads
 * DESCRIPTION
 *	The message center: what is waiting, what was sent and received,
 *	searching it, deleting from it. Tables for people, --json (one
 *	object per command, on one line) for scripts.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "store/store.h"
#include "tools/smsctl_int.h"

/* Options shared by history and delete. */
struct filter_opts {
	struct store_filter f;
	char phone[20];
	char number[20];
	int64_t ids[STORE_FILTER_MAX_IDS];
	bool json, yes, contains;
};

/* parse_filter - history/delete options; 0, or an exit status */
static int
parse_filter(const char *cmd, struct ctl_env *env, int argc, char **argv,
	     struct filter_opts *o)
{
	static const struct option longopts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"until", required_argument, NULL, 'u'},
	    {"phone", required_argument, NULL, 'p'},
	    {"owner", required_argument, NULL, 'o'},
	    {"number", required_argument, NULL, 'n'},
	    {"direction", required_argument, NULL, 'd'},
	    {"state", required_argument, NULL, 't'},
	    {"text", required_argument, NULL, 'x'},
	    {"after", required_argument, NULL, 'a'},
	    {"limit", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"yes", no_argument, NULL, 'y'},
	    {"text-contains", required_argument, NULL, 'X'},
	    {"id", required_argument, NULL, 'i'},
	    {"sid", required_argument, NULL, 'S'},
	    {"external-id", required_argument, NULL, 'E'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	store_filter_init(&o->f);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			if (ctl_time(optarg, c == 's' ? &o->f.since
						      : &o->f.until) != 0) {
				fprintf(stderr,
					"smsctl %s: \"%s\" is not a date: use "
					"YYYY-MM-DD, YYYY-MM-DDTHH:MM (UTC) or "
					"@EPOCH\n",
					cmd, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (ctl_phone_or_contact(env, optarg, o->phone) != 0)
				return EXIT_USAGE;
			o->f.phone = o->phone;
			break;
		case 'n':
			if (ctl_number(env, optarg, o->number) != 0)
				return EXIT_USAGE;
			o->f.sender = o->number;
			break;
		case 'o': o->f.owner = optarg; break;
		case 'd':
			if (strcmp(optarg, "in") && strcmp(optarg, "out")) {
				fprintf(stderr,
					"smsctl %s: --direction is in or out\n",
					cmd);
				return EXIT_USAGE;
			}
			o->f.direction = optarg;
			break;
		case 't':
			o->f.state = store_state_parse(optarg);
			if (o->f.state < 0) {
				fprintf(stderr,
					"smsctl %s: unknown state \"%s\" "
					"(queued, scheduled, submitting, "
					"submitted, delivered, failed, "
					"expired, received)\n",
					cmd, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'x': o->f.text = optarg; break;
		case 'X':
			o->f.text = optarg;
			o->contains = true;
			break;
		case 'i': {
			long long v = strtoll(optarg, &end, 10);

			if (*end || end == optarg || v < 1) {
				fprintf(stderr,
					"smsctl %s: --id needs a message id "
					"(a number, as history shows), got "
					"\"%s\"\n",
					cmd, optarg);
				return EXIT_USAGE;
			}
			if (o->f.nids == STORE_FILTER_MAX_IDS) {
				fprintf(stderr,
					"smsctl %s: at most %d --id at once\n",
					cmd, STORE_FILTER_MAX_IDS);
				return EXIT_USAGE;
			}
			o->ids[o->f.nids++] = v;
			o->f.ids = o->ids;
			break;
		}
		case 'a':
		case 'l': {
			long long v = strtoll(optarg, &end, 10);

			if (*end || end == optarg || v < 0 ||
			    (c == 'l' && (v < 1 || v > 100000))) {
				fprintf(stderr,
					"smsctl %s: --%s needs a number, got "
					"\"%s\"\n",
					cmd, c == 'a' ? "after" : "limit",
					optarg);
				return EXIT_USAGE;
			}
			if (c == 'a')
				o->f.after_id = v;
			else
				o->f.limit = (unsigned)v;
			break;
		}
		case 'S': o->f.sid = optarg; break;
		case 'E': o->f.external_id = optarg; break;
		case 'j': o->json = true; break;
		case 'y': o->yes = true; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "smsctl %s: unexpected \"%s\"\n", cmd,
			argv[optind]);
		return EXIT_USAGE;
	}
	/* history searches; delete takes the whole text unless told */
	o->f.text_exact = strcmp(cmd, "delete") == 0 && !o->contains;
	return 0;
}

/* message_json - one message as an object */
static json_t *
message_json(const struct store_message *m)
{
	json_t *o = json_pack(
	    "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:s}",
	    "id", (json_int_t)m->id, "thread", (json_int_t)m->thread_id,
	    "direction", m->direction, "owner", m->owner, "phone", m->phone,
	    "sender", m->sender, "state", store_state_name(m->state),
	    "segments", (int)m->segments, "attempts", (int)m->attempts,
	    "created", (json_int_t)m->created, "updated",
	    (json_int_t)m->updated, "due", (json_int_t)m->due, "text", m->text);

	if (o && m->sid[0])
		json_object_set_new(o, "sid", json_string(m->sid));
	if (o && m->external_id[0])
		json_object_set_new(o, "external_id",
				    json_string(m->external_id));
	if (o && m->error[0])
		json_object_set_new(o, "error", json_string(m->error));
	if (o && m->reason[0])
		json_object_set_new(o, "reason", json_string(m->reason));
	return o;
}

/* print_messages - a table, one line a message */
static void
print_messages(const struct store_message *m, unsigned n)
{
	unsigned i;

	printf("%-6s %-19s %-3s %-16s %-16s %-10s %3s  %s\n", "ID",
	       "CREATED (UTC)", "DIR", "PHONE", "OUR NUMBER", "STATE", "SEG",
	       "TEXT");
	for (i = 0; i < n; i++) {
		char when[20], text[48];
		size_t k, len = strlen(m[i].text), cut;

		ctl_format_time(m[i].created, when);
		/* cut on a character boundary, never inside UTF-8 */
		cut = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
		while (cut < len && cut > 0 &&
		       ((unsigned char)m[i].text[cut] & 0xC0) == 0x80)
			cut--;
		memcpy(text, m[i].text, cut);
		text[cut] = '\0';
		for (k = 0; text[k]; k++)
			if (text[k] == '\n' || text[k] == '\r' ||
			    text[k] == '\t')
				text[k] = ' ';
		printf("%-6lld %-19s %-3s %-16s %-16s %-10s %3u  %s%s\n",
		       (long long)m[i].id, when, m[i].direction, m[i].phone,
		       m[i].sender, store_state_name(m[i].state), m[i].segments,
		       text, cut < len ? "..." : "");
		if (m[i].reason[0])
			printf("%-6s %s%s%s\n", "", m[i].reason,
			       m[i].error[0] ? " (error " : "",
			       m[i].error[0] ? m[i].error : "");
	}
}

/* cmd_history - smsctl history */
int
cmd_history(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_message *m;
	struct store_error err;
	struct filter_opts o;
	struct ctl_env env;
	unsigned n, i;
	int rc;

	if (ctl_open(ctl, &env) != 0)
		return 1;
	rc = parse_filter("history", &env, argc, argv, &o);
	if (rc == 0 && store_history(env.store, &o.f, &m, &n, &err) != STORE_OK)
		rc = ctl_store_error("history", &err);
	if (rc == 0 && o.json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, message_json(&m[i]));
		rc = ctl_json_print(
		    json_pack("{s:o, s:I}", "messages", a, "next_after",
			      (json_int_t)(n ? m[n - 1].id : 0)));
	} else if (rc == 0) {
		print_messages(m, n);
		if (n == (o.f.limit ? o.f.limit : 100))
			printf("(more: --after %lld)\n",
			       (long long)m[n - 1].id);
	}
	if (rc == 0)
		store_messages_free(&m, n);
	ctl_close(&env);
	return rc;
}

/* cmd_delete - smsctl delete FILTERS [--limit N] [--yes] */
int
cmd_delete(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_error err;
	struct filter_opts o;
	struct ctl_env env;
	unsigned n = 0;
	int rc, st;

	if (ctl_open(ctl, &env) != 0)
		return 1;
	rc = parse_filter("delete", &env, argc, argv, &o);
	if (rc == 0 && o.f.after_id) {
		fprintf(stderr, "smsctl delete: --after pages history; give "
				"--id or --limit to delete\n");
		rc = EXIT_USAGE;
	}
	if (rc == 0) {
		st = o.yes ? store_delete(env.store, &o.f, &n, &err)
			   : store_delete_count(env.store, &o.f, &n, &err);
		if (st == STORE_EPERM) {
			fprintf(stderr, "smsctl delete: %s\n", err.msg);
			rc = EXIT_USAGE;
		} else if (st != STORE_OK) {
			rc = ctl_store_error("delete", &err);
		}
	}
	if (rc == 0 && o.json)
		rc = ctl_json_print(
		    json_pack("{s:i}", o.yes ? "deleted" : "matching", (int)n));
	else if (rc == 0 && o.yes)
		printf("deleted %u messages\n", n);
	else if (rc == 0)
		printf("%u texts match; add --yes to delete them (see them "
		       "first with smsctl history)\n",
		       n);
	ctl_close(&env);
	return rc;
}

/* cmd_vacuum - smsctl vacuum: give deleted rows' space back */
int
cmd_vacuum(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_error err;
	struct ctl_env env;
	int64_t before, after;
	int rc = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: smsctl vacuum\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (store_vacuum(env.store, &before, &after, &err) != STORE_OK)
		rc = ctl_store_error("vacuum", &err);
	else
		printf("vacuumed the store: %lld bytes before, %lld after\n",
		       (long long)before, (long long)after);
	ctl_close(&env);
	return rc;
}

/* copied - one table checked: say so */
static void
copied(void *arg, const char *table, uint64_t rows)
{
	(void)arg;
	printf("%-20s %10llu rows, checked\n", table, (unsigned long long)rows);
}

/*
 * cmd_store - smsctl store copy --to DATABASE: the configured store's
 * rows into another, empty, store (a file or a postgresql:// URI),
 * checked row for row
 */
int
cmd_store(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_error err;
	struct ctl_env env;
	struct store *to;
	const char *target = NULL;
	char name[512];
	int rc = 0, i;

	for (i = 2; i + 1 < argc && !strcmp(argv[i], "--to"); i += 2)
		target = argv[i + 1];
	if (argc < 2 || strcmp(argv[1], "copy") || !target || i != argc) {
		fprintf(stderr, "usage: smsctl store copy --to DATABASE\n"
				"  DATABASE: an empty store, a file or "
				"postgresql://USER@HOST/DB?passfile=FILE\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	to = store_open(target, STORE_SYNC_FULL, &err);
	if (!to) {
		rc = ctl_store_error("store copy", &err);
		ctl_close(&env);
		return rc;
	}
	printf("copying %s to %s\n", store_name(env.store),
	       store_display(target, name, sizeof(name)));
	if (store_copy(env.store, to, copied, NULL, &err) != STORE_OK)
		rc = ctl_store_error("store copy", &err);
	else
		printf("copied: every row of every table is the same in "
		       "both stores\n");
	store_close(&to);
	ctl_close(&env);
	return rc;
}

/* cmd_purge - smsctl purge --before DATE */
int
cmd_purge(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_error err;
	struct ctl_env env;
	int64_t before;
	unsigned n;
	int rc = 0;

	if (argc != 3 || strcmp(argv[1], "--before") != 0) {
		fprintf(stderr, "usage: smsctl purge --before DATE\n");
		return EXIT_USAGE;
	}
	if (ctl_time(argv[2], &before) != 0) {
		fprintf(stderr,
			"smsctl purge: \"%s\" is not a date: use YYYY-MM-DD, "
			"YYYY-MM-DDTHH:MM (UTC) or @EPOCH\n",
			argv[2]);
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (store_purge(env.store, before, &n, &err) != STORE_OK)
		rc = ctl_store_error("purge", &err);
	else
		printf("purged %u finished messages created before %s\n", n,
		       argv[2]);
	ctl_close(&env);
	return rc;
}

/*
 * inbox_count - what smsgw's inbox holds: texts from phones answered,
 * not yet mailed; false when this host has no inbox (or it cannot be
 * read: said on stderr)
 */
static bool
inbox_count(const struct conf *c, unsigned *n_r, int64_t *oldest_r,
	    unsigned *held_r)
{
	struct store_error err;
	struct store *in;
	char path[4096];
	int rc;

	*n_r = 0;
	*oldest_r = 0;
	*held_r = 0;
	conf_inbox_path(c, path, sizeof(path));
	if (access(path, F_OK) != 0)
		return false;
	if (!(in = store_open(path, STORE_SYNC_NORMAL, &err))) {
		fprintf(stderr, "smsctl: inbox %s: %s\n", path, err.msg);
		return false;
	}
	rc = store_inbox_count(in, n_r, oldest_r, held_r, &err);
	if (rc != STORE_OK)
		fprintf(stderr, "smsctl: inbox %s: %s\n", path, err.msg);
	store_close(&in);
	return rc == STORE_OK;
}

/* cmd_queue - smsctl queue [--json]: counts, then what waits */
int
cmd_queue(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_message *m = NULL;
	struct store_counts c;
	struct store_error err;
	struct store_filter f;
	struct ctl_env env;
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0, inbox;
	unsigned n = 0, i, state, in_n, in_held;
	int64_t in_oldest;
	int rc = 0;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "usage: smsctl queue [--json]\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (store_counts(env.store, &c, &err) != STORE_OK) {
		ctl_close(&env);
		return ctl_store_error("queue", &err);
	}
	inbox = inbox_count(env.conf, &in_n, &in_oldest, &in_held);
	if (json) {
		json_t *counts = json_object(), *waiting = json_array();

		for (state = STORE_QUEUED; state <= STORE_STATE_LAST; state++)
			json_object_set_new(
			    counts, store_state_name((enum store_state)state),
			    json_integer(c.n[state]));
		for (state = STORE_QUEUED; state <= STORE_SUBMITTING; state++) {
			store_filter_init(&f);
			f.state = (int)state;
			if (store_history(env.store, &f, &m, &n, &err) !=
			    STORE_OK) {
				rc = ctl_store_error("queue", &err);
				break;
			}
			for (i = 0; i < n; i++)
				json_array_append_new(waiting,
						      message_json(&m[i]));
			store_messages_free(&m, n);
		}
		if (inbox) {
			json_object_set_new(counts, "inbox",
					    json_integer(in_n));
			json_object_set_new(counts, "inbox_held",
					    json_integer(in_held));
		}
		rc = rc ? rc
			: ctl_json_print(json_pack(
			      "{s:o, s:I, s:o}", "counts", counts, "oldest_due",
			      (json_int_t)c.oldest_due, "waiting", waiting));
		ctl_close(&env);
		return rc;
	}
	for (state = STORE_QUEUED; state <= STORE_STATE_LAST; state++)
		printf("%-11s %u\n", store_state_name((enum store_state)state),
		       c.n[state]);
	if (c.oldest_due) {
		char when[20];

		ctl_format_time(c.oldest_due, when);
		printf("oldest due  %s UTC\n", when);
	}
	if (inbox) {
		char when[20];

		printf("inbox       %u texts from phones answered, not yet "
		       "mailed\n",
		       in_n);
		if (in_oldest) {
			ctl_format_time(in_oldest, when);
			printf("oldest in   %s UTC\n", when);
		}
		if (in_held)
			printf("held        %u texts from phones the store "
			       "refused again and again (smsgw's log says "
			       "why; tried again when it starts)\n",
			       in_held);
	}
	for (state = STORE_QUEUED; state <= STORE_SUBMITTING; state++) {
		store_filter_init(&f);
		f.state = (int)state;
		if (store_history(env.store, &f, &m, &n, &err) != STORE_OK) {
			rc = ctl_store_error("queue", &err);
			break;
		}
		if (n) {
			printf("\n");
			print_messages(m, n);
		}
		store_messages_free(&m, n);
	}
	ctl_close(&env);
	return rc;
}

/* cmd_threads - smsctl threads [--owner ADDR] [--phone NUM] [--json] */
int
cmd_threads(const struct smsctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"owner", required_argument, NULL, 'o'},
	    {"phone", required_argument, NULL, 'p'},
	    {"limit", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	struct store_thread *t;
	struct store_error err;
	struct ctl_env env;
	const char *owner = NULL;
	char phone[20] = "";
	unsigned n, i, limit = 0;
	bool json = false;
	int c, rc = 0;

	if (ctl_open(ctl, &env) != 0)
		return 1;
	optind = 1;
	while (rc == 0 &&
	       (c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': owner = optarg; break;
		case 'p':
			if (ctl_number(&env, optarg, phone) != 0)
				rc = EXIT_USAGE;
			break;
		case 'l': limit = (unsigned)atoi(optarg); break;
		case 'j': json = true; break;
		default: rc = EXIT_USAGE;
		}
	}
	if (rc == 0 && store_threads(env.store, owner, phone[0] ? phone : NULL,
				     limit, &t, &n, &err) != STORE_OK)
		rc = ctl_store_error("threads", &err);
	if (rc == 0 && json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(
			    a,
			    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, "
				      "s:I, s:i}",
				      "id", (json_int_t)t[i].id, "owner",
				      t[i].owner, "phone", t[i].phone, "sender",
				      t[i].sender, "tag", t[i].tag, "subject",
				      t[i].subject, "created",
				      (json_int_t)t[i].created, "last_active",
				      (json_int_t)t[i].last_active, "messages",
				      (int)t[i].messages));
		rc = ctl_json_print(json_pack("{s:o}", "threads", a));
	} else if (rc == 0) {
		printf("%-5s %-19s %-16s %-12s %4s  %s\n", "ID", "ACTIVE (UTC)",
		       "PHONE", "TAG", "MSGS", "OWNER");
		for (i = 0; i < n; i++) {
			char when[20];

			ctl_format_time(t[i].last_active, when);
			printf("%-5lld %-19s %-16s %-12s %4u  %s\n",
			       (long long)t[i].id, when, t[i].phone, t[i].tag,
			       t[i].messages, t[i].owner);
		}
	}
	if (rc == 0)
		free(t);
	ctl_close(&env);
	return rc;
}
