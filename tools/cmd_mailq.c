/*
 * NAME
 *	cmd_mailq - smsctl undelivered: mail the relay refused for good
 * DESCRIPTION
 *	smsgw keeps a mail the SMTP relay refused with 5xx (a text from a
 *	phone whose owner's mailbox is refused, a delivery report nobody
 *	takes) in its mail queue, failed, after sending it on to
 *	UndeliverableMailTo. This lists them with the relay's reason.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "tools/smsctl_int.h"

/* cmd_undelivered - smsctl undelivered [--json] */
int
cmd_undelivered(const struct smsctl *ctl, int argc, char **argv)
{
	struct store_mail_failed *m = NULL;
	struct store_error err;
	struct ctl_env env;
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	unsigned n = 0, i;
	int rc = 0;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "usage: smsctl undelivered [--json]\n");
		return EXIT_USAGE;
	}
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (store_mail_failed(env.store, &m, &n, &err) != STORE_OK) {
		ctl_close(&env);
		return ctl_store_error("undelivered", &err);
	}
	if (json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(
			    a, json_pack("{s:I, s:s, s:s, s:s, s:I, s:i, s:s}",
					 "mail", (json_int_t)m[i].id, "from",
					 m[i].from, "to", m[i].rcpt, "subject",
					 m[i].subject, "created",
					 (json_int_t)m[i].created, "attempts",
					 (int)m[i].attempts, "reason",
					 m[i].error));
		rc = ctl_json_print(json_pack("{s:o}", "undelivered", a));
	} else {
		for (i = 0; i < n; i++) {
			char when[20];

			ctl_format_time(m[i].created, when);
			printf("mail %lld  %s UTC  from <%s> to <%s>\n",
			       (long long)m[i].id, when, m[i].from, m[i].rcpt);
			if (m[i].subject[0])
				printf("  subject: %s\n", m[i].subject);
			printf("  reason: %s\n", m[i].error);
		}
		if (n == 0)
			printf("no undelivered mail\n");
	}
	free(m);
	ctl_close(&env);
	return rc;
}
