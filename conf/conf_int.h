/*
 * NAME
 *	conf_int - the key table and value parsers inside conf/
 */
#ifndef CONF_CONF_INT_H
#define CONF_CONF_INT_H

#include <stddef.h>

#include "conf/conf.h"
#include "util/util.h"

/* What a key's value is; each type has one parser (types.c). */
enum conf_type {
	CT_STRING,	  /* any text */
	CT_PATH,	  /* an absolute path */
	CT_DATABASE,	  /* an absolute path, or a postgresql:// URI */
	CT_SECRET,	  /* text, masked when printed */
	CT_SECRET_FILE,	  /* the secret read from this file (mode 600) */
	CT_INT,		  /* a number in [min, max] */
	CT_BOOL,	  /* yes/no/true/false/on/off/1/0 */
	CT_DURATION,	  /* 30s, 10m, 2h, 14d, 1w, 1h30m; seconds */
	CT_SIZE,	  /* 512, 64k, 10M, 1G; bytes */
	CT_ENUM,	  /* one of choices; stored as its index (int) */
	CT_SOCKET,	  /* inet:PORT@HOST, inet6:PORT@HOST, unix:/path */
	CT_DOMAINS,	  /* list of domain names */
	CT_HOSTS,	  /* list of host names or addresses */
	CT_COUNTRY,	  /* ISO 3166 alpha-2 code */
	CT_COUNTRIES,	  /* list of those */
	CT_PREFIXES,	  /* list: NANP area codes (684) or +E.164 prefixes */
	CT_SHORTCODES,	  /* list: short codes, 3 to 8 digits */
	CT_NUMBERS,	  /* list: international numbers, kept as E.164 */
	CT_ADDRESSES,	  /* list: user@domain or @domain */
	CT_PHRASES,	  /* list of texts separated by | */
	CT_NETWORKS,	  /* list: address[/prefix], IPv4 or IPv6 */
	CT_OWNER_NUMBERS, /* list: address=number */
	CT_NUMBER_OWNERS, /* list: number=address */
	CT_ALIASES,	  /* list: alias address=owner address */
	CT_LOGINS,	  /* list: address or @domain=SASL login */
	CT_ACCOUNTS,	  /* list: address or @domain=account name */
	CT_GROUP_NUMBERS, /* list: address or @domain=number (E.164) */
	CT_NUMBER_PAIRS,  /* list: number=number (both E.164) */
	CT_SENDER,	  /* E.164 number or alphanumeric sender ID */
	CT_TEMPLATE,	  /* text with {subject}, {body}, {from} */
	CT_RATE,	  /* N/duration, e.g. 30/1h */
	CT_DECIMAL,	  /* a price: digits with up to 4 decimals */
	CT_HOSTPORT,	  /* host:port or [v6]:port */
	CT_URL,		  /* http:// or https:// URL */
	CT_FACILITY,	  /* syslog facility name */
	CT_NAME,	  /* a user or group name */
	CT_HOOKS,	  /* NUMBER|* METHOD URL [ok], one a line */
};

/* Key flags. */
#define KEY_REQUIRED 0x01 /* must be set (or, for secrets, its twin) */
#define KEY_REPEAT   0x02 /* may be set on several lines, each adding */

/* One key of smsmilter.conf. */
struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;		    /* field in struct conf */
	const char *def;	    /* default, as it would be written; NULL */
	long long min, max;	    /* CT_INT, CT_DURATION, CT_SIZE */
	const char *const *choices; /* CT_ENUM, NULL-terminated */
	unsigned flags;
	const char *section; /* heading in the sample and man page */
	const char *doc;     /* one paragraph */
	const char *example; /* for keys without a default */
};

/* The table, in the order of the sample file. */
extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

/*
 * An old word still read for a CT_ENUM value, so that a file written
 * for an earlier release keeps working; printed as the choice it
 * means.
 */
struct conf_alias {
	const char *key;     /* the key's name */
	const char *word;    /* the old word */
	const char *choice;  /* the choice it is read as */
	const char *warning; /* what config check says when used, or NULL */
};

extern const struct conf_alias conf_aliases[];
extern const size_t conf_naliases;

/* Parsing context of one value. */
struct conf_ctx {
	struct ut_arena *arena;
	struct ut_buf *errors;
	struct ut_buf *warnings; /* NULL: none wanted */
	const char *file;
	unsigned line;
	const struct conf_key *key;
	bool inline_secret; /* a secret was given in the file itself */
};

/*
 * conf_parse_value - check text and store it in the field of c that
 * key names; on error, report it through ctx and return -1
 */
int conf_parse_value(struct conf_ctx *ctx, struct conf *c, const char *text);

/* conf_error - report "FILE:LINE: KEY: message" (or without line/key) */
void conf_error(struct conf_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* conf_warning - note "FILE:LINE: KEY: warning: message"; not an error */
void conf_warning(struct conf_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* conf_format_value - the field of c for key as it would be written */
void conf_format_value(const struct conf *c, const struct conf_key *key,
		       struct ut_buf *out);

/* conf_format_duration - seconds in the largest exact unit (90m) */
void conf_format_duration(struct ut_buf *out, long long seconds);

/* conf_format_size - bytes in the largest exact unit (10M) */
void conf_format_size(struct ut_buf *out, long long bytes);

#endif /* CONF_CONF_INT_H */
