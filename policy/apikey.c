/*
 * NAME
 *	apikey - keys of the send API: made, hashed, and checked
 * DESCRIPTION
 *	A token is "smk_" and 40 base32 letters (a-z, 2-7): 200 bits from
 *	getrandom(2), by ut_random. The store keeps its SHA-256 in hex,
 *	never the token, and its hint, the first 8 letters after "smk_",
 *	for people to tell keys apart. With 200 random bits a plain hash
 *	is enough: there is nothing to guess, so nothing a slow hash
 *	would slow down.
 *
 *	A request names its key in "Authorization: Bearer TOKEN" (RFC
 *	6750; the scheme in any case). The key is found by the hash of the
 *	token, so a lookup's timing says something of a hash, nothing of
 *	a token. A key acts as its owner: the caller applies every other
 *	rule of this module to that owner, as to a mail's sender.
 *
 *	No sentence here quotes a token: they end up in logs. The hint
 *	of a token that is not known (as "smsctl apikey list" shows it)
 *	is quoted, so that its holder can tell which one it was.
 */
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/policy.h"
#include "util/util.h"

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* policy_apikey_hash - the hex SHA-256 of token */
void
policy_apikey_hash(const char *token, char hash_r[POLICY_APIKEY_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	unsigned i;

	sha256_init(&ctx);
	sha256_update(&ctx, strlen(token), (const uint8_t *)token);
	sha256_digest(&ctx, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
		hash_r[2 * i] = hex[d[i] >> 4];
		hash_r[2 * i + 1] = hex[d[i] & 15];
	}
	hash_r[POLICY_APIKEY_HASH_LEN] = '\0';
}

/* policy_apikey_new - a new token, its hash and its hint */
int
policy_apikey_new(char token_r[POLICY_APIKEY_LEN + 1],
		  char hash_r[POLICY_APIKEY_HASH_LEN + 1],
		  char hint_r[POLICY_APIKEY_HINT_LEN + 1])
{
	enum { NCHARS = POLICY_APIKEY_LEN - sizeof(POLICY_APIKEY_PREFIX) + 1 };
	uint8_t r[NCHARS * 5 / 8 + 1] = {0}; /* one spare byte: see below */
	size_t pre = sizeof(POLICY_APIKEY_PREFIX) - 1, i;

	token_r[0] = hash_r[0] = hint_r[0] = '\0';
	if (!ut_random(r, sizeof(r) - 1))
		return -1;
	memcpy(token_r, POLICY_APIKEY_PREFIX, pre);
	for (i = 0; i < NCHARS; i++) {
		/* 5 bits at bit 5i, from the two bytes they are in (the
		   spare zero byte is read, never used, for the last) */
		size_t bit = 5 * i;
		unsigned two = (unsigned)r[bit / 8] << 8 | r[bit / 8 + 1];

		token_r[pre + i] = b32[two >> (11 - bit % 8) & 31];
	}
	token_r[POLICY_APIKEY_LEN] = '\0';
	memcpy(hint_r, token_r + pre, POLICY_APIKEY_HINT_LEN);
	hint_r[POLICY_APIKEY_HINT_LEN] = '\0';
	policy_apikey_hash(token_r, hash_r);
	return 0;
}

/* token_shaped - s is "smk_" and 40 letters of b32 */
static bool
token_shaped(const char *s, size_t len)
{
	size_t pre = sizeof(POLICY_APIKEY_PREFIX) - 1, i;

	if (len != POLICY_APIKEY_LEN ||
	    strncmp(s, POLICY_APIKEY_PREFIX, pre) != 0)
		return false;
	for (i = pre; i < len; i++)
		if (!s[i] || !strchr(b32, s[i]))
			return false;
	return true;
}

/* is_ows - a space or a tab (RFC 9110 OWS) */
static bool
is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* bad_key - the refusal of a request without a key we can read */
static bool
bad_key(struct policy_verdict *v, const char *why)
{
	return policy_refuse(
	    v, "550", "5.7.8",
	    "%s: send an API key as \"Authorization: Bearer "
	    "smk_...\" (an administrator makes one with smsctl apikey add)",
	    why);
}

/* policy_apikey_auth - the owner of the key a request names */
bool
policy_apikey_auth(const struct conf *c, struct store *st,
		   const char *authorization, int64_t now, char owner_r[256],
		   int64_t *key_id_r, struct policy_verdict *v,
		   struct store_error *err)
{
	static const char scheme[] = "Bearer";
	char token[POLICY_APIKEY_LEN + 1], hash[POLICY_APIKEY_HASH_LEN + 1];
	const char *p = authorization, *tok;
	struct store_apikey k;
	size_t n;
	int rc;

	owner_r[0] = '\0';
	*key_id_r = 0;
	while (p && is_ows(*p))
		p++;
	if (!p || !*p)
		return bad_key(v, "no API key");
	for (n = 0; p[n] && !is_ows(p[n]); n++)
		;
	if (n != sizeof(scheme) - 1 || strncasecmp(p, scheme, n) != 0)
		return bad_key(v, token_shaped(p, n)
				      ? "the API key must follow \"Bearer \""
				      : "the Authorization header is not "
					"\"Bearer\" and an API key");
	for (p += n; is_ows(*p); p++)
		;
	for (tok = p, n = 0; p[n] && !is_ows(p[n]); n++)
		;
	for (p += n; is_ows(*p); p++)
		;
	if (n == 0)
		return bad_key(v, "no API key after \"Bearer\"");
	if (*p || !token_shaped(tok, n))
		return bad_key(v,
			       "that is not an API key of this site (\"smk_\" "
			       "and 40 letters and digits)");
	memcpy(token, tok, n);
	token[n] = '\0';
	policy_apikey_hash(token, hash);
	rc = store_apikey_find(st, hash, &k, err);
	if (rc == STORE_ENOTFOUND)
		return policy_refuse(v, "550", "5.7.8",
				     "the API key %.*s... is not known here or "
				     "was revoked",
				     (int)(sizeof(POLICY_APIKEY_PREFIX) - 1 +
					   POLICY_APIKEY_HINT_LEN),
				     token);
	if (rc != STORE_OK || store_apikey_used(st, k.id, now, err) != STORE_OK)
		return policy_store_down(v, NULL);
	policy_owner(c, k.owner, owner_r, 256);
	*key_id_r = k.id;
	return true;
}
