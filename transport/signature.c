/*
 * NAME
 *	signature - the X-Twilio-Signature of a provider's webhook
 * DESCRIPTION
 *	Twilio (and the providers that copy its API) sign each webhook
 *	with base64(HMAC-SHA1(auth token, URL + name1 + value1 + ...)),
 *	the POST parameters sorted by name. The webhook server computes
 *	it and compares. Parameters with the same name are taken in the
 *	order of their values, as Twilio's own libraries do.
 */
#include <string.h>

#include <nettle/base64.h>
#include <nettle/hmac.h>

#include "transport/transport_int.h"

/* before - whether parameter a sorts before b (name, value, position) */
static bool
before(const char *const *names, const char *const *values, size_t a, size_t b)
{
	int d = strcmp(names[a], names[b]);

	if (d == 0)
		d = strcmp(values[a], values[b]);
	return d < 0 || (d == 0 && a < b);
}

/* tp_twilio_signature - HMAC-SHA1 of the URL and sorted parameters */
void
tp_twilio_signature(const char *token, const char *url,
		    const char *const *names, const char *const *values,
		    size_t n, char out[29])
{
	struct hmac_sha1_ctx ctx;
	uint8_t digest[SHA1_DIGEST_SIZE];
	size_t k, i, last = 0, next;

	hmac_sha1_set_key(&ctx, strlen(token), (const uint8_t *)token);
	hmac_sha1_update(&ctx, strlen(url), (const uint8_t *)url);
	/* each round takes the least parameter after the last one taken */
	for (k = 0; k < n; k++) {
		next = n;
		for (i = 0; i < n; i++)
			if ((k == 0 || before(names, values, last, i)) &&
			    (next == n || before(names, values, i, next)))
				next = i;
		hmac_sha1_update(&ctx, strlen(names[next]),
				 (const uint8_t *)names[next]);
		hmac_sha1_update(&ctx, strlen(values[next]),
				 (const uint8_t *)values[next]);
		last = next;
	}
	hmac_sha1_digest(&ctx, sizeof(digest), digest);
	base64_encode_raw((char *)out, sizeof(digest), digest);
	out[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
}
