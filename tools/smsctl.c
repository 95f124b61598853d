/*
 * NAME
 *	smsctl - command line for smsmilter's store, config and SMS rules
 * SYNOPSIS
 *	smsctl COMMAND [ARGS...]
 * DESCRIPTION
 *	Dispatches to one command; see smsctl(1).
 */
#include <stdio.h>
#include <string.h>

#include "tools/smsctl_int.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *summary;
} commands[] = {
    {"segments", cmd_segments,
     "[--no-smart] [--json] [TEXT]   SMS segment calculator"},
};

/* usage - list the commands */
static int
usage(FILE *fp, int status)
{
	size_t i;

	fprintf(fp, "usage: smsctl COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nSee smsctl(1).\n");
	return status;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage(stdout, 0);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "smsctl: unknown command \"%s\"\n", argv[1]);
	return usage(stderr, EXIT_USAGE);
}
