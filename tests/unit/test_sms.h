/*
 * NAME
 *	test_sms - groups of the sms/ unit tests
 */
#ifndef TESTS_UNIT_TEST_SMS_H
#define TESTS_UNIT_TEST_SMS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

int test_sms_text(void);
int test_sms_udh(void);
int test_sms_phone(void);
int test_sms_vectors(void);
int test_sms_fast(void);
int test_sms_inbound(void);

#endif /* TESTS_UNIT_TEST_SMS_H */
