/*
 * NAME
 *	forwards - which phone a forwarded text came from
 * DESCRIPTION
 *	A text to one of our numbers forwarded to another phone (the
 *	target) is noted as (number, target, phone), so that the
 *	target's answer to that number goes back to the last phone it
 *	was forwarded from.
 */
#include "store/store_int.h"

/* store_forward_add - note a forward from phone to target via number */
int
store_forward_add(struct store *s, const char *number, const char *target,
		  const char *phone, const char *owner, int64_t now,
		  struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_FORWARD_ADD, err);
	sq_bind_text(st, 1, number);
	sq_bind_text(st, 2, target);
	sq_bind_text(st, 3, phone);
	sq_bind_text(st, 4, owner);
	sq_bind_int64(st, 5, now);
	return store_exec(s, st, "noting a forward", err);
}

/* store_forward_last - the phone last forwarded to target via number */
int
store_forward_last(struct store *s, const char *number, const char *target,
		   int64_t since, char phone_r[20], char *owner_r,
		   struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_FORWARD_LAST, err);
	sq_bind_text(st, 1, number);
	sq_bind_text(st, 2, target);
	sq_bind_int64(st, 3, since);
	rc = store_step(st);
	if (rc == SQ_ROW) {
		copy_text(st, 0, phone_r, 20);
		copy_text(st, 1, owner_r, 256);
		sq_reset(st);
		return STORE_OK;
	}
	sq_reset(st);
	if (rc != SQ_DONE)
		return store_fail_db(s, "looking up a forward", err);
	return store_set_error(err, STORE_ENOTFOUND, "no forward");
}
