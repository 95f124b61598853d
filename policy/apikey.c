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
 *
 *	A cache (policy_apikeys_new) keeps the keys found lately, by the
 *	hash of their token (never the token), with when they were found:
 *	for ApiKeyCacheTime seconds after, a request with the same token
 *	is answered without the store. So a key revoked is refused at most
 *	that long after. A token not found is never kept: a new key works
 *	at once.
 */
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/policy.h"
#include "util/util.h"

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

#define KEYS_MAX 64 /* the keys a cache keeps, the oldest found replaced */

/* A key found in the store lately. */
struct cached_key {
	char hash[POLICY_APIKEY_HASH_LEN + 1]; /* "": a free entry */
	char owner[256];		       /* as stored */
	int64_t id;
	int64_t found; /* when (the request's now) */
};

struct policy_apikeys {
	pthread_mutex_t mu;
	struct cached_key k[KEYS_MAX];
};

/* policy_apikeys_new - an empty cache of keys, or NULL */
struct policy_apikeys *
policy_apikeys_new(void)
{
	struct policy_apikeys *ks = calloc(1, sizeof(*ks));

	if (ks && pthread_mutex_init(&ks->mu, NULL) != 0) {
		free(ks);
		ks = NULL;
	}
	return ks;
}

/* policy_apikeys_free - free a cache; set *ksp to NULL */
void
policy_apikeys_free(struct policy_apikeys **ksp)
{
	struct policy_apikeys *ks = *ksp;

	if (!ks)
		return;
	pthread_mutex_destroy(&ks->mu);
	free(ks);
	*ksp = NULL;
}

/*
 * cached - the key of hash, found in the store less than ttl seconds
 * before now, into owner_r and *id_r; false if there is none
 */
static bool
cached(struct policy_apikeys *ks, const char *hash, int64_t now, int64_t ttl,
       char owner_r[256], int64_t *id_r)
{
	bool hit = false;
	unsigned i;

	if (!ks || ttl <= 0)
		return false;
	pthread_mutex_lock(&ks->mu);
	for (i = 0; i < KEYS_MAX; i++) {
		struct cached_key *e = &ks->k[i];

		if (strcmp(e->hash, hash) != 0)
			continue;
		/* a clock set back: found "later" than now is stale too */
		hit = e->found <= now && now - e->found < ttl;
		if (hit) {
			memcpy(owner_r, e->owner, sizeof(e->owner));
			*id_r = e->id;
		} else
			e->hash[0] = '\0';
		break;
	}
	pthread_mutex_unlock(&ks->mu);
	return hit;
}

/* keep - remember the key of hash, found now (the oldest goes) */
static void
keep(struct policy_apikeys *ks, const char *hash, const struct store_apikey *k,
     int64_t now)
{
	struct cached_key *e = NULL;
	unsigned i;

	if (!ks)
		return;
	pthread_mutex_lock(&ks->mu);
	for (i = 0; i < KEYS_MAX && !e; i++) /* another thread's, just now */
		if (!strcmp(ks->k[i].hash, hash))
			e = &ks->k[i];
	for (i = 0; i < KEYS_MAX && !e; i++) /* a free entry */
		if (!ks->k[i].hash[0])
			e = &ks->k[i];
	if (!e) { /* else the one found longest ago */
		e = &ks->k[0];
		for (i = 1; i < KEYS_MAX; i++)
			if (ks->k[i].found < e->found)
				e = &ks->k[i];
	}
	memcpy(e->hash, hash, sizeof(e->hash));
	snprintf(e->owner, sizeof(e->owner), "%s", k->owner);
	e->id = k->id;
	e->found = now;
	pthread_mutex_unlock(&ks->mu);
}

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
		   struct policy_apikeys *ks, const char *authorization,
		   int64_t now, char owner_r[256], int64_t *key_id_r,
		   struct policy_verdict *v, struct store_error *err)
{
	static const char scheme[] = "Bearer";
	char token[POLICY_APIKEY_LEN + 1], hash[POLICY_APIKEY_HASH_LEN + 1];
	char stored[256];
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
	if (cached(ks, hash, now, c->api_key_cache_time, stored, key_id_r)) {
		policy_owner(c, stored, owner_r, 256);
		return true;
	}
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
	keep(ks, hash, &k, now);
	policy_owner(c, k.owner, owner_r, 256);
	*key_id_r = k.id;
	return true;
}
