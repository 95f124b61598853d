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
