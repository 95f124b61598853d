/*
 * NAME
 *	reply - keep the new words of a reply
 * DESCRIPTION
 *	Quoted lines and the headers that introduce them go wherever they
 *	are, so top-posted, bottom-posted and interleaved replies all keep
 *	their new words. The text ends at what begins the rest: a
 *	signature delimiter, a mobile footer, an original-message
 *	separator, an Outlook header block, a configured disclaimer, or a
 *	quote header followed by unquoted text. A text that had words
 *	never comes out empty.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailparse/mailparse_int.h"
#include "util/util.h"

/* Verbs of quote headers ("On ... wrote:"), lower case. */
static const char *const header_verbs[] = {
    "wrote",	  "schrieb",  "a écrit", "escribió", "escreveu", "ha scritto",
    "schreef",	  "skrev",    "napisał", "napisala", "написал",	 "kirjoitti",
    "書きました", "wrote on", "írta",	 "kirjutas", "yazdı",	 "έγραψε",
};

/* Separators of a quoted original, compared without case. */
static const char *const originals[] = {
    "original message",	       "forwarded message",
    "ursprüngliche nachricht", "message d'origine",
    "mensaje original",	       "messaggio originale",
    "oorspronkelijk bericht",  "ursprungligt meddelande",
    "originalmeddelelse",      "opprinnelig melding",
    "alkuperäinen viesti",     "wiadomość oryginalna",
    "исходное сообщение",      "mensagem original",
    "oprindelig besked",       "opprinnelig melding",
};

/* Fields of an Outlook-style header block, by family. */
static const char *const from_fields[] = {
    "from", "von", "de", "da", "van",	    "från",
    "fra",  "od",  "от", "От", "lähettäjä",
};
static const char *const date_fields[] = {
    "sent",	  "date",      "gesendet", "datum",
    "envoyé",	  "enviado",   "inviato",  "verzonden",
    "skickat",	  "sendt",     "wysłano",  "отправлено",
    "data",	  "lähetetty", "fecha",	   "date de l'envoi",
    "message du", "envoyé le",
};
static const char *const to_fields[] = {
    "to",      "an",	"à",	  "para",	   "a",		"aan",
    "till",    "til",	"do",	  "кому",	   "Кому",	"subject",
    "betreff", "objet", "asunto", "oggetto",	   "onderwerp", "ämne",
    "emne",    "temat", "тема",	  "assunto",	   "cc",	"sujet",
    "copie à", "kopie", "aihe",	  "vastaanottaja",
};

/* Mobile footers and the like, at the start of a line. */
static const char *const footers[] = {
    "Sent from my ",
    "Sent from Mail for ",
    "Sent from Outlook",
    "Sent from Yahoo Mail",
    "Sent from AOL Mobile",
    "Sent from Samsung",
    "Get Outlook for ",
    "Sent via ",
    "Sent with ",
    "Envoyé de mon ",
    "Envoyé depuis mon ",
    "Von meinem ",
    "Gesendet von meinem ",
    "Enviado desde mi ",
    "Enviado do meu ",
    "Enviado de meu ",
    "Inviato da ",
    "Verzonden vanaf mijn ",
    "Verstuurd vanaf mijn ",
    "Skickat från min ",
    "Sendt fra min ",
    "Lähetetty ",
    "Wysłane z ",
    "Отправлено с ",
    "Gesendet von ",
    "Envoyé à partir de ",
    "Enviado de ",
};

/* A line of the text. */
struct line {
	const char *s;
	size_t n;
};

/* lower_has - s (n bytes) contains needle, ASCII letters without case */
static bool
lower_has(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return true;
	return false;
}

/* trimmed - the line without white space at both ends */
static struct line
trimmed(struct line l)
{
	while (l.n > 0 && isspace((unsigned char)l.s[0])) {
		l.s++;
		l.n--;
	}
	while (l.n > 0 && isspace((unsigned char)l.s[l.n - 1]))
		l.n--;
	return l;
}

/* is_quoted - the line starts with ">" */
static bool
is_quoted(struct line l)
{
	l = trimmed(l);
	return l.n > 0 && l.s[0] == '>';
}

/* has_digit_or_at - quote headers carry a date or an address */
static bool
has_digit_or_at(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (isdigit((unsigned char)s[i]) || s[i] == '@')
			return true;
	return false;
}

/* Words a quote header that its client wrapped may start with. */
static const char *const header_starts[] = {
    "On ", "Am ",  "Le ",     "El ", "Em ",  "Il ",
    "Op ", "Den ", "W dniu ", "På ", "Dne ", "----",
};

/* header_start - line l can begin a header wrapped over several lines */
static bool
header_start(struct line l)
{
	size_t i;

	if (l.n == 0 || l.s[l.n - 1] == '.' || l.s[l.n - 1] == '!' ||
	    l.s[l.n - 1] == '?' || l.s[l.n - 1] == ',')
		return false;
	if (has_digit_or_at(l.s, l.n))
		return true;
	for (i = 0; i < sizeof(header_starts) / sizeof(header_starts[0]); i++)
		if (l.n >= strlen(header_starts[i]) &&
		    strncmp(l.s, header_starts[i], strlen(header_starts[i])) ==
			0)
			return true;
	return false;
}

/* is_header - one quote header, its dashes and spaces trimmed */
static bool
is_header(const char *s, size_t n)
{
	size_t v;

	while (n > 0 && (s[0] == '-' || s[0] == ' ')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == '-' || s[n - 1] == ' '))
		n--;
	if (n == 0 || !has_digit_or_at(s, n))
		return false;
	if (s[n - 1] != ':') /* "On <date> <name> wrote", its colon lost */
		return n > 9 && strncmp(s, "On ", 3) == 0 &&
		       strncmp(s + n - 6, " wrote", 6) == 0;
	/* "<date>, <name> <address>:" with no verb at all */
	if (n > 2 && s[n - 2] == '>' && memchr(s, '@', n))
		return true;
	for (v = 0; v < sizeof(header_verbs) / sizeof(header_verbs[0]); v++)
		if (lower_has(s, n, header_verbs[v]))
			return true;
	return false;
}

/*
 * header_lines - how many lines (1-3) from i make a quote header, or 0;
 * a header wrapped over lines must start like one
 */
static size_t
header_lines(const struct line *ls, size_t nl, size_t i)
{
	struct ut_buf b = {0};
	size_t k, found = 0;

	for (k = 0; k < 3 && i + k < nl && found == 0; k++) {
		struct line l = trimmed(ls[i + k]);

		if (l.n == 0 || l.n > 300 ||
		    (is_quoted(ls[i + k]) &&
		     !(k > 0 && l.n <= 3 && l.s[l.n - 1] == ':')))
			break; /* ">:" ends a header its client wrapped */
		if (k == 1 && !header_start(trimmed(ls[i])))
			break;
		if (k)
			ut_buf_add(&b, " ", 1);
		ut_buf_add(&b, l.s, l.n);
		if (!b.failed && is_header(b.s, b.len))
			found = k + 1;
	}
	ut_buf_clear(&b);
	return found;
}

/* is_original - an original-message separator line */
static bool
is_original(struct line l)
{
	size_t i;

	l = trimmed(l);
	if (l.n >= 2 && strspn(l.s, "_") >= l.n)
		return true; /* Outlook's rule, or a list footer's */
	if (l.n >= 10 && strspn(l.s, "-") >= l.n)
		return true;
	if (l.n >= 23 && strncasecmp(l.s, "Begin forwarded message", 23) == 0)
		return true;
	if (l.n < 6 || l.s[0] != '-' || l.s[1] != '-')
		return false;
	for (i = 0; i < sizeof(originals) / sizeof(originals[0]); i++)
		if (lower_has(l.s, l.n, originals[i]))
			return true;
	return false;
}

/* field_is - the line starts with one of names and a colon */
static bool
field_is(struct line l, const char *const *names, size_t n)
{
	size_t i, k;

	l = trimmed(l);
	if (l.n > 1 && l.s[0] == '*') { /* *From:* as some clients bold it */
		l.s++;
		l.n--;
	}
	for (i = 0; i < n; i++) {
		k = strlen(names[i]);
		if (l.n > k && strncasecmp(l.s, names[i], k) == 0) {
			size_t j = k;

			while (j < l.n && (l.s[j] == ' ' || l.s[j] == '*'))
				j++;
			if (j < l.n && l.s[j] == ':')
				return true;
		}
	}
	return false;
}

#define FIELDS(a) (a), (sizeof(a) / sizeof((a)[0]))

/*
 * is_outlook - a block of header lines starting at i: within seven
 * lines, a From: line and a Sent:/Date: or To:/Subject: line, the first
 * of them at i
 */
static bool
is_outlook(const struct line *ls, size_t nl, size_t i)
{
	bool from, date, to;
	size_t k;

	from = field_is(ls[i], FIELDS(from_fields));
	date = field_is(ls[i], FIELDS(date_fields));
	to = field_is(ls[i], FIELDS(to_fields));
	if (!from && !date)
		return false;
	for (k = i + 1; k < nl && k <= i + 6; k++) {
		from |= field_is(ls[k], FIELDS(from_fields));
		date |= field_is(ls[k], FIELDS(date_fields));
		to |= field_is(ls[k], FIELDS(to_fields));
	}
	return from && (date || to) && (date + to + from) >= 2;
}

/* is_signature - "-- ", "--", or a mobile footer */
static bool
is_signature(struct line l)
{
	size_t i;

	if ((l.n == 3 && memcmp(l.s, "-- ", 3) == 0) ||
	    (l.n == 2 && memcmp(l.s, "--", 2) == 0))
		return true;
	l = trimmed(l);
	if (l.n >= 100 || memchr(l.s, ',', l.n))
		return false; /* "Sent from my desk, which ..." is prose */
	for (i = 0; i < sizeof(footers) / sizeof(footers[0]); i++)
		if (l.n >= strlen(footers[i]) &&
		    strncmp(l.s, footers[i], strlen(footers[i])) == 0)
			return true;
	return false;
}

/* is_disclaimer - the line starts with a configured pattern */
static bool
is_disclaimer(struct line l, const char *const *disclaimers)
{
	size_t i;

	l = trimmed(l);
	for (i = 0; disclaimers && disclaimers[i]; i++)
		if (l.n >= strlen(disclaimers[i]) &&
		    strncasecmp(l.s, disclaimers[i], strlen(disclaimers[i])) ==
			0)
			return true;
	return false;
}

/* has_words - some letter, digit or non-ASCII character */
static bool
has_words(const char *s)
{
	for (; *s; s++)
		if (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* next_line - the line at *p (CR before LF dropped); *p to the next, NULL */
static struct line
next_line(const char **p)
{
	const char *s = *p;
	size_t len = strcspn(s, "\n");
	struct line l = {s, len > 0 && s[len - 1] == '\r' ? len - 1 : len};

	*p = s[len] ? s + len + 1 : NULL;
	return l;
}

/* add_line - append line l and a line end */
static void
add_line(struct ut_buf *b, struct line l)
{
	ut_buf_add(b, l.s, l.n);
	ut_buf_add(b, "\n", 1);
}

/* tidied - what b holds, tidied, or NULL when it ran out; malloc'd */
static char *
tidied(struct ut_buf *b)
{
	if (b->failed) {
		ut_buf_clear(b);
		return NULL;
	}
	return mp_tidy(ut_buf_steal(b));
}

/* join - every line of text, tidied; malloc'd */
static char *
join(const char *text)
{
	struct ut_buf b = {0};
	const char *p = text;

	while (p)
		add_line(&b, next_line(&p));
	return tidied(&b);
}

/* Lines at the end of a text where a sign-off is looked for. */
#define SIGNOFF_LINES 256

/* tail_lines - where the last n lines of text start */
static const char *
tail_lines(const char *text, size_t n)
{
	const char *p = text + strlen(text);

	if (p > text && p[-1] == '\n')
		p--; /* the last line's end */
	for (; p > text; p--)
		if (p[-1] == '\n' && --n == 0)
			break;
	return p;
}

/* split_lines - the lines of text (CR before LF dropped) */
static struct line *
split_lines(const char *text, size_t *n_r)
{
	size_t n = 1, i = 0;
	const char *p;
	struct line *ls;

	for (p = text; *p; p++)
		n += *p == '\n';
	ls = calloc(n, sizeof(*ls));
	if (!ls)
		return NULL;
	for (p = text; p;)
		ls[i++] = next_line(&p);
	*n_r = i;
	return ls;
}

/*
 * Lines visible() sees at once: the one it is at and those after it
 * that is_outlook() looks at (header_lines() looks at fewer). The
 * text is walked, never indexed whole: a mail of short lines would
 * take more for its index than for its text.
 */
#define WINDOW 7

/* The lines of a text from the one visible() is at. */
struct window {
	struct line l[WINDOW]; /* that line and those after it */
	size_t n;	       /* lines in l: WINDOW, fewer at the end */
	const char *next;      /* where line n starts, NULL past the last */
};

/* window_drop - move on k lines (k <= w->n), filling w up */
static void
window_drop(struct window *w, size_t k)
{
	memmove(w->l, w->l + k, (w->n - k) * sizeof(w->l[0]));
	w->n -= k;
	while (w->n < WINDOW && w->next)
		w->l[w->n++] = next_line(&w->next);
}

/* quoted_next - from line k of w on, the first line that is not blank
   is quoted, or there is none */
static bool
quoted_next(const struct window *w, size_t k)
{
	const char *p = w->next;
	struct line l;

	for (; k < w->n; k++)
		if (trimmed(w->l[k]).n > 0)
			return is_quoted(w->l[k]);
	while (p) {
		l = next_line(&p);
		if (trimmed(l).n > 0)
			return is_quoted(l);
	}
	return true;
}

/*
 * visible - keep the lines that are new: quoted lines go wherever they
 * are, with the header that introduces them; the text ends at a
 * signature, an original-message separator, an Outlook header block,
 * a disclaimer, or a quote header not followed by quoted lines (the
 * original then follows unquoted)
 */
static char *
visible(const char *text, const char *const *disclaimers)
{
	struct window w = {.n = 0, .next = text};
	struct ut_buf b = {0};
	size_t h;

	for (window_drop(&w, 0); w.n > 0; window_drop(&w, h)) {
		struct line *ls = w.l;

		if (is_signature(ls[0]) || is_disclaimer(ls[0], disclaimers) ||
		    is_original(ls[0]) || is_outlook(ls, w.n, 0))
			break;
		h = header_lines(ls, w.n, 0);
		if (h) {
			if (!quoted_next(&w, h))
				break;
			continue;
		}
		if (!is_quoted(ls[0]))
			add_line(&b, ls[0]);
		h = 1;
	}
	return tidied(&b);
}

/* Sign-offs that may stand above a name. */
static const char *const signoffs[] = {
    "thanks",  "thank you",  "thx",	     "regards",	     "best",
    "cheers",  "sincerely",  "best regards", "kind regards", "cordially",
    "br",      "danke",	     "grüße",	     "merci",	     "cordialement",
    "saludos", "gracias",    "obrigado",     "grazie",	     "groeten",
    "mvh",     "hälsningar",
};

/* word_in - s (n bytes) holds word w as a whole word, without case */
static bool
word_in(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w), i;

	for (i = 0; k && i + k <= n; i++)
		if (strncasecmp(s + i, w, k) == 0 &&
		    (i == 0 || !isalnum((unsigned char)s[i - 1])) &&
		    (i + k == n || !isalnum((unsigned char)s[i + k])))
			return true;
	return false;
}

/* is_signoff - "Thanks," "Best regards" ... alone on a line */
static bool
is_signoff(struct line l)
{
	size_t i;

	l = trimmed(l);
	while (l.n > 0 && (l.s[l.n - 1] == ',' || l.s[l.n - 1] == '!' ||
			   l.s[l.n - 1] == '.'))
		l.n--;
	for (i = 0; i < sizeof(signoffs) / sizeof(signoffs[0]); i++)
		if (l.n == strlen(signoffs[i]) &&
		    strncasecmp(l.s, signoffs[i], l.n) == 0)
			return true;
	return false;
}

/*
 * sender_cut - where the sender's sign-off starts in the kept text, or
 * its length: a short line with their name (or first name) near the
 * end, only short lines after it, and a sign-off just above it
 */
static size_t
sender_cut(const struct line *ls, size_t nl, const char *sender)
{
	char first[64];
	size_t i, tail = 0, name = nl;

	if (!sender || strlen(sender) < 3)
		return nl;
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(sender, " "),
		 sender);
	for (i = nl; i-- > 0;) {
		struct line l = trimmed(ls[i]);

		if (l.n == 0)
			continue;
		if (l.n >= 60 || ++tail > 6)
			break;
		if (l.n < 50 &&
		    (word_in(l.s, l.n, sender) ||
		     (strlen(first) >= 3 && word_in(l.s, l.n, first))))
			name = i;
	}
	if (name == nl)
		return nl;
	for (i = name; i-- > 0 && trimmed(ls[i]).n == 0;)
		;
	if (i < name && is_signoff(ls[i]))
		return i;
	return name;
}

/* mp_visible_text - the new words of a reply */
char *
mp_visible_text(const char *text, const char *sender,
		const char *const *disclaimers)
{
	char *out;

	out = visible(text, disclaimers);
	if (out && sender && *out) {
		/*
		 * a sign-off is among the last lines (sender_cut looks at
		 * six with words, the blank ones between them and one
		 * before): only the last SIGNOFF_LINES are split, not a
		 * second index of every line of a long text
		 */
		const char *tail = tail_lines(out, SIGNOFF_LINES);
		struct line *vl;
		size_t vn, cut;

		vl = split_lines(tail, &vn);
		cut = vl ? sender_cut(vl, vn, sender) : vn;
		if (vl && (cut > 0 || tail > out) && cut < vn) {
			char *shorter =
			    mp_tidy(strndup(out, (size_t)(vl[cut].s - out)));

			if (shorter) {
				free(out);
				out = shorter;
			}
		}
		free(vl);
	}
	if (out && !has_words(out) && has_words(text)) {
		free(out);
		out = join(text); /* never without its words */
	}
	return out;
}
