/*
 * NAME
 *	hook_queue - fill a store with event hooks, for bench/hooks.sh
 * SYNOPSIS
 *	hook_queue DB URL N
 * DESCRIPTION
 *	Queues N message.received hooks to URL in the store DB (created
 *	if needed) in one transaction, each a signed-JSON POST with a
 *	text's fields as policy_hooks_inbound makes them, and due now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

int
main(int argc, char **argv)
{
	struct store_error err;
	struct store *s;
	long n, i;
	int64_t now = (int64_t)time(NULL);

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: hook_queue DB URL N\n");
		return 2;
	}
	if (!(s = store_open(argv[1], STORE_SYNC_NORMAL, &err)) ||
	    store_batch_begin(s, &err) != STORE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		char hid[STORE_HID_SIZE], body[512];
		struct store_hook_out h = {
		    .hid = hid,
		    .owner = "alice@example.com",
		    .event = "message.received",
		    .message_id = i + 1,
		    .url = argv[2],
		    .method = "POST",
		    .content_type = "application/json",
		    .body = body,
		};

		if (store_hook_hid(hid, &err) != STORE_OK)
			goto fail;
		h.len = (size_t)snprintf(
		    body, sizeof(body),
		    "{\"id\":\"%s\",\"event\":\"message.received\","
		    "\"timestamp\":%lld,\"MessageSid\":\"%ld\","
		    "\"From\":\"+1202555%04ld\",\"To\":\"+12025550100\","
		    "\"Text\":\"hook number %ld, a text of a usual length for "
		    "a text from a phone\"}",
		    hid, (long long)now, i + 1, i % 10000, i + 1);
		if (store_hook_add(s, &h, now, NULL, NULL, &err) != STORE_OK)
			goto fail;
	}
	if (store_batch_end(s, &err) != STORE_OK)
		goto fail;
	store_close(&s);
	return 0;
fail:
	fprintf(stderr, "hook_queue: %s\n", err.msg);
	store_close(&s);
	return 1;
}
