/*
 * NAME
 *	cmd_media - smsctl media: the files served at texts' links
 * SYNOPSIS
 *	smsctl [-c FILE] media list [--owner ADDR] [--json]
 *	smsctl [-c FILE] media delete ID [--owner ADDR]
 * DESCRIPTION
 *	list shows each kept file: its public id, size, type, when it
 *	expires, its owner, the text it went with, its name and its link
 *	(made again from MediaBaseUrl and TagSecret, as the text has it).
 *	delete deletes a file at once: its link answers 404 from then on.
 *	smsgw deletes files whose MediaLifetime ended by itself.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "tools/smsctl_int.h"

/* usage - the synopsis, on standard error; EXIT_USAGE */
static int
usage(void)
{
	fprintf(stderr, "usage: smsctl [-c FILE] media list [--owner ADDR] "
			"[--json]\n"
			"       smsctl [-c FILE] media delete ID [--owner "
			"ADDR]\n");
	return EXIT_USAGE;
}

/* link_of - the link of file m, or "" when MediaBaseUrl is unset */
static void
link_of(const struct conf *c, const struct store_media *m, char *out,
	size_t size)
{
	out[0] = '\0';
	if (c->media_base_url && *c->media_base_url &&
	    !policy_media_url(c->tag_secret, c->media_base_url, m->mid,
			      m->expires, m->filename, m->content_type, out,
			      size))
		out[0] = '\0';
}

/* media_list - the files, of owner or all */
static int
media_list(struct ctl_env *env, const char *owner_arg, bool json)
{
	struct store_media *m = NULL;
	struct store_error err;
	char owner[256], exp[20], url[POLICY_MEDIA_URL_MAX];
	unsigned n = 0, i;

	if (owner_arg)
		policy_owner(env->conf, owner_arg, owner, sizeof(owner));
	if (store_media_list(env->store, owner_arg ? owner : NULL, &m, &n,
			     &err) != STORE_OK)
		return ctl_store_error("media list", &err);
	if (json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			link_of(env->conf, &m[i], url, sizeof(url));
			json_array_append_new(
			    arr,
			    json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:I, "
				      "s:I, s:s}",
				      "id", m[i].mid, "owner", m[i].owner,
				      "message_id", (json_int_t)m[i].message_id,
				      "filename", m[i].filename, "content_type",
				      m[i].content_type, "size",
				      (json_int_t)m[i].size, "created",
				      (json_int_t)m[i].created, "expires",
				      (json_int_t)m[i].expires, "url", url));
		}
		free(m);
		return ctl_json_print(json_pack("{s:o}", "media", arr));
	}
	printf("%-10s %9s  %-19s  %-24s %-8s %s\n", "ID", "BYTES",
	       "EXPIRES (UTC)", "TYPE", "TEXT", "OWNER NAME LINK");
	for (i = 0; i < n; i++) {
		ctl_format_time(m[i].expires, exp);
		link_of(env->conf, &m[i], url, sizeof(url));
		printf("%-10s %9lld  %-19s  %-24.24s %-8lld %s %s %s\n",
		       m[i].mid, (long long)m[i].size, exp, m[i].content_type,
		       (long long)m[i].message_id, m[i].owner,
		       m[i].filename[0] ? m[i].filename : "-",
		       url[0] ? url : "-");
	}
	free(m);
	return 0;
}

/* media_delete - delete file id (of owner_arg) */
static int
media_delete(struct ctl_env *env, const char *id, const char *owner_arg)
{
	struct store_error err;
	char owner[256];

	if (strlen(id) != STORE_MEDIA_ID_LEN) {
		fprintf(stderr,
			"smsctl media delete: \"%s\" is not a file's id (the "
			"ID column of smsctl media list)\n",
			id);
		return EXIT_USAGE;
	}
	if (owner_arg)
		policy_owner(env->conf, owner_arg, owner, sizeof(owner));
	if (store_media_delete(env->store, id, owner_arg ? owner : NULL,
			       &err) != STORE_OK)
		return ctl_store_error("media delete", &err);
	printf("deleted file %s: its link answers 404 from now on\n", id);
	return 0;
}

/* cmd_media - smsctl media list|delete */
int
cmd_media(const struct smsctl *ctl, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "", *owner = NULL, *id = NULL;
	struct ctl_env env;
	bool json = false;
	int a, rc;

	if (strcmp(sub, "list") && strcmp(sub, "delete"))
		return usage();
	for (a = 2; a < argc; a++) {
		if (!strcmp(argv[a], "--owner") && a + 1 < argc)
			owner = argv[++a];
		else if (!strcmp(argv[a], "--json") && !strcmp(sub, "list"))
			json = true;
		else if (!strcmp(sub, "delete") && !id && argv[a][0] != '-')
			id = argv[a];
		else
			break;
	}
	if (a < argc || (!strcmp(sub, "delete") && !id))
		return usage();
	if (ctl_open(ctl, &env) != 0)
		return 1;
	if (!strcmp(sub, "list"))
		rc = media_list(&env, owner, json);
	else
		rc = media_delete(&env, id, owner);
	ctl_close(&env);
	return rc;
}
