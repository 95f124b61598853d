/*
 * NAME
 *	voicemail - PBX voicemail notices, and the SMS text template
 * DESCRIPTION
 *	PBXs mail a notice for each voicemail. Asterisk's app_voicemail
 *	writes "... left a 0:42 long message (number 1) in mailbox 100
 *	from "Name" <2025550143>, on ..."; FreePBX writes "From:" and
 *	"Length: 42 seconds" lines; transcription add-ons add a
 *	"Transcription:" section. mp_voicemail() finds caller, duration and
 *	transcription in any of them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailparse/mailparse_int.h"
#include "util/util.h"

/* find_ci - s contains needle, without case; where, or NULL */
static const char *
find_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/* copy_field - bytes [s, s+n) trimmed into out (size cap) */
static void
copy_field(char *out, size_t cap, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == ','))
		n--;
	snprintf(out, cap, "%.*s", (int)n, s);
}

/*
 * caller_id - split '"Name" <2025550143>' (or 'Name <...>', or digits)
 * into name and number
 */
static void
caller_id(struct mp_voicemail *vm, const char *s, size_t n)
{
	const char *lt = memchr(s, '<', n), *gt;

	if (lt && (gt = memchr(lt, '>', n - (size_t)(lt - s))) != NULL) {
		copy_field(vm->caller, sizeof(vm->caller), lt + 1,
			   (size_t)(gt - lt - 1));
		copy_field(vm->caller_name, sizeof(vm->caller_name), s,
			   (size_t)(lt - s));
	} else {
		copy_field(vm->caller, sizeof(vm->caller), s, n);
	}
	n = strlen(vm->caller_name);
	if (n >= 2 && vm->caller_name[0] == '"' &&
	    vm->caller_name[n - 1] == '"') {
		memmove(vm->caller_name, vm->caller_name + 1, n - 2);
		vm->caller_name[n - 2] = '\0';
	}
	if (strcmp(vm->caller_name, vm->caller) == 0 ||
	    strcasecmp(vm->caller_name, "unknown") == 0)
		vm->caller_name[0] = '\0';
}

/* duration - "0:42", "00:00:42", "42 seconds" or "42" as "M:SS" */
static void
duration(struct mp_voicemail *vm, const char *s)
{
	unsigned h = 0, m = 0, sec = 0;

	if (sscanf(s, "%u:%u:%u", &h, &m, &sec) == 3)
		m += 60 * h;
	else if (sscanf(s, "%u:%u", &m, &sec) != 2 &&
		 sscanf(s, "%u", &sec) == 1)
		m = sec / 60, sec %= 60;
	else if (!isdigit((unsigned char)*s))
		return;
	snprintf(vm->duration, sizeof(vm->duration), "%u:%02u", m % 10000,
		 sec % 60);
}

/* line_after - the rest of the line after label, or NULL */
static const char *
line_after(const char *body, const char *label, size_t *n_r)
{
	const char *p = find_ci(body, label);

	if (!p)
		return NULL;
	p += strlen(label);
	*n_r = strcspn(p, "\n");
	return p;
}

/* transcription - the text under "Transcription:", tidied */
static char *
transcription(const char *body)
{
	const char *p = find_ci(body, "Transcription:");
	struct ut_buf b = {0};
	const char *end;

	if (!p)
		return strdup("");
	p += strlen("Transcription:");
	/* up to a signature delimiter line ("--", "-- "), or the end */
	end = p;
	while (*end) {
		size_t n = strcspn(end, "\r\n");
		const char *next = end + strcspn(end, "\n");

		if (end != p && (n == 2 || (n == 3 && end[2] == ' ')) &&
		    strncmp(end, "--", 2) == 0)
			break;
		end = *next ? next + 1 : next;
	}
	for (; p < end; p++) {
		if (isspace((unsigned char)*p)) {
			/* one space for any run of white space, none first */
			if (b.len && b.s[b.len - 1] != ' ')
				ut_buf_add(&b, " ", 1);
			continue;
		}
		ut_buf_add(&b, p, 1);
	}
	if (b.failed) {
		ut_buf_clear(&b);
		return NULL;
	}
	return mp_tidy(ut_buf_steal(&b));
}

/* mp_voicemail - recognise a PBX voicemail notice */
bool
mp_voicemail(const char *body, struct mp_voicemail *vm)
{
	const char *p;
	size_t n;

	memset(vm, 0, sizeof(*vm));
	if ((p = find_ci(body, "long message")) != NULL &&
	    find_ci(body, "in mailbox") && (p = find_ci(body, " from "))) {
		/* Asterisk: "left a 0:42 long message ... from X, on D" */
		const char *left = find_ci(body, "left a ");
		const char *on = find_ci(p, ", on ");

		if (left)
			duration(vm, left + strlen("left a "));
		p += strlen(" from ");
		n = on ? (size_t)(on - p) : strcspn(p, "\n");
		caller_id(vm, p, n);
	} else if ((p = line_after(body, "From:", &n)) != NULL &&
		   (find_ci(body, "voicemail") ||
		    find_ci(body, "voice mail"))) {
		/* FreePBX: "From:\t..." and "Length:\t42 seconds" */
		caller_id(vm, p, n);
		if ((p = line_after(body, "Length:", &n)) != NULL ||
		    (p = line_after(body, "Duration:", &n)) != NULL) {
			while (isspace((unsigned char)*p))
				p++;
			duration(vm, p);
		}
	} else {
		return false;
	}
	vm->transcription = transcription(body);
	if (!vm->transcription || !vm->caller[0]) {
		free(vm->transcription);
		vm->transcription = NULL;
		return false;
	}
	return true;
}

/* mp_template - expand {subject}, {body}, {from} */
char *
mp_template(const char *tmpl, const char *subject, const char *body,
	    const char *from)
{
	struct ut_buf b = {0};
	const char *p = tmpl;

	while (*p) {
		const char *v = NULL;
		size_t k = 0;

		if (strncmp(p, "{subject}", 9) == 0)
			v = subject, k = 9;
		else if (strncmp(p, "{body}", 6) == 0)
			v = body, k = 6;
		else if (strncmp(p, "{from}", 6) == 0)
			v = from, k = 6;
		if (!k) {
			ut_buf_add(&b, p++, 1);
			continue;
		}
		p += k;
		if (v && *v) {
			ut_buf_add(&b, v, strlen(v));
		} else {
			/* empty: its separator goes too */
			while (*p && *p != '{' && !isalnum((unsigned char)*p))
				p++;
		}
	}
	if (b.failed) {
		ut_buf_clear(&b);
		return NULL;
	}
	return ut_buf_steal(&b);
}
