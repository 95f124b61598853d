/*
 * NAME
 *	cmd_config - smsctl config: check, sample, man-keys
 * SYNOPSIS
 *	smsctl [-c FILE] config check [FILE]
 *	smsctl config sample
 *	smsctl config man-keys
 * DESCRIPTION
 *	check reads the configuration (FILE, else -c FILE, else the
 *	default path), reports every problem and exits 1, or prints the
 *	effective configuration with secrets masked, and on stderr what
 *	works but deserves a look (such as SmtpTls required, which does
 *	not verify the relay). sample prints the
 *	sample smsmilter.conf and man-keys the KEYS section of
 *	smsmilter.conf(5), both from the key table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "tools/smsctl_int.h"

/* cmd_config - smsctl config */
int
cmd_config(const struct smsctl *ctl, int argc, char **argv)
{
	const char *path = ctl->config;
	struct conf *c;
	char *errors;

	if (argc >= 2 && strcmp(argv[1], "sample") == 0 && argc == 2) {
		conf_write_sample(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc >= 2 && strcmp(argv[1], "man-keys") == 0 && argc == 2) {
		conf_write_man_keys(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0 || argc > 3) {
		fprintf(stderr, "usage: smsctl [-c FILE] config check [FILE]\n"
				"       smsctl config sample\n");
		return EXIT_USAGE;
	}
	if (argc == 3)
		path = argv[2];
	c = conf_load(path, &errors);
	if (!c) {
		fputs(errors, stderr);
		free(errors);
		return 1;
	}
	if (c->warnings)
		fputs(c->warnings, stderr);
	conf_print(c, stdout);
	conf_free(&c);
	return fflush(stdout) == 0 ? 0 : 1;
}
