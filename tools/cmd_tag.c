/*
 * NAME
 *	cmd_tag - smsctl tag: a thread's tag and reply address
 * SYNOPSIS
 *	smsctl [-c FILE] tag [--address] OWNER NUMBER [SENDER]
 * DESCRIPTION
 *	Prints the tag smsmilter gives the thread of OWNER (a mailbox,
 *	OwnerAliases applied) with NUMBER, texting from SENDER (default:
 *	the owner's number from SenderNumbers, else DefaultSender); with
 *	--address, the reply address NUMBER+TAG@first-SmsDomain instead.
 *	For admins answering "why was my reply refused?" and for tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "policy/policy.h"
#include "tools/smsctl_int.h"

/* cmd_tag - smsctl tag */
int
cmd_tag(const struct smsctl *ctl, int argc, char **argv)
{
	struct sms_phone_rules rules;
	struct sms_number num;
	struct sms_error serr;
	char owner[256], tag[POLICY_TAG_LEN + 1], *errors;
	const char *sender;
	struct conf *c;
	bool address = false;
	int a = 1;

	if (a < argc && strcmp(argv[a], "--address") == 0) {
		address = true;
		a++;
	}
	if (argc - a < 2 || argc - a > 3) {
		fprintf(stderr, "usage: smsctl [-c FILE] tag [--address] OWNER "
				"NUMBER [SENDER]\n");
		return EXIT_USAGE;
	}
	c = conf_load(ctl->config, &errors);
	if (!c) {
		fputs(errors, stderr);
		free(errors);
		return 1;
	}
	policy_phone_rules(c, POLICY_ANY, &rules);
	if (sms_phone_parse(argv[a + 1], &rules, &num, &serr) != SMS_OK) {
		fprintf(stderr, "smsctl tag: %s: %s\n", argv[a + 1], serr.msg);
		conf_free(&c);
		return 1;
	}
	policy_owner(c, argv[a], owner, sizeof(owner));
	sender = argc - a == 3 ? argv[a + 2] : policy_sender_number(c, owner);
	policy_tag(c->tag_secret, owner, num.e164, sender, tag);
	if (address)
		printf("%s+%s@%s\n", num.e164 + 1, tag, c->sms_domains.v[0]);
	else
		printf("%s\n", tag);
	conf_free(&c);
	return 0;
}
