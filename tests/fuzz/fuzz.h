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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)

#endif /* TESTS_FUZZ_FUZZ_H */
