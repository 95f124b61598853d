/*
 * NAME
 *	smart - GSM stand-ins for typographic characters
 * DESCRIPTION
 *	Smart encoding replaces characters that look like GSM ones
 *	(curly quotes, dashes, the ellipsis, Unicode spaces, tabs) with
 *	their GSM equivalents, and drops invisible ones (zero-width space,
 *	soft hyphen, byte order mark). sms_plan_new() uses it only when that
 *	makes the whole text GSM; letters are never changed.
 */
#include "sms/sms_int.h"

/* General Punctuation, U+2000..U+206F: the common case, indexed. */
const char *const sms_smart_punct[0x70] = {
    [0x00] = " ",   [0x01] = " ",  [0x02] = " ",  [0x03] = " ", [0x04] = " ",
    [0x05] = " ",   [0x06] = " ",  [0x07] = " ",  [0x08] = " ", [0x09] = " ",
    [0x0A] = " ", /* en quad .. hair space */
    [0x0B] = "",  /* zero width space */
    [0x10] = "-",   [0x11] = "-",  [0x12] = "-",  [0x13] = "-", [0x14] = "-",
    [0x15] = "-", /* hyphen .. horizontal bar */
    [0x18] = "'",   [0x19] = "'",  [0x1A] = "'",  [0x1B] = "'", [0x1C] = "\"",
    [0x1D] = "\"",  [0x1E] = "\"", [0x1F] = "\"", [0x22] = "-", /* bullet */
    [0x26] = "...",		   /* horizontal ellipsis */
    [0x27] = "-",		   /* hyphenation point */
    [0x28] = "\n",  [0x29] = "\n", /* line, paragraph separator */
    [0x2F] = " ",		   /* narrow no-break space */
    [0x32] = "'",   [0x33] = "\"", /* prime, double prime */
    [0x39] = "<",   [0x3A] = ">",  /* single angle quotation marks */
    [0x44] = "/",		   /* fraction slash */
    [0x5F] = " ",		   /* medium mathematical space */
    [0x60] = "",		   /* word joiner */
};

/* Everything else, sorted by code point. */
static const struct {
	uint32_t cp;
	const char *rep;
} others[] = {
    {0x0009, " "},  /* tab */
    {0x00A0, " "},  /* no-break space */
    {0x00AB, "\""}, /* left guillemet */
    {0x00AD, ""},   /* soft hyphen */
    {0x00BB, "\""}, /* right guillemet */
    {0x02BC, "'"},  /* modifier letter apostrophe */
    {0x02C6, "^"},  /* modifier letter circumflex */
    {0x02DC, "~"},  /* small tilde */
    {0x1680, " "},  /* ogham space mark */
    {0x2212, "-"},  /* minus sign */
    {0x2215, "/"},  /* division slash */
    {0x3000, " "},  /* ideographic space */
    {0xFE58, "-"},  /* small em dash */
    {0xFE63, "-"},  /* small hyphen-minus */
    {0xFEFF, ""},   /* zero width no-break space, byte order mark */
    {0xFF02, "\""}, /* fullwidth quotation mark */
    {0xFF07, "'"},  /* fullwidth apostrophe */
    {0xFF0D, "-"},  /* fullwidth hyphen-minus */
};

/* smart_map_other - smart_map() outside General Punctuation */
const char *
smart_map_other(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(others) / sizeof(others[0]);

	if (cp > 0xFF0D || (cp > 0x02DC && cp < 0x1680))
		return NULL; /* most scripts: nothing to map */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (others[mid].cp == cp)
			return others[mid].rep;
		if (others[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
