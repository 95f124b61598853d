/*
 * NAME
 *	smsctl - command line for smsmilter's store, config and SMS rules
 * SYNOPSIS
 *	smsctl [-c FILE] COMMAND [ARGS...]
 * DESCRIPTION
 *	Dispatches to one command; see smsctl(1).
 */
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "tools/smsctl_int.h"
#include "util/util.h"

static const struct {
	const char *name;
	int (*run)(const struct smsctl *, int, char **);
	const char *summary;
} commands[] = {
    {"segments", cmd_segments,
     "[--no-smart] [--json] [TEXT]   SMS segment calculator"},
    {"config", cmd_config,
     "check [FILE] | sample          check or show the configuration"},
    {"render", cmd_render,
     "[--json] [MAIL]                 what a mail would text, and cost"},
    {"queue", cmd_queue,
     "[--json]                        what waits to be sent"},
    {"undelivered", cmd_undelivered,
     "[--json]                  mail the relay refused, and why"},
    {"history", cmd_history,
     "[FILTERS] [--json]              search sent and received texts"},
    {"threads", cmd_threads, "[--owner A] [--phone N] [--json] conversations"},
    {"contacts", cmd_contacts, "add NAME NUMBER | rm NAME | list"},
    {"groups", cmd_groups, "add|rm NAME [MEMBER...] | list | members NAME"},
    {"optout", cmd_optout,
     "add NUMBER [KEYWORD] | rm NUMBER [--number OURS] | list"},
    {"usage", cmd_usage,
     "[--cycle M] [--sender A] [--account N]  cost per account"},
    {"delete", cmd_delete,
     "FILTERS [--id ID] [--limit N] [--yes] count, then delete texts"},
    {"purge", cmd_purge,
     "--before DATE                   delete finished texts"},
    {"vacuum", cmd_vacuum,
     "                         shrink the store after purge"},
    {"store", cmd_store,
     "copy --to DATABASE        copy the store (SQLite <-> PostgreSQL)"},
    {"send", cmd_send,
     "--to NUMBER [--from N|ID] [--owner A] [--notify L] [TEXT] queue a text"},
    {"numbers", cmd_numbers,
     "[--days N] [--json]             our numbers: leases, traffic"},
    {"leases", cmd_leases,
     "[--phone N] [--owner A] [--all] | release --phone N --number N"},
    {"tag", cmd_tag, "[--address] OWNER NUMBER [SENDER] a thread's reply tag"},
    {"apikey", cmd_apikey,
     "add --owner A [--name N] | list [--owner A] | revoke ID  API keys"},
    {"hooks", cmd_hooks,
     "[--state S] [--json] | retry ID | key --owner A  event hooks"},
    {"media", cmd_media,
     "list [--owner A] [--json] | delete ID  files served at links"},
};

/* usage - list the commands */
static int
usage(FILE *fp, int status)
{
	size_t i;

	fprintf(fp, "usage: smsctl [-c FILE] COMMAND [ARGS...]\n\n"
		    "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp,
		"\n-c FILE: the configuration (default %s).\n"
		"-V, --version: print the version and exit.\n"
		"See smsctl(1).\n",
		CONF_DEFAULT_PATH);
	return status;
}

int
main(int argc, char **argv)
{
	struct smsctl ctl = {CONF_DEFAULT_PATH};
	int a = 1;
	size_t i;

	while (a < argc && argv[a][0] == '-') {
		if (strcmp(argv[a], "-h") == 0 ||
		    strcmp(argv[a], "--help") == 0)
			return usage(stdout, 0);
		if (strcmp(argv[a], "-V") == 0 ||
		    strcmp(argv[a], "--version") == 0) {
			printf("smsctl %s\n", ut_version());
			return 0;
		}
		if ((strcmp(argv[a], "-c") == 0 ||
		     strcmp(argv[a], "--config") == 0) &&
		    a + 1 < argc) {
			ctl.config = argv[a + 1];
			a += 2;
			continue;
		}
		fprintf(stderr, "smsctl: unknown option \"%s\"\n", argv[a]);
		return usage(stderr, EXIT_USAGE);
	}
	if (a >= argc)
		return usage(stderr, EXIT_USAGE);
	if (strcmp(argv[a], "help") == 0)
		return usage(stdout, 0);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[a], commands[i].name) == 0)
			return commands[i].run(&ctl, argc - a, argv + a);
	fprintf(stderr, "smsctl: unknown command \"%s\"\n", argv[a]);
	return usage(stderr, EXIT_USAGE);
}
