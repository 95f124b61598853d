/*
 * NAME
 *	clock - the monotonic clock in milliseconds, and short sleeps
 * DESCRIPTION
 *	Deadlines and latencies are measured on CLOCK_MONOTONIC (a clock
 *	set back or forward by the administrator moves neither), in
 *	milliseconds; waits between retries are as short.
 */
#include <errno.h>
#include <time.h>

#include "util/util.h"

/* ut_now_ms - the monotonic clock, in milliseconds */
int64_t
ut_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ut_sleep_ms - sleep ms milliseconds, a signal or not */
void
ut_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
