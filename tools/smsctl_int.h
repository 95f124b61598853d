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

#include <stdint.h>

#define EXIT_USAGE 2

/* Options before the command. */
struct smsctl {
	const char *config; /* -c FILE, or the default path */
};

/* cmd_segments - smsctl segments: the SMS segment calculator */
int cmd_segments(const struct smsctl *ctl, int argc, char **argv);

/* cmd_config - smsctl config check|sample|man-keys */
int cmd_config(const struct smsctl *ctl, int argc, char **argv);

/* cmd_render - smsctl render: what the milter would text for a mail */
int cmd_render(const struct smsctl *ctl, int argc, char **argv);

/*
 * cmd_queue, cmd_history, cmd_delete, cmd_purge, cmd_vacuum, cmd_threads
 * (cmd_store.c)
 */
int cmd_queue(const struct smsctl *ctl, int argc, char **argv);
int cmd_history(const struct smsctl *ctl, int argc, char **argv);
int cmd_delete(const struct smsctl *ctl, int argc, char **argv);
int cmd_purge(const struct smsctl *ctl, int argc, char **argv);
int cmd_vacuum(const struct smsctl *ctl, int argc, char **argv);
int cmd_store(const struct smsctl *ctl, int argc, char **argv);
int cmd_threads(const struct smsctl *ctl, int argc, char **argv);

/* cmd_contacts, cmd_groups, cmd_optout, cmd_usage (cmd_people.c) */
int cmd_contacts(const struct smsctl *ctl, int argc, char **argv);
int cmd_groups(const struct smsctl *ctl, int argc, char **argv);
int cmd_optout(const struct smsctl *ctl, int argc, char **argv);

/* cmd_leases - SenderPool leases: list, release (cmd_pool.c) */
int cmd_leases(const struct smsctl *ctl, int argc, char **argv);

/* cmd_numbers - our numbers, their leases and traffic (cmd_pool.c) */
int cmd_numbers(const struct smsctl *ctl, int argc, char **argv);
int cmd_usage(const struct smsctl *ctl, int argc, char **argv);

/* cmd_send - smsctl send: queue a text as the milter would */
int cmd_send(const struct smsctl *ctl, int argc, char **argv);

/* cmd_undelivered - smsctl undelivered: mail the relay refused */
int cmd_undelivered(const struct smsctl *ctl, int argc, char **argv);

/* cmd_tag - smsctl tag: a thread's tag and reply address */
int cmd_tag(const struct smsctl *ctl, int argc, char **argv);

/* cmd_apikey - smsctl apikey: keys of the send API (cmd_apikey.c) */
int cmd_apikey(const struct smsctl *ctl, int argc, char **argv);

/* cmd_hooks - smsctl hooks: event hooks pending, delivered, failed; retry */
int cmd_hooks(const struct smsctl *ctl, int argc, char **argv);

/* cmd_media - smsctl media: files served at texts' links; list, delete */
int cmd_media(const struct smsctl *ctl, int argc, char **argv);

/*
 * Shared by the commands that use the store (common.c).
 */
struct conf;
struct store;

/* An open configuration and store; close with ctl_close. */
struct ctl_env {
	struct conf *conf;
	struct store *store;
};

/* ctl_open - load the configuration and open its store; 0, or 1 (said) */
int ctl_open(const struct smsctl *ctl, struct ctl_env *env);

/* ctl_close - close what ctl_open opened */
void ctl_close(struct ctl_env *env);

/* ctl_time - "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (UTC) or "@EPOCH" */
int ctl_time(const char *s, int64_t *t_r);

/* ctl_format_time - t as "YYYY-MM-DD HH:MM:SS" UTC */
void ctl_format_time(int64_t t, char out[20]);

/* ctl_number - a phone number in E.164 by the configuration's rules */
int ctl_number(const struct ctl_env *env, const char *in, char out[20]);

/*
 * ctl_phone_or_contact - a phone number (E.164 by the configuration's
 * rules) or the number of a contact of that name
 */
int ctl_phone_or_contact(const struct ctl_env *env, const char *in,
			 char out[20]);

/* ctl_name - a contact or group name: 1-64 of a-z 0-9 . _ - */
int ctl_name(const char *kind, const char *name);

/* ctl_json_print - print a jansson value on one line and free it */
int ctl_json_print(void *json);

/* ctl_die_store - print a store error; the exit status for it */
int ctl_store_error(const char *cmd, const void *store_error);

#endif /* TOOLS_SMSCTL_INT_H */
