/*
 * NAME
 *	test_sms - unit tests of sms/: codec, UDH, numbers, vectors, fast paths,
 *	inbound decoding
 */
#include "tests/unit/test_sms.h"

int
main(void)
{
	int failed = 0;

	failed += test_sms_text();
	failed += test_sms_udh();
	failed += test_sms_phone();
	failed += test_sms_vectors();
	failed += test_sms_fast();
	failed += test_sms_inbound();
	return failed ? 1 : 0;
}
