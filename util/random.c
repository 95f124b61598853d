/*
 * NAME
 *	random - bytes from the kernel's generator, and ids made of them
 * DESCRIPTION
 *	Every secret or unguessable id the project makes (public ids of
 *	texts and hooks, API tokens) comes from getrandom(2) here.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include "util/util.h"

/* ut_random - fill n bytes; false when the kernel gave too few */
bool
ut_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		p += got;
		n -= (size_t)got;
	}
	return true;
}

/* ut_random_hex - prefix and 2 * nbytes hex digits into out */
bool
ut_random_hex(const char *prefix, size_t nbytes, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[64];
	size_t len, i;

	if (nbytes > sizeof(r) || !ut_random(r, nbytes))
		return false;
	len = (size_t)snprintf(out, size, "%s", prefix);
	if (len + 2 * nbytes + 1 > size)
		return false;
	for (i = 0; i < nbytes; i++) {
		out[len + 2 * i] = hex[r[i] >> 4];
		out[len + 2 * i + 1] = hex[r[i] & 15];
	}
	out[len + 2 * nbytes] = '\0';
	return true;
}
