/*
 * NAME
 *	html - HTML to plain text for SMS
 * DESCRIPTION
 *	A small tolerant tokenizer, not a DOM: text, tags, comments. The
 *	contents of script, style, head and title are dropped; block
 *	elements end lines; li starts a "- " line; blockquote prefixes its
 *	lines with "> " (so that quoted replies can be removed like plain
 *	text ones); white space collapses outside pre; character references
 *	are decoded; a link whose text is not its URL becomes "text (url)";
 *	bold becomes *bold*.
 *	Malformed HTML never fails: what cannot be read as markup is text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailparse/mailparse_int.h"
#include "util/util.h"

/* Named character references mail clients use. */
static const struct {
	const char *name;
	unsigned cp;
} entities[] = {
    {"amp", '&'},	{"lt", '<'},	   {"gt", '>'},
    {"quot", '"'},	{"apos", '\''},	   {"nbsp", 0xA0},
    {"copy", 0xA9},	{"reg", 0xAE},	   {"trade", 0x2122},
    {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
    {"lsquo", 0x2018},	{"rsquo", 0x2019}, {"ldquo", 0x201C},
    {"rdquo", 0x201D},	{"sbquo", 0x201A}, {"bdquo", 0x201E},
    {"euro", 0x20AC},	{"pound", 0xA3},   {"yen", 0xA5},
    {"cent", 0xA2},	{"sect", 0xA7},	   {"deg", 0xB0},
    {"middot", 0xB7},	{"bull", 0x2022},  {"laquo", 0xAB},
    {"raquo", 0xBB},	{"times", 0xD7},   {"divide", 0xF7},
    {"iexcl", 0xA1},	{"iquest", 0xBF},  {"shy", 0xAD},
    {"zwnj", 0x200C},	{"zwj", 0x200D},   {"thinsp", 0x2009},
    {"ensp", 0x2002},	{"emsp", 0x2003},  {"agrave", 0xE0},
    {"aacute", 0xE1},	{"acirc", 0xE2},   {"auml", 0xE4},
    {"aring", 0xE5},	{"aelig", 0xE6},   {"ccedil", 0xE7},
    {"egrave", 0xE8},	{"eacute", 0xE9},  {"ecirc", 0xEA},
    {"euml", 0xEB},	{"igrave", 0xEC},  {"iacute", 0xED},
    {"icirc", 0xEE},	{"iuml", 0xEF},	   {"ntilde", 0xF1},
    {"ograve", 0xF2},	{"oacute", 0xF3},  {"ocirc", 0xF4},
    {"ouml", 0xF6},	{"oslash", 0xF8},  {"ugrave", 0xF9},
    {"uacute", 0xFA},	{"ucirc", 0xFB},   {"uuml", 0xFC},
    {"szlig", 0xDF},	{"Agrave", 0xC0},  {"Aacute", 0xC1},
    {"Auml", 0xC4},	{"Aring", 0xC5},   {"AElig", 0xC6},
    {"Ccedil", 0xC7},	{"Eacute", 0xC9},  {"Ntilde", 0xD1},
    {"Ouml", 0xD6},	{"Oslash", 0xD8},  {"Uuml", 0xDC},
};

/* Elements that end a line before and after. */
static const char *const blocks[] = {
    "p",   "div",  "br",      "tr",	    "h1",     "h2",	"h3",
    "h4",  "h5",   "h6",      "ul",	    "ol",     "li",	"table",
    "hr",  "pre",  "section", "article",    "header", "footer", "address",
    "dl",  "dt",   "dd",      "blockquote", "center", "form",	"fieldset",
    "nav", "main", "figure",  "caption",    "tbody",  "thead",	"tfoot",
};

/* State of one conversion. */
struct conv {
	struct ut_buf out;
	unsigned quote;	  /* blockquote depth */
	bool pre;	  /* inside pre */
	bool space;	  /* a space is pending */
	bool line_start;  /* nothing written on this line yet */
	char *href;	  /* current link target */
	size_t link_from; /* where its text starts in out */
};

/* put_utf8 - append a code point */
static void
put_utf8(struct ut_buf *b, unsigned cp)
{
	char tmp[4];
	size_t n = 0;

	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		tmp[n++] = (char)cp;
	} else if (cp < 0x800) {
		tmp[n++] = (char)(0xC0 | (cp >> 6));
		tmp[n++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		tmp[n++] = (char)(0xE0 | (cp >> 12));
		tmp[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[n++] = (char)(0x80 | (cp & 0x3F));
	} else {
		tmp[n++] = (char)(0xF0 | (cp >> 18));
		tmp[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		tmp[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[n++] = (char)(0x80 | (cp & 0x3F));
	}
	ut_buf_add(b, tmp, n);
}

/* line_prefix - start a line: the quote marks of its depth */
static void
line_prefix(struct conv *c)
{
	unsigned i;

	if (!c->line_start)
		return;
	for (i = 0; i < c->quote; i++)
		ut_buf_add(&c->out, "> ", 2);
	c->line_start = false;
}

/* newline - end the current line (one blank line at most in a row) */
static void
newline(struct conv *c, bool blank)
{
	size_t n = c->out.len;

	c->space = false;
	if (n == 0)
		return;
	if (!c->line_start) {
		ut_buf_add(&c->out, "\n", 1);
		c->line_start = true;
	}
	if (blank && !(n >= 2 && c->out.s[c->out.len - 2] == '\n'))
		ut_buf_add(&c->out, "\n", 1);
}

/* text - append character data, collapsing white space outside pre */
static void
text(struct conv *c, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (c->pre) {
			if (ch == '\n') {
				ut_buf_add(&c->out, "\n", 1);
				c->line_start = true;
				continue;
			}
			line_prefix(c);
			ut_buf_add(&c->out, s + i, 1);
			continue;
		}
		if (isspace(ch)) {
			c->space = !c->line_start;
			continue;
		}
		line_prefix(c);
		if (c->space)
			ut_buf_add(&c->out, " ", 1);
		c->space = false;
		ut_buf_add(&c->out, s + i, 1);
	}
}

/* entity - decode the reference at s (after '&'); bytes used, or 0 */
static size_t
entity(const char *s, size_t n, unsigned *cp_r)
{
	size_t i = 0, k;

	if (n > 1 && s[0] == '#') {
		unsigned long v = 0;
		bool hex = n > 2 && (s[1] == 'x' || s[1] == 'X');

		for (i = hex ? 2 : 1; i < n && i < 10; i++) {
			int d = hex && isxdigit((unsigned char)s[i])
				    ? (isdigit((unsigned char)s[i])
					   ? s[i] - '0'
					   : (tolower((unsigned char)s[i]) -
					      'a' + 10))
				: isdigit((unsigned char)s[i]) ? s[i] - '0'
							       : -1;

			if (d < 0)
				break;
			v = v * (hex ? 16 : 10) + (unsigned long)d;
		}
		if (i == (hex ? 2u : 1u))
			return 0;
		*cp_r = v > 0x10FFFF ? 0xFFFD : (unsigned)v;
		return i < n && s[i] == ';' ? i + 1 : i;
	}
	while (i < n && i < 10 && isalnum((unsigned char)s[i]))
		i++;
	for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
		if (strlen(entities[k].name) == i &&
		    strncmp(entities[k].name, s, i) == 0) {
			*cp_r = entities[k].cp;
			return i < n && s[i] == ';' ? i + 1 : i;
		}
	}
	return 0;
}

/* decoded_text - append text with its character references decoded */
static void
decoded_text(struct conv *c, const char *s, size_t n)
{
	size_t i = 0, start = 0;

	while (i < n) {
		unsigned cp;
		size_t used;

		if (s[i] != '&' ||
		    (used = entity(s + i + 1, n - i - 1, &cp)) == 0) {
			i++;
			continue;
		}
		text(c, s + start, i - start);
		if (cp == 0xA0 || cp == 0x2002 || cp == 0x2003 ||
		    cp == 0x2009) {
			text(c, " ", 1);
		} else {
			struct ut_buf b = {0};

			put_utf8(&b, cp);
			if (!b.failed)
				text(c, b.s, b.len);
			ut_buf_clear(&b);
		}
		i += 1 + used;
		start = i;
	}
	text(c, s + start, n - start);
}

/* is_block - name is a block element */
static bool
is_block(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (strcasecmp(name, blocks[i]) == 0)
			return true;
	return false;
}

/* attr - the value of attribute name in a tag's text, malloc'd */
static char *
attr(const char *tag, size_t n, const char *name)
{
	size_t nl = strlen(name), i;

	for (i = 0; i + nl < n; i++) {
		size_t j, start;
		char q;

		if (strncasecmp(tag + i, name, nl) != 0 ||
		    (i > 0 && !isspace((unsigned char)tag[i - 1])))
			continue;
		j = i + nl;
		while (j < n && isspace((unsigned char)tag[j]))
			j++;
		if (j >= n || tag[j] != '=')
			continue;
		j++;
		while (j < n && isspace((unsigned char)tag[j]))
			j++;
		q = j < n && (tag[j] == '"' || tag[j] == '\'') ? tag[j] : 0;
		start = q ? j + 1 : j;
		for (j = start; j < n; j++)
			if (q ? tag[j] == q
			      : (isspace((unsigned char)tag[j]) ||
				 tag[j] == '>'))
				break;
		return strndup(tag + start, j - start);
	}
	return NULL;
}

/* skip_to_end - the end of the element name's contents (after </name>) */
static size_t
skip_to_end(const char *h, size_t n, size_t i, const char *name)
{
	size_t nl = strlen(name);

	for (; i + nl + 2 < n; i++)
		if (h[i] == '<' && h[i + 1] == '/' &&
		    strncasecmp(h + i + 2, name, nl) == 0 &&
		    !isalnum((unsigned char)h[i + 2 + nl]))
			break;
	while (i < n && h[i] != '>')
		i++;
	return i < n ? i + 1 : n;
}

/* dropped - the element whose contents are dropped that t opens, or NULL */
static const char *
dropped(const char *t, size_t n)
{
	static const char *const names[] = {"script", "style", "head", "title"};
	size_t i, k;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		k = strlen(names[i]);
		if (n >= k && strncasecmp(t, names[i], k) == 0 &&
		    (n == k || !isalnum((unsigned char)t[k])))
			return names[i];
	}
	return NULL;
}

/* end_link - close an <a>: add " (url)" unless the text is the url */
static void
end_link(struct conv *c)
{
	const char *t;
	size_t tl;

	if (!c->href)
		return;
	t = c->out.s ? c->out.s + c->link_from : "";
	tl = c->out.len - c->link_from;
	while (tl > 0 && isspace((unsigned char)*t)) {
		t++;
		tl--;
	}
	if (*c->href && strncasecmp(c->href, "mailto:", 7) != 0 &&
	    strncasecmp(c->href, "#", 1) != 0 &&
	    !(tl == strlen(c->href) && strncmp(t, c->href, tl) == 0) &&
	    !(tl > 0 && strstr(c->href, "://") &&
	      tl == strlen(strstr(c->href, "://") + 3) &&
	      strncmp(t, strstr(c->href, "://") + 3, tl) == 0)) {
		if (tl > 0)
			text(c, " (", 2);
		decoded_text(c, c->href, strlen(c->href));
		if (tl > 0)
			text(c, ")", 1);
	}
	free(c->href);
	c->href = NULL;
}

/* tag - act on one tag (the text between < and >) */
static void
tag(struct conv *c, const char *t, size_t n)
{
	char name[16];
	size_t i = 0, k = 0;
	bool end = false;

	if (n > 0 && t[0] == '/') {
		end = true;
		i = 1;
	}
	while (i < n && k + 1 < sizeof(name) &&
	       (isalnum((unsigned char)t[i]) || t[i] == '-' || t[i] == ':'))
		name[k++] = (char)tolower((unsigned char)t[i++]);
	name[k] = '\0';
	if (k == 0)
		return;
	if (strcmp(name, "blockquote") == 0) {
		newline(c, false);
		if (end && c->quote > 0)
			c->quote--;
		else if (!end)
			c->quote++;
		return;
	}
	if (strcmp(name, "pre") == 0)
		c->pre = !end;
	if (strcmp(name, "b") == 0 || strcmp(name, "strong") == 0) {
		/* *bold*, as plain text writes it */
		if (!end) {
			line_prefix(c);
			if (c->space)
				ut_buf_add(&c->out, " ", 1);
			c->space = false;
		}
		ut_buf_add(&c->out, "*", 1);
		return;
	}
	if (strcmp(name, "a") == 0) {
		if (end) {
			end_link(c);
		} else {
			end_link(c);
			c->href = attr(t, n, "href");
			c->link_from = c->out.len;
		}
		return;
	}
	if (strcmp(name, "img") == 0 && !end) {
		char *alt = attr(t, n, "alt");

		if (alt && *alt)
			decoded_text(c, alt, strlen(alt));
		free(alt);
		return;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if (!end)
			c->space = !c->line_start;
		return;
	}
	if (strcmp(name, "br") == 0) {
		line_prefix(c);
		ut_buf_add(&c->out, "\n", 1);
		c->line_start = true;
		c->space = false;
		return;
	}
	if (!is_block(name))
		return;
	newline(c, strcmp(name, "p") == 0 || (name[0] == 'h' && name[1] &&
					      isdigit((unsigned char)name[1])));
	if (strcmp(name, "li") == 0 && !end) {
		line_prefix(c);
		ut_buf_add(&c->out, "- ", 2);
	}
	if (strcmp(name, "hr") == 0) { /* mail clients' original separator */
		line_prefix(c);
		ut_buf_add(&c->out, "________________", 16);
		newline(c, false);
	}
}

/* mp_html_to_text - HTML to plain text */
char *
mp_html_to_text(const char *h, size_t n)
{
	struct conv c = {0};
	size_t i = 0, start = 0;

	c.line_start = true;
	while (i < n) {
		size_t j;

		if (h[i] != '<') {
			i++;
			continue;
		}
		if (i + 1 < n && strncmp(h + i, "<!--", 4) != 0 &&
		    !(isalpha((unsigned char)h[i + 1]) || h[i + 1] == '/' ||
		      h[i + 1] == '!' || h[i + 1] == '?')) {
			i++; /* a lone "<" is text, still to come */
			continue;
		}
		decoded_text(&c, h + start, i - start);
		if (i + 3 < n && strncmp(h + i, "<!--", 4) == 0) {
			const char *e = NULL;

			for (j = i + 4; j + 2 < n; j++)
				if (h[j] == '-' && h[j + 1] == '-' &&
				    h[j + 2] == '>') {
					e = h + j;
					break;
				}
			i = e ? (size_t)(e - h) + 3 : n;
			start = i;
			continue;
		}
		for (j = i + 1; j < n && h[j] != '>'; j++)
			if (h[j] == '"' || h[j] == '\'') {
				char q = h[j];

				for (j++; j < n && h[j] != q; j++)
					;
				if (j >= n)
					break;
			}
		if (j >= n) { /* unterminated: the rest is text */
			start = i;
			break;
		}
		if (dropped(h + i + 1, j - i - 1))
			j = skip_to_end(h, n, j + 1,
					dropped(h + i + 1, j - i - 1)) -
			    1;
		else
			tag(&c, h + i + 1, j - i - 1);
		i = j + 1;
		start = i;
	}
	if (start < n)
		decoded_text(&c, h + start, n - start);
	end_link(&c);
	if (c.out.failed) {
		ut_buf_clear(&c.out);
		return NULL;
	}
	return mp_tidy(ut_buf_steal(&c.out));
}
