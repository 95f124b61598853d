/*
 * NAME
 *	fuzz - what every fuzz target and replay.c share
 * DESCRIPTION
 *	The libFuzzer entry point each target defines, and CHECK(), which
 *	aborts (a crash libFuzzer records) when an invariant fails.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)

/*
 * fuzz_sep - the first "\n--\n" in [p, end), or NULL: where a record of
 * a target that takes several ends
 */
static inline const uint8_t *
fuzz_sep(const uint8_t *p, const uint8_t *end)
{
	for (; end - p >= 4; p++)
		if (!memcmp(p, "\n--\n", 4))
			return p;
	return NULL;
}

/* fuzz_line - the next line of [*p, end) as a malloc'd string */
static inline char *
fuzz_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	CHECK(s != NULL);
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (nl != NULL);
	return s;
}

#endif /* TESTS_FUZZ_FUZZ_H */
