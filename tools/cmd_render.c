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
 *	Message-ID, In-Reply-To, thread tag, attachments.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "mailparse/mailparse.h"
#include "sms/sms.h"
#include "tools/smsctl_int.h"

/* What render needs from the configuration, with the defaults. */
struct render_conf {
	const char *tmpl, *marker, *country;
	bool smart, reject_long;
	unsigned cap;
	size_t max_size;
	unsigned max_depth;
	const char *const *disclaimers; /* NULL-terminated, or NULL */
};

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

/* voicemail_text - "Voicemail from +1 202-555-0143 (0:42): ..." */
static char *
voicemail_text(const struct mp_voicemail *vm, const char *country)
{
	struct sms_phone_rules rules = {country, NULL, NULL};
	struct sms_number num;
	char who[96], *out;
	size_t n;

	if (sms_phone_parse(vm->caller, &rules, &num, NULL) != SMS_OK ||
	    sms_phone_format(num.e164, who, sizeof(who)) != SMS_OK)
		snprintf(who, sizeof(who), "%s",
			 vm->caller_name[0] ? vm->caller_name : vm->caller);
	n = strlen(who) + strlen(vm->duration) + strlen(vm->transcription) + 32;
	out = malloc(n);
	if (!out)
		return NULL;
	if (vm->duration[0])
		snprintf(out, n, "Voicemail from %s (%s)%s%s", who,
			 vm->duration, vm->transcription[0] ? ": " : ".",
			 vm->transcription);
	else
		snprintf(out, n, "Voicemail from %s%s%s", who,
			 vm->transcription[0] ? ": " : ".", vm->transcription);
	return out;
}

/* clean_subject - the subject without its thread tag */
static char *
clean_subject(const char *subject, const char *tag)
{
	char *s = strdup(subject), *p;

	if (s && *tag && (p = strstr(s, "[#")) != NULL) {
		char *end = strchr(p, ']');

		if (end) {
			memmove(p, end + 1, strlen(end + 1) + 1);
			while (p > s && p[-1] == ' ')
				memmove(p - 1, p, strlen(p) + 1), p--;
		}
	}
	return s;
}

/* sms_text - the SMS text for a parsed mail */
static char *
sms_text(const struct mp_message *m, const struct render_conf *rc,
	 bool *voicemail_r)
{
	struct mp_voicemail vm;
	char *visible, *subject, *out;

	*voicemail_r = mp_voicemail(m->body, &vm);
	if (*voicemail_r) {
		out = voicemail_text(&vm, rc->country);
		free(vm.transcription);
		return out;
	}
	visible = mp_visible_text(m->body, m->from_name, rc->disclaimers);
	subject = clean_subject(m->subject, m->tag);
	out = visible && subject
		  ? mp_template(rc->tmpl, subject, visible,
				m->from_name[0] ? m->from_name : m->from_addr)
		  : NULL;
	free(visible);
	free(subject);
	visible = out ? mp_with_links(out, m) : NULL;
	free(out);
	return visible;
}

/* render_json - one object with the names scripts rely on */
static int
render_json(const struct mp_message *m, const struct sms_plan *p,
	    bool voicemail, bool truncated, unsigned images)
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
	o = json_pack(
	    "{s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, "
	    "s:o, s:b, s:b}",
	    "text", p->text, "encoding", sms_encoding_name(p->encoding),
	    "length", (int)p->length, "segments", (int)p->nparts,
	    "cost_segments", (int)(p->nparts + images), "subject", m->subject,
	    "from", m->from_addr, "from_name", m->from_name, "message_id",
	    m->message_id, "in_reply_to", m->in_reply_to, "attachments", att,
	    "voicemail", voicemail, "truncated", truncated);
	if (o)
		json_object_set_new(o, "tag", json_string(m->tag));
	return ctl_json_print(o);
}

/* render_text - the report for people */
static void
render_text(const struct mp_message *m, const struct sms_plan *p,
	    bool truncated, unsigned images)
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
		       m->attachments[i].image ? " (media: +1 segment)"
					       : " (sent as a link)");
	printf("encoding: %s\n", sms_encoding_name(p->encoding));
	printf("segments: %u%s", p->nparts, truncated ? " (truncated)" : "");
	if (images)
		printf(" + %u for media = %u", images, p->nparts + images);
	printf("\ntext:\n%s\n", p->text);
}

/* render_conf_load - the configuration render applies, or defaults */
static int
render_conf_load(const struct smsctl *ctl, struct conf **c,
		 struct render_conf *rc)
{
	char *errors;

	*rc = (struct render_conf){
	    "{subject}: {body}", "...", "US", true, false, 10,
	    10 * 1024 * 1024,	 20,	NULL};
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
	rc->tmpl = (*c)->new_thread_template;
	rc->marker = (*c)->truncation_marker;
	rc->country = (*c)->default_country;
	rc->smart = (*c)->smart_encoding;
	rc->reject_long = (*c)->long_message_policy == CONF_LONG_REJECT;
	rc->cap = (unsigned)(*c)->segment_cap;
	rc->max_size = (size_t)(*c)->max_message_size;
	rc->max_depth = (unsigned)(*c)->max_mime_depth;
	rc->disclaimers = (*c)->disclaimer_lines.v;
	return 0;
}

/* cmd_render - smsctl render */
int
cmd_render(const struct smsctl *ctl, int argc, char **argv)
{
	bool json = false, voicemail = false, truncated = false;
	const char *path = NULL;
	struct render_conf rc;
	struct mp_opts opts;
	struct mp_message *m = NULL;
	struct mp_error err;
	struct sms_error serr;
	struct sms_opts so;
	struct sms_plan *p = NULL;
	struct conf *c;
	char *raw, *text = NULL;
	unsigned images = 0;
	size_t len = 0, i;
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
	if (render_conf_load(ctl, &c, &rc) != 0)
		return 1;
	raw = read_mail(path, rc.max_size, &len);
	if (!raw) {
		fprintf(stderr,
			"smsctl render: cannot read %s (missing, or "
			"over %zu bytes)\n",
			path ? path : "standard input", rc.max_size);
		conf_free(&c);
		return 1;
	}
	mp_init();
	mp_opts_init(&opts);
	opts.max_size = rc.max_size;
	opts.max_depth = rc.max_depth;
	if (mp_parse(raw, len, &opts, &m, &err) != MP_OK) {
		fprintf(stderr, "smsctl render: %s\n", err.msg);
		goto done;
	}
	text = sms_text(m, &rc, &voicemail);
	if (!text) {
		fprintf(stderr, "smsctl render: out of memory\n");
		goto done;
	}
	sms_opts_init(&so);
	so.smart = rc.smart;
	so.replace_invalid = true;
	p = sms_plan_new(text, strlen(text), &so, &serr);
	if (p && p->nparts > rc.cap && rc.reject_long) {
		fprintf(stderr,
			"smsctl render: %u segments, over SegmentCap %u: the "
			"milter would refuse this mail (552 5.3.4)\n",
			p->nparts, rc.cap);
		goto done;
	}
	if (p && p->nparts > rc.cap) {
		sms_plan_free(&p);
		p = sms_plan_truncate(text, strlen(text), &so, rc.cap,
				      rc.marker, &serr);
		truncated = true;
	}
	if (!p) {
		fprintf(stderr, "smsctl render: %s\n", serr.msg);
		goto done;
	}
	for (i = 0; i < m->nattachments; i++)
		images += m->attachments[i].image;
	if (json) {
		rc_exit = render_json(m, p, voicemail, truncated, images);
	} else {
		render_text(m, p, truncated, images);
		rc_exit = fflush(stdout) == 0 ? 0 : 1;
	}
done:
	sms_plan_free(&p);
	free(text);
	mp_message_free(&m);
	free(raw);
	conf_free(&c);
	return rc_exit;
}
