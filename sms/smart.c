/*
 * NAME
 *	smart - GSM stand-ins for typographic characters
 * DESCRIPTION
 *	Smart encoding replaces characters that look like GSM ones
 *	(curly quotes, dashes, the ellipsis, Unicode spaces) with their
 *	GSM equivalents, and drops invisible ones (zero-width space, soft
 *	hyphen, byte order mark). sms_plan_new() uses it only when that
 *	makes the whole text GSM; letters are never changed.
 */
#include "sms/sms_int.h"

/* smart_map - GSM replacement of cp: count (0-3) or -1 for none */
int
smart_map(uint32_t cp, uint32_t out[3])
{
	if ((cp > 0x02DC && cp < 0x1680) || (cp > 0x3000 && cp < 0xFE58) ||
	    cp > 0xFF0D)
		return -1; /* most scripts: nothing to map */
	switch (cp) {
	case 0x0009: /* tab */
	case 0x00A0: /* no-break space */
	case 0x1680: /* ogham space mark */
	case 0x2000:
	case 0x2001:
	case 0x2002:
	case 0x2003:
	case 0x2004:
	case 0x2005:
	case 0x2006:
	case 0x2007:
	case 0x2008:
	case 0x2009:
	case 0x200A: /* en quad .. hair space */
	case 0x202F: /* narrow no-break space */
	case 0x205F: /* medium mathematical space */
	case 0x3000: /* ideographic space */ out[0] = ' '; return 1;
	case 0x00AD: /* soft hyphen */
	case 0x200B: /* zero width space */
	case 0x2060: /* word joiner */
	case 0xFEFF: /* zero width no-break space, BOM */ return 0;
	case 0x2018:
	case 0x2019:
	case 0x201A:
	case 0x201B: /* single quotes */
	case 0x2032: /* prime */
	case 0x02BC: /* modifier letter apostrophe */
	case 0xFF07: /* fullwidth apostrophe */ out[0] = '\''; return 1;
	case 0x201C:
	case 0x201D:
	case 0x201E:
	case 0x201F: /* double quotes */
	case 0x2033: /* double prime */
	case 0x00AB:
	case 0x00BB: /* guillemets */
	case 0xFF02: /* fullwidth quotation mark */ out[0] = '"'; return 1;
	case 0x2039: /* single left-pointing angle quotation mark */
		out[0] = '<';
		return 1;
	case 0x203A: /* single right-pointing angle quotation mark */
		out[0] = '>';
		return 1;
	case 0x2010:
	case 0x2011:
	case 0x2012:
	case 0x2013:
	case 0x2014:
	case 0x2015: /* hyphen .. horizontal bar */
	case 0x2212: /* minus sign */
	case 0xFE58:
	case 0xFE63:
	case 0xFF0D: /* small and fullwidth */ out[0] = '-'; return 1;
	case 0x2026: /* horizontal ellipsis */
		out[0] = out[1] = out[2] = '.';
		return 3;
	case 0x2022: /* bullet */
	case 0x2027: /* hyphenation point */ out[0] = '-'; return 1;
	case 0x2044: /* fraction slash */
	case 0x2215: /* division slash */ out[0] = '/'; return 1;
	case 0x2028: /* line separator */
	case 0x2029: /* paragraph separator */ out[0] = '\n'; return 1;
	case 0x02C6: /* modifier letter circumflex */ out[0] = '^'; return 1;
	case 0x02DC: /* small tilde */ out[0] = '~'; return 1;
	default: return -1;
	}
}
