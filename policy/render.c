/*
 * NAME
 *	render - what a mail becomes as a text
 * DESCRIPTION
 *	The one place that turns a parsed mail into SMS text, used by the
 *	milter at end-of-message and by "smsctl render": a PBX voicemail
 *	notice becomes "Voicemail from NUMBER (M:SS): transcription";
 *	anything else keeps the new words of the mail (mp_visible_text)
 *	through the new-thread or reply template. The text is then planned
 *	with smart encoding and cut or refused at the segment cap.
 *	With MediaBaseUrl, the attachments' links (policy_media_links)
 *	end the text, a line each, counted in its segments; without,
 *	attachments are not sent, no placeholder and no extra segment,
 *	and policy_left_out() says in words what was left out, for the
 *	sender.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* policy_refuse - fill a verdict */
bool
policy_refuse(struct policy_verdict *v, const char *code, const char *xcode,
	      const char *fmt, ...)
{
	va_list ap;
	char *p;

	snprintf(v->code, sizeof(v->code), "%s", code);
	snprintf(v->xcode, sizeof(v->xcode), "%s", xcode);
	va_start(ap, fmt);
	vsnprintf(v->text, sizeof(v->text), fmt, ap);
	va_end(ap);
	/* a sentence quotes what the sender wrote: no line breaks in it */
	for (p = v->text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return false;
}

/* policy_render_opts - the render options of c, or the defaults */
void
policy_render_opts(const struct conf *c, struct policy_render_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->new_thread_template = "{subject}: {body}";
	o->reply_template = "{body}";
	policy_phone_rules(c, POLICY_ANY, &o->rules);
	if (!c)
		o->rules.default_country = "US";
	policy_plan_opts(c, &o->plan);
	if (!c)
		return;
	o->new_thread_template = c->new_thread_template;
	o->reply_template = c->reply_template;
	o->disclaimers = c->disclaimer_lines.v;
}

/* voicemail_text - "Voicemail from +1 202-555-0143 (0:42): ..." */
static char *
voicemail_text(const struct mp_voicemail *vm,
	       const struct sms_phone_rules *rules)
{
	struct sms_number num;
	char who[96], *out;
	size_t n;

	if (sms_phone_parse(vm->caller, rules, &num, NULL) != SMS_OK ||
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

/* clean_subject - the subject without its thread tags */
static char *
clean_subject(const char *subject)
{
	char *s = strdup(subject);

	if (s)
		mp_subject_untag(s);
	return s;
}

/* mail_text - the text of a parsed mail, before planning */
static char *
mail_text(const struct mp_message *m, const struct policy_render_opts *o,
	  bool reply, bool *voicemail_r)
{
	struct mp_voicemail vm;
	char *visible, *subject, *out;

	*voicemail_r = mp_voicemail(m->body, &vm);
	if (*voicemail_r) {
		out = voicemail_text(&vm, &o->rules);
		free(vm.transcription);
		return out;
	}
	visible = mp_visible_text(m->body, m->from_name, o->disclaimers);
	subject = clean_subject(m->subject);
	out = visible && subject
		  ? mp_template(reply ? o->reply_template
				      : o->new_thread_template,
				subject, visible,
				m->from_name[0] ? m->from_name : m->from_addr)
		  : NULL;
	free(visible);
	free(subject);
	return out;
}

/* chars - code points in UTF-8 s */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* policy_render - a parsed mail as a planned text */
bool
policy_render(const struct mp_message *m, const struct policy_render_opts *o,
	      bool reply, struct policy_text *t, struct policy_verdict *v)
{
	size_t marker;

	bool blank;
	size_t kept;

	memset(t, 0, sizeof(*t));
	t->mms = o->mms;
	t->left_out = o->links || o->mms ? 0 : (unsigned)m->nattachments;
	t->text = mail_text(m, o, reply, &t->voicemail);
	if (!t->text)
		return policy_refuse(v, "451", "4.3.0",
				     "out of memory while reading the mail");
	blank = mp_blank(t->text);
	if (o->links && *o->links) {
		/* the words, then a link a line: cut in the words only */
		t->plan = policy_plan_links(&o->plan, blank ? "" : t->text,
					    o->links, &t->truncated, &kept, v);
		if (!t->plan) {
			policy_text_clear(t);
			return false;
		}
		t->links_len = strlen(o->links);
		t->chars = blank ? 0 : chars(t->text);
		t->chars_sent = kept;
		t->segments = t->plan->nparts + t->mms;
		return true;
	}
	if (blank && o->mms > 0) {
		/* pictures alone: an empty text, billed a segment a picture */
		t->plan = policy_plan(&o->plan, "", &t->truncated, v);
		if (!t->plan) {
			policy_text_clear(t);
			return false;
		}
		t->segments = t->mms;
		return true;
	}
	if (blank) {
		policy_text_clear(t);
		return policy_refuse(v, "554", "5.6.0",
				     "the mail has no words to text: no "
				     "subject, and a body that is empty or "
				     "cannot be decoded%s",
				     m->nattachments ? " (attachments cannot "
						       "be sent to phones yet)"
						     : "");
	}
	t->plan = policy_plan(&o->plan, t->text, &t->truncated, v);
	if (!t->plan) {
		policy_text_clear(t);
		return false;
	}
	t->segments = t->plan->nparts + t->mms;
	t->chars = chars(t->text);
	t->chars_sent = chars(t->plan->text);
	if (t->truncated) {
		marker = o->plan.marker ? chars(o->plan.marker) : 0;
		t->chars_sent -= t->chars_sent >= marker ? marker : 0;
	}
	return true;
}

/* policy_left_out - what the phone does not get, in words */
bool
policy_left_out(const struct mp_message *m, const struct policy_text *t,
		char *out, size_t size)
{
	size_t i, n = 0;
	int w;

	out[0] = '\0';
	if (m && m->nattachments > 0 && (!t || t->left_out > 0)) {
		w = snprintf(out, size, "%zu attachment%s (", m->nattachments,
			     m->nattachments == 1 ? "" : "s");
		n = w > 0 && (size_t)w < size ? (size_t)w : 0;
		for (i = 0; i < m->nattachments && n + 40 < size; i++) {
			const struct mp_attachment *a = &m->attachments[i];

			if (i == 5) {
				w = snprintf(out + n, size - n,
					     ", and %zu more",
					     m->nattachments - i);
				n += w > 0 ? (size_t)w : 0;
				break;
			}
			w = snprintf(
			    out + n, size - n, "%s%.60s", i ? ", " : "",
			    a->filename[0] ? a->filename : a->content_type);
			n += w > 0 ? (size_t)w : 0;
			if (n >= size)
				n = size - 1;
		}
		w = snprintf(out + n, size - n,
			     ") %s not sent: this site cannot send pictures "
			     "or files yet",
			     m->nattachments == 1 ? "was" : "were");
		n += w > 0 ? (size_t)w : 0;
		if (n >= size)
			n = size - 1;
	}
	if (m && m->body_undecodable && n + 1 < size) {
		w = snprintf(out + n, size - n,
			     "%sthe body could not be decoded (its "
			     "Content-Transfer-Encoding is broken) and was not "
			     "sent",
			     n ? "; " : "");
		n += w > 0 ? (size_t)w : 0;
		if (n >= size)
			n = size - 1;
	}
	if (t && t->plan && t->truncated && n + 1 < size) {
		w = snprintf(
		    out + n, size - n,
		    "%sthe text was cut to %u SMS segments, this "
		    "site's limit: %zu of its %zu characters were sent",
		    n ? "; " : "", t->plan->nparts, t->chars_sent, t->chars);
		n += w > 0 ? (size_t)w : 0;
	}
	/* a name quotes what the sender wrote: no line breaks in it */
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
	return out[0] != '\0';
}

/* policy_text_clear - free a rendered text */
void
policy_text_clear(struct policy_text *t)
{
	free(t->text);
	t->text = NULL;
	sms_plan_free(&t->plan);
}
