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

/* limits - the checks the milter makes at RCPT; 0, or 1 (said) */
static int
limits(const struct ctl_env *env, const char *owner, const char *phone,
       unsigned segments)
{
	struct policy_verdict v;
	struct store_error err;
	int64_t now = (int64_t)time(NULL);
	bool out;

	if (policy_phone_ok(env->conf, env->store, phone, now, &out, &v,
			    &err) &&
	    policy_quota_ok(env->conf, env->store, owner, segments, now, &v,
			    &err))
		return 0;
	fprintf(stderr, "smsctl send: %s\n",
		!strcmp(v.xcode, "4.3.0") ? err.msg : v.text);
	return 1;
}

/* cmd_send - smsctl send */
int
cmd_send(const struct smsctl *ctl, int argc, char **argv)
{
	const char *to = NULL, *from = NULL, *owner_arg = NULL, *text = NULL;
	unsigned notify = STORE_NOTIFY_FAILURE;
	struct policy_plan_opts po;
	struct policy_verdict v;
	struct ctl_env env;
	struct store_error err;
	struct sms_error serr;
	struct sms_plan *p = NULL;
	char phone[20], owner[256], tag[POLICY_TAG_LEN + 1], idem[64],
	    chosen[40];
	char *input = NULL;
	bool json = false, truncated;
	int64_t id, thread, now = (int64_t)time(NULL);
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
	if (!policy_number(env.conf, to, NULL, phone, &v)) {
		fprintf(stderr, "smsctl send: %s\n", v.text);
		goto done;
	}
	if (owner_arg)
		policy_owner(env.conf, owner_arg, owner, sizeof(owner));
	if (from && sms_sender_classify(from, &serr) == SMS_SENDER_INVALID) {
		fprintf(stderr, "smsctl send: --from %s: %s\n", from, serr.msg);
		goto done;
	}
	/* the milter's choice, but --from may be any sender: the operator's */
	switch (
	    policy_sender_for(env.conf, owner, from, true, phone, chosen, &v)) {
	case POLICY_FROM_NONE:
		fprintf(stderr, "smsctl send: %s\n", v.text);
		goto done;
	case POLICY_FROM_FIXED: from = chosen; break;
	case POLICY_FROM_POOL:
		/* the conversation's pool number, leased now */
		if (!policy_pool_sender(env.conf, env.store, owner, phone, now,
					chosen, &v, &err)) {
			fprintf(stderr, "smsctl send: %s\n",
				!strcmp(v.xcode, "4.3.0") ? err.msg : v.text);
			goto done;
		}
		from = chosen;
		break;
	}
	if (!text && !(text = input = read_text()))
		goto done;
	policy_plan_opts(env.conf, &po);
	p = policy_plan(&po, text, &truncated, &v);
	if (!p) {
		fprintf(stderr, "smsctl send: %s\n", v.text);
		goto done;
	}
	if (limits(&env, owner, phone, p->nparts) != 0)
		goto done;
	policy_tag(env.conf->tag_secret, owner, phone, from, tag);
	snprintf(idem, sizeof(idem), "smsctl-%lld-%ld-%u", (long long)now,
		 (long)getpid(), (unsigned)rand());
	{
		struct store_outbound m = {
		    .owner = owner,
		    .phone = phone,
		    .sender = from,
		    .tag = tag,
		    .envelope_from = owner,
		    .idem_key = idem,
		    .notify = notify,
		    .text = p->text,
		    .encoding = p->encoding == SMS_UCS2 ? 8 : 0,
		    .segments = p->nparts,
		    .rate_window = env.conf->recipient_rate.count > 0
				       ? env.conf->recipient_rate.seconds
				       : 0,
		};

		if (store_enqueue(env.store, &m, now, &id, &thread, &err) !=
		    STORE_OK) {
			fprintf(stderr, "smsctl send: %s\n", err.msg);
			goto done;
		}
	}
	if (json)
		printf("{\"id\":%lld,\"thread\":%lld,\"tag\":\"%s\","
		       "\"segments\":%u,\"encoding\":\"%s\"}\n",
		       (long long)id, (long long)thread, tag, p->nparts,
		       sms_encoding_name(p->encoding));
	else
		printf("queued %lld: %u segment%s, %s, to %s from %s\n",
		       (long long)id, p->nparts, p->nparts == 1 ? "" : "s",
		       sms_encoding_name(p->encoding), phone, from);
	rc = 0;
done:
	sms_plan_free(&p);
	free(input);
	ctl_close(&env);
	return rc;
}
