/*
 * NAME
 *	tag - thread tags: unguessable, and checked without a lookup
 * DESCRIPTION
 *	A thread is (owner mailbox, phone, sender number). Its tag is the
 *	first 60 bits of HMAC-SHA256(TagSecret, owner NUL phone NUL
 *	sender) in base32 (a-z, 2-7): 12 letters that anyone may read but
 *	only this site can make. A reply address "<number>+<tag>@domain"
 *	is checked by computing the tag again for the sender's thread
 *	with that phone: a tag from another owner's thread never matches.
 */
#include <ctype.h>
#include <nettle/hmac.h>
#include <string.h>

#include "policy/policy.h"

/* policy_tag - the thread's tag */
void
policy_tag(const char *secret, const char *owner, const char *phone,
	   const char *sender, char *out)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];
	uint64_t bits = 0;
	unsigned i;

	hmac_sha256_set_key(&ctx, strlen(secret), (const uint8_t *)secret);
	hmac_sha256_update(&ctx, strlen(owner) + 1, (const uint8_t *)owner);
	hmac_sha256_update(&ctx, strlen(phone) + 1, (const uint8_t *)phone);
	hmac_sha256_update(&ctx, strlen(sender), (const uint8_t *)sender);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	for (i = 0; i < 8; i++)
		bits = bits << 8 | mac[i];
	for (i = 0; i < POLICY_TAG_LEN; i++)
		out[i] = b32[(bits >> (59 - 5 * i)) & 31];
	out[POLICY_TAG_LEN] = '\0';
}

/* policy_tag_ok - compare with the thread's tag, in constant time */
bool
policy_tag_ok(const char *secret, const char *owner, const char *phone,
	      const char *sender, const char *tag)
{
	char want[POLICY_TAG_LEN + 1];
	unsigned diff = 0, i;

	if (strlen(tag) != POLICY_TAG_LEN)
		return false;
	policy_tag(secret, owner, phone, sender, want);
	for (i = 0; i < POLICY_TAG_LEN; i++)
		diff |= (unsigned)((tag[i] | 0x20) ^ want[i]);
	return diff == 0;
}

/* policy_tag_in_text - "#tag" in a text from a phone */
bool
policy_tag_in_text(const char *text, char tag_r[POLICY_TAG_LEN + 1])
{
	const char *p = text;
	size_t k;

	while ((p = strchr(p, '#')) != NULL) {
		p++;
		if (mp_tag_span(p) != POLICY_TAG_LEN ||
		    isalnum((unsigned char)p[POLICY_TAG_LEN]))
			continue;
		for (k = 0; k < POLICY_TAG_LEN; k++)
			tag_r[k] = (char)tolower((unsigned char)p[k]);
		tag_r[k] = '\0';
		return true;
	}
	return false;
}

/* The two counters of failed tags. */
struct tag_limit {
	const char *scope; /* the store's rate scope */
	const struct conf_rate *rate;
	char key[400];	  /* "who|client", or "client" */
	const char *whom; /* for the sentence */
};

/* tag_limits - the sender's and the client's counters */
static void
tag_limits(const struct conf *c, const char *who, const char *client,
	   struct tag_limit l[2], char *whom, size_t size)
{
	const char *cl = client && *client ? client : "local";

	snprintf(whom, size, "%s at %s", who && *who ? who : "<>", cl);
	l[0] = (struct tag_limit){"tagfail", &c->tag_failure_limit, "", whom};
	snprintf(l[0].key, sizeof(l[0].key), "%s|%s", who ? who : "", cl);
	l[1] = (struct tag_limit){"tagfail-client",
				  &c->tag_failure_client_limit, "", cl};
	snprintf(l[1].key, sizeof(l[1].key), "%s", cl);
}

/* too_many - the refusal for a sender or client over its limit */
static bool
too_many(const char *whom, int64_t retry, struct policy_verdict *v)
{
	char when[32];

	policy_utc_time(retry, when, sizeof(when));
	return policy_refuse(v, "450", "4.7.1",
			     "too many wrong reply addresses from %s; try "
			     "again after %s",
			     whom, when);
}

/* policy_tag_failures_ok - neither the sender nor the client is over */
bool
policy_tag_failures_ok(const struct conf *c, struct store *st, const char *who,
		       const char *client, int64_t now,
		       struct policy_verdict *v, struct store_error *err)
{
	struct tag_limit l[2];
	char whom[400];
	long long fails;
	int64_t retry;
	unsigned i;

	tag_limits(c, who, client, l, whom, sizeof(whom));
	for (i = 0; i < 2; i++) {
		if (l[i].rate->count <= 0)
			continue;
		if (store_rate_count(st, l[i].scope, l[i].key, now,
				     l[i].rate->seconds, &fails, &retry,
				     err) != STORE_OK)
			return policy_store_down(v, NULL);
		if (fails >= l[i].rate->count)
			return too_many(l[i].whom, retry, v);
	}
	return true;
}

/* policy_tag_failed - count a wrong tag; the refusal for it */
bool
policy_tag_failed(const struct conf *c, struct store *st, const char *who,
		  const char *client, const char *addr, int64_t now,
		  struct policy_verdict *v, struct store_error *err)
{
	struct tag_limit l[2];
	char whom[400];
	int64_t retry = 0, worst = 0;
	bool allowed, over = false;
	const char *over_whom = NULL;
	unsigned i;

	tag_limits(c, who, client, l, whom, sizeof(whom));
	for (i = 0; i < 2; i++) {
		if (l[i].rate->count <= 0)
			continue;
		allowed = true;
		if (store_rate_hit(st, l[i].scope, l[i].key, now,
				   l[i].rate->seconds, l[i].rate->count,
				   &allowed, &retry, err) != STORE_OK)
			return policy_store_down(v, NULL);
		if (!allowed && !over) {
			over = true;
			over_whom = l[i].whom;
			worst = retry;
		}
	}
	if (over)
		return too_many(over_whom, worst, v);
	return policy_refuse(v, "550", "5.7.1",
			     "the reply address %s is not one of your "
			     "conversations",
			     addr);
}

/* policy_idem_key - what makes a queued text the same text */
void
policy_idem_key(const char *mail_id, const char *owner, const char *phone,
		const char *text, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	char dig[33];
	unsigned i;

	sha256_init(&ctx);
	sha256_update(&ctx, strlen(owner) + 1, (const uint8_t *)owner);
	sha256_update(&ctx, strlen(text), (const uint8_t *)text);
	sha256_digest(&ctx, sizeof(d), d);
	for (i = 0; i < 16; i++) {
		dig[2 * i] = hex[d[i] >> 4];
		dig[2 * i + 1] = hex[d[i] & 15];
	}
	dig[32] = '\0';
	snprintf(out, size, "%s|%s|%s", mail_id, phone, dig);
}

/* policy_mail_id - the sender's Message-ID, else the time window */
void
policy_mail_id(const char *message_id, const char *qid, long long window,
	       int64_t now, char *cur, char *prev, size_t size)
{
	bool mta_made = qid && strlen(qid) >= 5 && strcmp(qid, "NOQUEUE") &&
			message_id && strstr(message_id, qid);
	long long b;

	prev[0] = '\0';
	if (message_id && message_id[0] && !mta_made) {
		snprintf(cur, size, "%s", message_id);
		return;
	}
	if (window <= 0) {
		snprintf(cur, size, "%s", qid ? qid : "");
		return;
	}
	b = (long long)(now / window);
	snprintf(cur, size, "no-message-id:%lld:%lld", window, b);
	snprintf(prev, size, "no-message-id:%lld:%lld", window, b - 1);
}

/* policy_text_fingerprint - what makes a text from a phone the same PDU */
void
policy_text_fingerprint(const char *from, const char *to, unsigned esm_class,
			unsigned data_coding, const uint8_t *ud, size_t len,
			char out[POLICY_FP_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE],
	    head[2] = {(uint8_t)esm_class, (uint8_t)data_coding};
	unsigned i;

	sha256_init(&ctx);
	sha256_update(&ctx, strlen(from) + 1, (const uint8_t *)from);
	sha256_update(&ctx, strlen(to) + 1, (const uint8_t *)to);
	sha256_update(&ctx, sizeof(head), head);
	if (len)
		sha256_update(&ctx, len, ud);
	sha256_digest(&ctx, sizeof(d), d);
	for (i = 0; i < POLICY_FP_LEN / 2; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[POLICY_FP_LEN] = '\0';
}
