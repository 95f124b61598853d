/*
 * NAME
 *	cmd_send - smsctl send: queue a text as the milter would
 * SYNOPSIS
 *	smsctl [-c FILE] send --to NUMBER [--from NUMBER|ID] [--owner ADDR]
 *	    [--notify never|success,failure] [--json] [TEXT]
 * DESCRIPTION
 *	TEXT (or standard input) is planned with the configured smart
 *	encoding and segment cap, checked against the number rules,
 *	opt-outs, the per-recipient rate and the owner's quota, and queued
 *	in the owner's thread (default owner: the user running smsctl at
 *	localhost) from --from, else the owner's SenderNumbers number,
 *	else DefaultSender. smsgw sends it, and mails the owner a delivery
 *	report as --notify says (default failure, as SMTP's NOTIFY).
 *	Prints the queue id.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "store/store.h"
#include "tools/smsctl_int.h"

/* read_text - standard input, up to 64 KiB */
static char *
read_text(void)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap + 1);

	while (buf && n < cap && (got = fread(buf + n, 1, cap - n, stdin)) > 0)
		n += got;
	if (buf) {
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		buf[n] = '\0';
	}
	return buf;
}

/* cmd_send - smsctl send */
int
cmd_send(const struct smsctl *ctl, int argc, char **argv)
{
	const char *to = NULL, *from = NULL, *owner_arg = NULL, *text = NULL;
	unsigned notify = STORE_NOTIFY_FAILURE;
	struct policy_verdict v;
	struct policy_sent sent;
	struct ctl_env env;
	char owner[256];
	char *input = NULL;
	bool json = false;
	int64_t now = (int64_t)time(NULL);
	int a, rc = 1;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--to") && a + 1 < argc)
			to = argv[++a];
		else if (!strcmp(argv[a], "--from") && a + 1 < argc)
			from = argv[++a];
		else if (!strcmp(argv[a], "--owner") && a + 1 < argc)
			owner_arg = argv[++a];
		else if (!strcmp(argv[a], "--notify") && a + 1 < argc) {
			if (policy_notify(argv[++a], &notify) != 0) {
				fprintf(stderr, "smsctl send: --notify takes "
						"never, or success, failure "
						"and delay separated by "
						"commas\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[a], "--json"))
			json = true;
		else if (argv[a][0] == '-' && argv[a][1])
			break;
		else if (!text)
			text = argv[a];
		else
			break;
	}
	if (a < argc || !to) {
		fprintf(stderr, "usage: smsctl [-c FILE] send --to NUMBER "
				"[--from NUMBER|ID] [--owner ADDR] [--json] "
				"[TEXT]\n");
		return EXIT_USAGE;
	}
	{
		/* who runs it, before ctl_open works as the store's owner */
		struct passwd *pw = getpwuid(getuid());

		snprintf(owner, sizeof(owner), "%s@localhost",
			 pw ? pw->pw_name : "root");
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (owner_arg)
		policy_owner(env.conf, owner_arg, owner, sizeof(owner));
	if (!text && !(text = input = read_text()))
		goto done;
	mp_init(); /* a recycled pool lease mails its old owner */
	{
		/* the milter's rules, but --from may be any sender: the
		   operator's */
		struct policy_send rq = {
		    .owner = owner,
		    .to = to,
		    .from = from,
		    .any_from = true,
		    .text = text,
		    .notify = notify,
		};

		if (!policy_send(env.conf, env.store, &rq, now, &sent, &v,
				 NULL)) {
			fprintf(stderr, "smsctl send: %s\n", v.text);
			goto done;
		}
	}
	if (json)
		printf("{\"id\":%lld,\"sid\":\"%s\",\"thread\":%lld,"
		       "\"tag\":\"%s\",\"segments\":%u,\"encoding\":\"%s\"}\n",
		       (long long)sent.id, sent.sid, (long long)sent.thread,
		       sent.tag, sent.segments,
		       sms_encoding_name(sent.encoding));
	else
		printf("queued %lld: %u segment%s, %s, to %s from %s\n",
		       (long long)sent.id, sent.segments,
		       sent.segments == 1 ? "" : "s",
		       sms_encoding_name(sent.encoding), sent.phone, sent.from);
	rc = 0;
done:
	free(input);
	ctl_close(&env);
	return rc;
}
