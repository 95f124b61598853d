/*
 * NAME
 *	smsctl_int - commands of smsctl
 * DESCRIPTION
 *	Each command is a function taking the arguments after its name
 *	and returning the process exit status: 0 success, 1 failure,
 *	2 bad usage or bad input.
 */
#ifndef TOOLS_SMSCTL_INT_H
#define TOOLS_SMSCTL_INT_H

#define EXIT_USAGE 2

/* Options before the command. */
struct smsctl {
	const char *config; /* -c FILE, or the default path */
};

/* cmd_segments - smsctl segments: the SMS segment calculator */
int cmd_segments(const struct smsctl *ctl, int argc, char **argv);

/* cmd_config - smsctl config check|sample|man-keys */
int cmd_config(const struct smsctl *ctl, int argc, char **argv);

#endif /* TOOLS_SMSCTL_INT_H */
