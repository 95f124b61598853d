/*
 * NAME
 *	cmd_render - smsctl render: what the milter would text for a mail
 * SYNOPSIS
 *	smsctl [-c FILE] render [--json] [MAIL]
 * DESCRIPTION
 *	A dry run: parses the mail (MAIL, or standard input), keeps the new
 *	words of a reply (or, for a PBX voicemail notice, "Voicemail from
 *	NUMBER (M:SS): transcription"), applies NewThreadTemplate, smart
 *	encoding and the segment cap as configured (the defaults when
 *	there is no configuration), and shows the text, its encoding and
 *	segments, and what the mail said about itself: subject, sender,
 *	Message-ID, In-Reply-To, thread tag, attachments. With
 *	MediaBaseUrl set the text ends with a link per attachment, as the
 *	milter makes them (with new ids, kept nowhere: they do not work),
 *	so that the segments shown are the ones billed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "sms/sms.h"
#include "tools/smsctl_int.h"

/* read_mail - the whole mail from path (or stdin when NULL) */
static char *
read_mail(const char *path, size_t max, size_t *len_r)
{
	FILE *fp = path ? fopen(path, "rb") : stdin;
	size_t cap = 65536, n = 0, got;
	char *buf, *nb;

	if (!fp)
		return NULL;
	buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n > max)
			break;
		if (n == cap) {
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (path)
		fclose(fp);
	if (buf && n > max) {
		free(buf);
		return NULL;
	}
	*len_r = n;
	return buf;
}

/* render_json - one object with the names scripts rely on */
static int
render_json(const struct mp_message *m, const struct sms_plan *p,
	    bool voicemail, bool truncated, const char *left_out, unsigned cost,
	    unsigned mms)
{
	json_t *att = json_array(), *o;
	size_t i;

	for (i = 0; i < m->nattachments; i++)
		json_array_append_new(
		    att, json_pack("{s:s, s:s, s:I, s:b}", "content_type",
				   m->attachments[i].content_type, "filename",
				   m->attachments[i].filename, "size",
				   (json_int_t)m->attachments[i].size, "image",
				   m->attachments[i].image));
	o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, "
		      "s:o, s:b, s:b, s:s}",
		      "text", p->text, "encoding",
		      sms_encoding_name(p->encoding), "length", (int)p->length,
		      "segments", (int)p->nparts, "cost_segments", (int)cost,
		      "subject", m->subject, "from", m->from_addr, "from_name",
		      m->from_name, "message_id", m->message_id, "in_reply_to",
		      m->in_reply_to, "attachments", att, "voicemail",
		      voicemail, "truncated", truncated, "left_out", left_out);
	if (o) {
		json_object_set_new(o, "tag", json_string(m->tag));
		json_object_set_new(o, "mms", json_integer(mms));
	}
	return ctl_json_print(o);
}

/* render_text - the report for people */
static void
render_text(const struct mp_message *m, const struct sms_plan *p,
	    bool truncated, const char *left_out, bool linked, unsigned cost,
	    unsigned mms)
{
	size_t i;

	printf("subject: %s\n", m->subject);
	printf("from: %s%s%s%s\n", m->from_name, m->from_name[0] ? " <" : "",
	       m->from_addr, m->from_name[0] ? ">" : "");
	printf("message-id: %s\n", m->message_id);
	if (m->in_reply_to[0])
		printf("in-reply-to: %s\n", m->in_reply_to);
	if (m->tag[0])
		printf("tag: %s\n", m->tag);
	for (i = 0; i < m->nattachments; i++)
		printf("attachment: %s \"%s\", %zu bytes%s\n",
		       m->attachments[i].content_type,
		       m->attachments[i].filename, m->attachments[i].size,
		       linked ? " (sent: a link, or a picture)"
			      : " (not sent)");
	printf("encoding: %s\n", sms_encoding_name(p->encoding));
	printf("segments: %u%s", cost, truncated ? " (truncated)" : "");
	if (mms)
		printf(" (%u picture%s as MMS, a segment each)", mms,
		       mms == 1 ? "" : "s");
	if (*left_out)
		printf("\nleft out: %s", left_out);
	printf("\ntext:\n%s\n", p->text);
}

/* render_conf - the configuration render applies, or NULL for defaults */
static int
render_conf(const struct smsctl *ctl, struct conf **c)
{
	char *errors;

	*c = NULL;
	if (strcmp(ctl->config, CONF_DEFAULT_PATH) == 0 &&
	    access(ctl->config, F_OK) != 0)
		return 0; /* no configuration: the defaults */
	*c = conf_load(ctl->config, &errors);
	if (!*c) {
		fputs(errors, stderr);
		free(errors);
		return 1;
	}
	return 0;
}

/* cmd_render - smsctl render */
int
cmd_render(const struct smsctl *ctl, int argc, char **argv)
{
	bool json = false;
	const char *path = NULL;
	struct policy_render_opts ro;
	struct policy_verdict v;
	struct policy_text t = {0};
	struct policy_media_set set = {0};
	char left_out[700];
	struct mp_opts opts;
	struct mp_message *m = NULL;
	struct mp_error err;
	struct conf *c;
	char *raw;
	size_t len = 0;
	int a, rc_exit = 1;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0)
			json = true;
		else if (argv[a][0] == '-' && argv[a][1])
			break;
		else if (!path)
			path = argv[a];
		else
			break;
	}
	if (a < argc) {
		fprintf(stderr, "usage: smsctl [-c FILE] render [--json] "
				"[MAIL]\n");
		return EXIT_USAGE;
	}
	if (render_conf(ctl, &c) != 0)
		return 1;
	policy_render_opts(c, &ro);
	mp_opts_init(&opts);
	if (c) {
		opts.max_size = (size_t)c->max_message_size;
		opts.max_depth = (unsigned)c->max_mime_depth;
	}
	raw = read_mail(path, opts.max_size, &len);
	if (!raw) {
		fprintf(stderr,
			"smsctl render: cannot read %s (missing, or "
			"over %zu bytes)\n",
			path ? path : "standard input", opts.max_size);
		conf_free(&c);
		return 1;
	}
	mp_init();
	if (mp_parse(raw, len, &opts, &m, &err) != MP_OK) {
		fprintf(stderr, "smsctl render: %s\n", err.msg);
		goto done;
	}
	if (c && !policy_media_links(c, m, "render", (int64_t)time(NULL), &set,
				     &v)) {
		fprintf(stderr,
			"smsctl render: the milter would refuse this "
			"mail: %s %s %s\n",
			v.code, v.xcode, v.text);
		goto done;
	}
	ro.links = set.links;
	ro.mms = set.nmms;
	if (!policy_render(m, &ro, false, &t, &v)) {
		fprintf(stderr,
			"smsctl render: the milter would refuse this "
			"mail: %s %s %s\n",
			v.code, v.xcode, v.text);
		goto done;
	}
	policy_left_out(m, &t, left_out, sizeof(left_out));
	if (json) {
		rc_exit = render_json(m, t.plan, t.voicemail, t.truncated,
				      left_out, t.segments, t.mms);
	} else {
		render_text(m, t.plan, t.truncated, left_out, set.n > 0,
			    t.segments, t.mms);
		rc_exit = fflush(stdout) == 0 ? 0 : 1;
	}
done:
	policy_media_set_clear(&set);
	policy_text_clear(&t);
	mp_message_free(&m);
	free(raw);
	conf_free(&c);
	return rc_exit;
}
