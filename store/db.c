/*
 * NAME
 *	db - the connection: open, pragmas, statements, transactions
 * DESCRIPTION
 *	A store is one SQLite connection in WAL mode with foreign keys on
 *	and a busy timeout. Statements are prepared on first use and kept
 *	for the life of the connection. Transactions that write begin
 *	IMMEDIATE, so that they take the write lock first and never fail
 *	half-way on an upgrade from reader to writer; BEGIN, COMMIT and
 *	each step are retried while the database is busy.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"
#include "util/util.h"

#define BUSY_TIMEOUT_MS 5000
#define BUSY_RETRIES	12 /* with the timeout: a minute of contention */

/* The columns fill_thread() reads, of threads t. */
#define THREAD_COLS                                                            \
	"t.id, t.owner, t.phone, t.sender, t.tag, t.subject, t.created,"       \
	" t.last_active, (SELECT count(*) FROM messages m"                     \
	" WHERE m.thread_id = t.id), t.last_message_id"

/* The columns fill_apikey() (apikeys.c) reads, of api_keys. */
#define APIKEY_COLS "id, owner, name, hint, created, last_used, revoked"

/*
 * The lease columns both queues keep (messages for texts, mail_queue for
 * mail): state 0 queued, 1 scheduled, 2 leased to lease_owner until
 * lease_until. A row is due when it waits and its time has come, or
 * when its lease ran out (LEASE_DUE, of the table's alias t, ?1 now);
 * taking it leases row ?1 to ?2 until ?3 (LEASE_TAKE); a lease ends
 * only where ?2 still holds it (LEASE_HELD), and a holder gives back
 * all of its own at once (LEASE_MINE, ?1 the holder).
 */
#define LEASE_DUE(t)                                                           \
	t "state <= 2 AND " t "due <= ?1 AND (" t "state < 2 OR " t            \
	  "lease_until <= ?1)"
#define LEASE_TAKE                                                             \
	"state = 2, lease_owner = ?2, lease_until = ?3,"                       \
	" attempts = attempts + 1"
#define LEASE_DROP "lease_owner = NULL, lease_until = NULL"
#define LEASE_HELD "id = ?1 AND lease_owner = ?2 AND state = 2"
#define LEASE_MINE "state = 2 AND lease_owner = ?1"

/* The columns fill_hook() reads (hooks.c), and a hook's lease held. */
#define HOOK_COLS                                                              \
	"id, hid, owner, event, message_id, url, method, content_type,"        \
	" expect_ok, attempts, created, state, due, updated, last_error, "     \
	"body,"                                                                \
	" per_text"
#define HOOK_HELD "id = ?1 AND lease_owner = ?2 AND state = 0"

/* The columns fill_media() (media.c) reads, of media. */
#define MEDIA_COLS                                                             \
	"id, mid, owner, message_id, filename, content_type, size, created,"   \
	" expires"

static const char *const sql[ST_COUNT] = {
    /* queue.c */
    [ST_MSG_BY_IDEM] = "SELECT id, thread_id FROM messages WHERE idem_key = ?1",
    [ST_MSG_INSERT] =
	"INSERT INTO messages (thread_id, direction, envelope_from, queue_id,"
	" message_id, idem_key, notify, text, encoding, segments, state, due,"
	" created, updated, envid, ret, returned, returned_full, sid,"
	" external_id, opts, mms)"
	" VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	" ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
	" ON CONFLICT DO NOTHING",
    [ST_EVENT_INSERT] = "INSERT INTO events (message_id, at, state, detail)"
			" VALUES (?1, ?2, ?3, ?4)",
    [ST_CLAIM] =
	"SELECT m.id, m.thread_id, t.phone, t.sender, m.encoding, m.segments,"
	" m.attempts, m.notify, m.created, m.text, m.mms FROM messages m"
	" JOIN threads t ON t.id = m.thread_id"
	" WHERE " LEASE_DUE("m.") " ORDER BY m.due, m.id LIMIT ?2",
    [ST_LEASE] = "UPDATE messages SET " LEASE_TAKE ", updated = ?4"
		 " WHERE id = ?1",
    [ST_SUBMITTED] = "UPDATE messages SET state = 3, " LEASE_DROP
		     ", updated = ?3 WHERE " LEASE_HELD,
    [ST_SEGMENT_INSERT] =
	"INSERT INTO segments (message_id, seq, smsc_id, state, updated)"
	" VALUES (?1, ?2, ?3, 3, ?4) ON CONFLICT (message_id, seq) DO UPDATE"
	" SET smsc_id = excluded.smsc_id, state = 3, error = NULL,"
	" updated = excluded.updated",
    [ST_RETRY] = "UPDATE messages SET state = 0, " LEASE_DROP
		 ", due = ?3, error = ?4, reason = ?5, updated = ?6"
		 " WHERE " LEASE_HELD,
    [ST_FAIL] = /* ?3, the due time, is not used */
    "UPDATE messages SET state = 5, " LEASE_DROP
    ", error = ?4, reason = ?5, updated = ?6"
    " WHERE " LEASE_HELD " AND CAST(?3 AS BIGINT) IS NOT NULL",
    [ST_RELEASE] =
	"UPDATE messages SET state = 0, " LEASE_DROP " WHERE " LEASE_MINE,
    /* delivery.c */
    /* an SMSC may use an id again (a restart, a wrap-around): the
       segment still waiting for its receipt (state 3, submitted) is
       the one, the newest first */
    [ST_SEG_FIND] = "SELECT message_id, seq FROM segments WHERE smsc_id = ?1"
		    " ORDER BY state = 3 DESC, updated DESC, message_id DESC"
		    " LIMIT 1",
    [ST_SEG_SET] = "UPDATE segments SET state = ?3, error = ?4, updated = ?5"
		   " WHERE message_id = ?1 AND seq = ?2",
    [ST_SEG_TALLY] = "SELECT count(*), total(state = 4), total(state = 5),"
		     " total(state = 6) FROM segments WHERE message_id = ?1",
    [ST_MSG_DONE] = "UPDATE messages SET state = ?2, error = ?3, reason = ?4,"
		    " updated = ?5 WHERE id = ?1 AND state IN (3, 8)",
    [ST_MSG_NO_RECEIPT] = "SELECT id FROM messages WHERE state = 3"
			  " AND updated < ?1 ORDER BY updated, id LIMIT ?2",
    [ST_MSG_UNKNOWN] = "UPDATE messages SET state = 8, error = 'NO_RECEIPT',"
		       " reason = ?2, updated = ?3 WHERE id = ?1 AND state = 3",
    [ST_MSG_REPORT] =
	"SELECT m.envelope_from, m.notify, m.text, m.message_id, t.owner,"
	" t.phone, m.state, m.envid, m.ret, m.returned, m.returned_full"
	" FROM messages m JOIN threads t ON t.id = m.thread_id"
	" WHERE m.id = ?1",
    /* history.c */
    [ST_EVENTS] = "SELECT at, state, detail FROM events WHERE message_id = ?1"
		  " ORDER BY id",
    [ST_PURGE] = "DELETE FROM messages WHERE created < ?1 AND state >= 3",
    [ST_COUNTS] = "SELECT state, count(*) FROM messages GROUP BY state",
    [ST_OLDEST_DUE] = "SELECT min(due) FROM messages WHERE state <= 1",
    /* threads.c */
    [ST_THREAD_UPSERT] =
	"INSERT INTO threads (owner, phone, sender, tag, subject, created,"
	" last_active, last_message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)"
	" ON CONFLICT (owner, phone, sender) DO UPDATE SET"
	" last_active = excluded.last_active,"
	" subject = coalesce(excluded.subject, threads.subject),"
	" last_message_id = coalesce(excluded.last_message_id,"
	" threads.last_message_id)",
    [ST_THREAD_ID] = "SELECT id FROM threads WHERE owner = ?1 AND phone = ?2"
		     " AND sender = ?3",
    [ST_THREADS] =
	"SELECT " THREAD_COLS " FROM threads t"
	" WHERE (t.owner = ?1 OR ?1 IS NULL) AND (t.phone = ?2 OR ?2 IS NULL)"
	" ORDER BY t.last_active DESC, t.id DESC LIMIT ?3",
    [ST_THREAD_BY_TAG] = "SELECT " THREAD_COLS " FROM threads t"
			 " WHERE t.tag = ?1",
    [ST_THREAD_LATEST] = "SELECT " THREAD_COLS " FROM threads t"
			 " WHERE t.phone = ?1 AND t.sender = ?2"
			 " ORDER BY t.last_active DESC, t.id DESC LIMIT 1",
    /* each owner's thread with the phone (one an owner), by its newest
       text out (messages_out: one step, however long the thread) */
    [ST_RECENT_OWNERS] =
	"SELECT t.owner FROM threads t JOIN messages m ON m.id ="
	" (SELECT o.id FROM messages o WHERE o.thread_id = t.id"
	" AND o.direction = 'out' ORDER BY o.created DESC, o.id DESC LIMIT 1)"
	" WHERE t.phone = ?1 AND t.sender = ?2 AND m.created >= ?3"
	" ORDER BY m.created DESC, m.id DESC LIMIT ?4",
    [ST_THREAD_OF] = "SELECT " THREAD_COLS " FROM threads t"
		     " WHERE t.owner = ?1 AND t.phone = ?2 AND t.sender = ?3",
    [ST_THREAD_NEW] =
	"INSERT INTO threads (owner, phone, sender, tag, created, last_active)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT DO NOTHING",
    [ST_THREAD_TOUCH] = "UPDATE threads SET last_message_id = ?2,"
			" last_active = ?3 WHERE id = ?1",
    /* people.c */
    [ST_CONTACT_ADD] =
	"INSERT INTO contacts (name, phone, created) VALUES (?1, ?2, ?3)"
	" ON CONFLICT DO NOTHING",
    [ST_CONTACT_RM] = "DELETE FROM contacts WHERE name = ?1",
    [ST_CONTACT_UNGROUP] = "DELETE FROM group_members WHERE member = ?1",
    [ST_CONTACT_GET] = "SELECT phone FROM contacts WHERE name = ?1",
    [ST_CONTACTS] = "SELECT name, phone, created FROM contacts ORDER BY name",
    [ST_CONTACT_OF] = "SELECT name FROM contacts WHERE phone = ?1"
		      " ORDER BY name LIMIT 1",
    [ST_GROUP_ADD] = "INSERT INTO groups (name, created) VALUES (?1, ?2)"
		     " ON CONFLICT DO NOTHING",
    [ST_GROUP_RM] = "DELETE FROM groups WHERE name = ?1",
    [ST_GROUP_NAME] = "SELECT name FROM groups WHERE name = ?1",
    [ST_MEMBER_ADD] = "INSERT INTO group_members (group_name, member)"
		      " VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    [ST_MEMBER_RM] = "DELETE FROM group_members WHERE group_name = ?1"
		     " AND member = ?2",
    [ST_GROUPS] = "SELECT g.name, g.created, (SELECT count(*) FROM"
		  " group_members m WHERE m.group_name = g.name) FROM groups g"
		  " ORDER BY g.name",
    [ST_GROUP_MEMBERS] = "SELECT member FROM group_members"
			 " WHERE group_name = ?1 ORDER BY member",
    [ST_GROUP_NUMBERS] =
	"SELECT DISTINCT coalesce(c.phone, m.member) FROM group_members m"
	" LEFT JOIN contacts c ON c.name = m.member WHERE m.group_name = ?1"
	" ORDER BY 1",
    [ST_OPTOUT_ADD] = "INSERT INTO optouts (phone, scope, at, keyword)"
		      " VALUES (?1, coalesce(?4, '*'), ?2, ?3)"
		      " ON CONFLICT DO NOTHING",
    [ST_OPTOUT_RM] = "DELETE FROM optouts WHERE phone = ?1 AND (scope = ?2"
		     " OR scope = '*' OR ?2 IS NULL)",
    /* '*' first; two lookups by key rather than a sort */
    [ST_OPTOUT_CHECK] = "SELECT coalesce((SELECT scope FROM optouts"
			" WHERE phone = ?1 AND scope = '*'),"
			" (SELECT scope FROM optouts WHERE phone = ?1"
			" AND scope = ?2))",
    [ST_OPTOUTS] = "SELECT phone, keyword, at, scope FROM optouts"
		   " ORDER BY at DESC, phone",
    /* limits.c */
    [ST_RATE_GET] = "SELECT count FROM rate_counters WHERE scope = ?1"
		    " AND key = ?2 AND window_start = ?3",
    [ST_RATE_BUMP] =
	"INSERT INTO rate_counters (scope, key, window_start, count)"
	" VALUES (?1, ?2, ?3, 1) ON CONFLICT (scope, key, window_start)"
	" DO UPDATE SET count = rate_counters.count + 1",
    [ST_RATE_PRUNE] = "DELETE FROM rate_counters WHERE scope = ?1"
		      " AND key = ?2 AND window_start < ?3",
    [ST_USAGE_ADD] =
	"INSERT INTO usage (sender, cycle, messages, segments)"
	" VALUES (?1, ?2, 1, ?3) ON CONFLICT (sender, cycle) DO UPDATE SET"
	" messages = usage.messages + 1,"
	" segments = usage.segments + excluded.segments",
    [ST_USAGE] = "SELECT sender, cycle, messages, segments FROM usage"
		 " WHERE (cycle = ?1 OR ?1 IS NULL)"
		 " AND (sender = ?2 OR ?2 IS NULL) ORDER BY cycle, sender",
    [ST_USAGE_OF] = "SELECT segments FROM usage WHERE sender = ?1"
		    " AND cycle = ?2",
    /* mailq.c */
    [ST_MAIL_ADD] = "INSERT INTO mail_queue (envelope_from, rcpt, data,"
		    " state, due, created) VALUES (?1, ?2, ?3, 0, ?4, ?4)",
    [ST_MAIL_DUE] =
	"SELECT id, envelope_from, rcpt, attempts, data FROM mail_queue"
	" WHERE " LEASE_DUE("") " ORDER BY due, id LIMIT ?2",
    [ST_MAIL_LEASE] = "UPDATE mail_queue SET " LEASE_TAKE " WHERE id = ?1",
    [ST_MAIL_SENT] = "DELETE FROM mail_queue WHERE " LEASE_HELD,
    [ST_MAIL_RETRY] = "UPDATE mail_queue SET state = 0, " LEASE_DROP
		      ", due = ?3, error = ?4 WHERE " LEASE_HELD,
    [ST_MAIL_FAIL] = "UPDATE mail_queue SET state = 5, " LEASE_DROP
		     ", error = ?3 WHERE " LEASE_HELD,
    [ST_MAIL_RELEASE] =
	"UPDATE mail_queue SET state = 0, " LEASE_DROP " WHERE " LEASE_MINE,
    [ST_MAIL_FAILED] = "SELECT id, envelope_from, rcpt, attempts, created,"
		       " error, substr(data, 1, 16384) FROM mail_queue"
		       " WHERE state = 5 ORDER BY id",
    [ST_MAIL_REWRITE] = "UPDATE mail_queue SET data = ?3 WHERE " LEASE_HELD,
    /* inbound.c */
    [ST_SEEN_ADD] = "INSERT INTO inbound_seen (provider, provider_id, at)"
		    " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [ST_REASM_ADD] = "INSERT INTO reassembly (phone, ref, total, seq, data,"
		     " at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		     " ON CONFLICT DO NOTHING",
    [ST_REASM_COUNT] = "SELECT count(*) FROM reassembly WHERE phone = ?1"
		       " AND ref = ?2 AND total = ?3",
    [ST_REASM_GET] = "SELECT seq, data FROM reassembly WHERE phone = ?1"
		     " AND ref = ?2 AND total = ?3 ORDER BY seq",
    [ST_REASM_DEL] = "DELETE FROM reassembly WHERE phone = ?1 AND ref = ?2"
		     " AND total = ?3",
    [ST_REASM_STALE] =
	"SELECT phone, ref, total, count(*), min(at) FROM reassembly"
	" GROUP BY phone, ref, total HAVING min(at) < ?1 ORDER BY min(at)",
    [ST_MSG_IN_INSERT] =
	"INSERT INTO messages (thread_id, direction, message_id, text,"
	" encoding, segments, state, provider_id, due, created, updated, sid)"
	" VALUES (?1, 'in', ?2, ?3, ?4, ?5, 7, ?6, ?7, ?7, ?7, ?8)",
    [ST_UNCONF_ADD] = "INSERT INTO inbound_unconfirmed (fp, session, mark,"
		      " at) VALUES (?1, ?2, ?3, ?4)",
    [ST_UNCONF_TAKE] =
	"UPDATE inbound_unconfirmed SET session = ?2, mark = ?3, at = ?4"
	" WHERE rowid = (SELECT rowid FROM inbound_unconfirmed WHERE fp = ?1"
	" AND session != ?2 AND at >= ?5 ORDER BY at LIMIT 1)",
    [ST_UNCONF_CONFIRM] = "DELETE FROM inbound_unconfirmed WHERE session = ?1"
			  " AND mark < ?2",
    [ST_UNCONF_PURGE] = "DELETE FROM inbound_unconfirmed WHERE at < ?1",
    [ST_INBOX_PUT] = "INSERT INTO inbox (at, src, dst, data_coding,"
		     " esm_class, ud) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_INBOX_GET] = "SELECT id, at, src, dst, data_coding, esm_class, ud"
		     " FROM inbox WHERE id > ?1 ORDER BY id LIMIT ?2",
    [ST_INBOX_DROP] = "DELETE FROM inbox WHERE id <= ?1",
    [ST_INBOX_DROP_ONE] = "DELETE FROM inbox WHERE id = ?1",
    [ST_INBOX_NAME_GET] = "SELECT name FROM inbox_name LIMIT 1",
    [ST_INBOX_NAME_SET] = "INSERT INTO inbox_name (name) VALUES (?1)",
    [ST_INBOX_DONE_GET] = "SELECT last FROM inbox_done WHERE inbox = ?1",
    [ST_INBOX_COUNT] = "SELECT (SELECT count(*) FROM inbox),"
		       " (SELECT coalesce(min(at), 0) FROM inbox),"
		       " (SELECT count(*) FROM inbox_held)",
    [ST_INBOX_HOLD] =
	"INSERT INTO inbox_held (at, src, dst, data_coding,"
	" esm_class, ud, reason) SELECT at, src, dst,"
	" data_coding, esm_class, ud, ?2 FROM inbox WHERE id = ?1",
    [ST_INBOX_UNHOLD] = "INSERT INTO inbox (at, src, dst, data_coding,"
			" esm_class, ud) SELECT at, src, dst, data_coding,"
			" esm_class, ud FROM inbox_held ORDER BY id",
    [ST_INBOX_HELD_DEL] = "DELETE FROM inbox_held",
    [ST_INBOX_DONE_SET] =
	"INSERT INTO inbox_done (inbox, last) VALUES (?1, ?2)"
	" ON CONFLICT (inbox) DO UPDATE SET last = excluded.last",
    /* pool.c */
    [ST_POOL_MINE] = "SELECT number, renewed FROM pool_leases"
		     " WHERE phone = ?1 AND owner = ?2 ORDER BY renewed DESC",
    [ST_POOL_PHONE] = "SELECT number, owner, renewed FROM pool_leases"
		      " WHERE phone = ?1",
    [ST_POOL_PUT] =
	"INSERT INTO pool_leases (phone, number, owner, created, renewed)"
	" VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (phone, number) DO UPDATE"
	" SET owner = excluded.owner, created = excluded.created,"
	" renewed = excluded.renewed",
    [ST_POOL_RENEW] = "UPDATE pool_leases SET renewed = ?3 WHERE phone = ?1"
		      " AND number = ?2",
    [ST_POOL_FIND] = "SELECT phone, number, owner, created, renewed"
		     " FROM pool_leases WHERE phone = ?1 AND number = ?2",
    [ST_POOL_LIST] =
	"SELECT phone, number, owner, created, renewed FROM pool_leases"
	" WHERE (phone = ?1 OR ?1 IS NULL) AND (owner = ?2 OR ?2 IS NULL)"
	" AND (number = ?3 OR ?3 IS NULL) AND renewed >= ?4"
	" ORDER BY renewed DESC, phone, number",
    [ST_NUMBER_TRAFFIC] =
	"SELECT t.sender, sum(CASE WHEN m.direction = 'out' THEN 1 ELSE 0"
	" END), sum(CASE WHEN m.direction = 'in' THEN 1 ELSE 0 END)"
	" FROM messages m JOIN threads t ON t.id = m.thread_id"
	" WHERE m.created >= ?1 GROUP BY t.sender",
    [ST_LEASE_HOLDERS] =
	"SELECT lease_owner FROM messages WHERE state = 2"
	" AND substr(lease_owner, 1, length(CAST(?1 AS TEXT))) = ?1"
	" UNION SELECT lease_owner FROM mail_queue WHERE state = 2"
	" AND substr(lease_owner, 1, length(CAST(?1 AS TEXT))) = ?1",
    [ST_OPTOUT_SCOPES] = "SELECT scope FROM optouts WHERE phone = ?1"
			 " AND scope != '*'",
    [ST_NUMBER_LEASES] = "SELECT number, count(*) FROM pool_leases"
			 " WHERE renewed >= ?1 GROUP BY number",
    [ST_POOL_RELEASE] = "DELETE FROM pool_leases WHERE phone = ?1"
			" AND number = ?2",
    [ST_MSG_CANCEL_OF] =
	"SELECT m.state, t.owner, m.segments, m.created FROM messages m"
	" JOIN threads t ON t.id = m.thread_id"
	" WHERE m.id = ?1 AND m.direction = 'out'",
    [ST_MSG_CANCEL] = "UPDATE messages SET state = 9, updated = ?2,"
		      " error = 'CANCELLED', reason = ?3"
		      " WHERE id = ?1 AND state IN (0, 1)",
    [ST_USAGE_SUB] =
	"UPDATE usage SET messages = max(messages - 1, 0),"
	" segments = max(segments - ?3, 0) WHERE sender = ?1 AND cycle = ?2",
    [ST_FORWARD_ADD] =
	"INSERT INTO forwards (number, target, phone, owner, at)"
	" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (number, target, phone)"
	" DO UPDATE SET owner = excluded.owner, at = excluded.at",
    [ST_THREAD_OPTS] = "SELECT opts FROM messages"
		       " WHERE thread_id = ?1 AND direction = 'out'"
		       " AND opts IS NOT NULL AND created >= ?2"
		       " ORDER BY created DESC, id DESC LIMIT 1",
    [ST_FORWARD_LAST] = "SELECT phone, owner FROM forwards"
			" WHERE number = ?1 AND target = ?2 AND at >= ?3"
			" ORDER BY at DESC, rowid DESC LIMIT 1",
    /* apikeys.c */
    [ST_APIKEY_ADD] = "INSERT INTO api_keys (owner, name, hash, hint, created)"
		      " VALUES (?1, coalesce(?2, ''), ?3, ?4, ?5)"
		      " ON CONFLICT DO NOTHING",
    [ST_APIKEY_FIND] = "SELECT " APIKEY_COLS " FROM api_keys"
		       " WHERE hash = ?1 AND revoked = 0",
    [ST_APIKEY_LAST_USED] = "SELECT last_used FROM api_keys WHERE id = ?1",
    [ST_APIKEY_USED] = "UPDATE api_keys SET last_used = ?2 WHERE id = ?1"
		       " AND last_used < ?3",
    [ST_APIKEYS] = "SELECT " APIKEY_COLS " FROM api_keys"
		   " WHERE (owner = ?1 OR ?1 IS NULL) ORDER BY id",
    [ST_APIKEY_REVOKE] = "UPDATE api_keys SET revoked = 1 WHERE id = ?1"
			 " AND revoked = 0 AND (owner = ?2 OR ?2 IS NULL)",
    /* hooks.c: state 0 pending, 1 delivered, 2 given up; a pending
       hook is leased while lease_until is in the future (HOOK_HELD:
       still ours to end) */
    [ST_HOOK_ADD] =
	"INSERT INTO hooks (hid, owner, event, message_id, url, method,"
	" content_type, body, expect_ok, state, attempts, due, created,"
	" updated, per_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0,"
	" ?10, ?10, ?10, ?11)",
    [ST_HOOK_DUE] = "SELECT " HOOK_COLS " FROM hooks WHERE state = 0"
		    " AND due <= ?1 AND (lease_until IS NULL OR"
		    " lease_until <= ?1) ORDER BY due, id LIMIT ?2",
    [ST_HOOK_LEASE] = "UPDATE hooks SET lease_owner = ?2, lease_until = ?3,"
		      " attempts = attempts + 1, updated = ?4 WHERE id = ?1",
    [ST_HOOK_DONE] = "UPDATE hooks SET state = 1, " LEASE_DROP
		     ", last_error = NULL, updated = ?3 WHERE " HOOK_HELD,
    [ST_HOOK_RETRY] = "UPDATE hooks SET " LEASE_DROP ", due = ?3,"
		      " last_error = ?4, updated = ?5 WHERE " HOOK_HELD,
    [ST_HOOK_FAIL] = "UPDATE hooks SET state = 2, " LEASE_DROP
		     ", last_error = ?3, updated = ?4 WHERE " HOOK_HELD,
    [ST_HOOK_RELEASE] =
	"UPDATE hooks SET " LEASE_DROP " WHERE state = 0 AND lease_owner = ?1",
    [ST_HOOKS] = "SELECT " HOOK_COLS " FROM hooks"
		 " WHERE (?1 < 0 OR state = ?1) ORDER BY id DESC LIMIT ?2",
    [ST_HOOK_RETRY_NOW] =
	"UPDATE hooks SET created = CASE WHEN state = 2 THEN ?2"
	" ELSE created END, state = 0, due = ?2, updated = ?2"
	" WHERE id = ?1 AND state != 1",
    [ST_HOOK_HOLDERS] =
	"SELECT DISTINCT lease_owner FROM hooks WHERE state = 0"
	" AND lease_owner IS NOT NULL"
	" AND substr(lease_owner, 1, length(CAST(?1 AS TEXT))) = ?1",
    [ST_HOOK_MSG] = "SELECT t.owner, t.phone, t.sender, m.sid, m.external_id,"
		    " m.opts"
		    " FROM messages m JOIN threads t ON t.id = m.thread_id"
		    " WHERE m.id = ?1",
    /* media.c */
    [ST_MEDIA_ADD] =
	"INSERT INTO media (mid, owner, message_id, filename, content_type,"
	" size, data, created, expires)"
	" VALUES (?1, ?2, ?3, ?4, ?5, length(?6), ?6, ?7, ?8)"
	" ON CONFLICT DO NOTHING",
    [ST_MEDIA_GET] = "SELECT " MEDIA_COLS " FROM media WHERE mid = ?1",
    [ST_MEDIA_LIST] = "SELECT " MEDIA_COLS " FROM media"
		      " WHERE (owner = ?1 OR ?1 IS NULL) ORDER BY id",
    [ST_MEDIA_DELETE] = "DELETE FROM media WHERE mid = ?1"
			" AND (owner = ?2 OR ?2 IS NULL)",
    [ST_MEDIA_PURGE] = "DELETE FROM media WHERE expires <= ?1",
    [ST_MEDIA_RANGE] = "SELECT substr(data, ?2, ?3), length(data) FROM media"
		       " WHERE id = ?1",
    [ST_LAST_ID] = "SELECT last_insert_rowid()",
    [ST_LOCK] = "SELECT 1", /* SQLite: one writer holds the whole file */
};

/*
 * PostgreSQL's text of the statements whose SQL differs (NULL: sql[]'s
 * text serves both): locks that let gateways claim side by side (SKIP
 * LOCKED), ids in place of SQLite's rowid, functions by other names
 */
static const char *const sql_pg[ST_COUNT] = {
    [ST_CLAIM] =
	"SELECT m.id, m.thread_id, t.phone, t.sender, m.encoding, m.segments,"
	" m.attempts, m.notify, m.created, m.text, m.mms FROM messages m"
	" JOIN threads t ON t.id = m.thread_id"
	" WHERE " LEASE_DUE("m.") " ORDER BY m.due, m.id LIMIT ?2"
				  " FOR UPDATE OF m SKIP LOCKED",
    [ST_MAIL_DUE] =
	"SELECT id, envelope_from, rcpt, attempts, data FROM mail_queue"
	" WHERE " LEASE_DUE("") " ORDER BY due, id LIMIT ?2"
				" FOR UPDATE SKIP LOCKED",
    [ST_HOOK_DUE] = "SELECT " HOOK_COLS " FROM hooks WHERE state = 0"
		    " AND due <= ?1 AND (lease_until IS NULL OR"
		    " lease_until <= ?1) ORDER BY due, id LIMIT ?2"
		    " FOR UPDATE SKIP LOCKED",
    [ST_SEG_TALLY] = "SELECT count(*), count(*) FILTER (WHERE state = 4),"
		     " count(*) FILTER (WHERE state = 5),"
		     " count(*) FILTER (WHERE state = 6)"
		     " FROM segments WHERE message_id = ?1",
    [ST_UNCONF_TAKE] =
	"UPDATE inbound_unconfirmed SET session = ?2, mark = ?3, at = ?4"
	" WHERE id = (SELECT id FROM inbound_unconfirmed WHERE fp = ?1"
	" AND session != ?2 AND at >= ?5 ORDER BY at LIMIT 1"
	" FOR UPDATE SKIP LOCKED)",
    [ST_FORWARD_LAST] = "SELECT phone, owner FROM forwards"
			" WHERE number = ?1 AND target = ?2 AND at >= ?3"
			" ORDER BY at DESC, id DESC LIMIT 1",
    [ST_LAST_ID] = "SELECT lastval()",
    [ST_LOCK] = "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
    [ST_USAGE_SUB] = "UPDATE usage SET messages = greatest(messages - 1, 0),"
		     " segments = greatest(segments - ?3, 0)"
		     " WHERE sender = ?1 AND cycle = ?2",
    [ST_MEDIA_ADD] =
	"INSERT INTO media (mid, owner, message_id, filename, content_type,"
	" size, data, created, expires)"
	" VALUES (?1, ?2, ?3, ?4, ?5, length(CAST(?6 AS BYTEA)), ?6, ?7, ?8)"
	" ON CONFLICT DO NOTHING",
};

/* store_set_error - fill err; returns status */
int
store_set_error(struct store_error *err, enum store_status status,
		const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->status = status;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return status;
}

/*
 * store_batch_lost - a batch is open, but SQLite rolled its whole
 * transaction back (an I/O error, a full disk, an interrupt: SQLite may
 * undo all of it, not just the statement that failed): what the batch
 * did is gone, and a statement now would run in a transaction of its
 * own, committed at once. Nothing runs until the batch ends.
 */
bool
store_batch_lost(struct store *s)
{
	return s->batch && !s->pg && sq_autocommit(s);
}

/* store_fail_db - fill err from the connection's last error */
int
store_fail_db(struct store *s, const char *what, struct store_error *err)
{
	int code;
	enum store_status st;

	if (s->pg)
		return store_set_error(err, pg_status(s->pg), "%s: %s: %s",
				       s->path, what, pg_errmsg(s->pg));
	if (store_batch_lost(s)) /* the error that caused it, if known */
		return store_set_error(
		    err, STORE_ETEMP,
		    "%s: %s: SQLite rolled the transaction back (%s)", s->path,
		    what,
		    sqlite3_errcode(s->db) != SQLITE_OK ? sqlite3_errmsg(s->db)
							: "an earlier error");
	code = sqlite3_extended_errcode(s->db) & 0xFF;
	switch (code) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL: st = STORE_ETEMP; break;
	case SQLITE_CONSTRAINT: st = STORE_EDUP; break;
	default: st = STORE_EPERM; break;
	}
	return store_set_error(err, st, "%s: %s: %s", s->path, what,
			       sqlite3_errmsg(s->db));
}

/*
 * busy - SQLite's busy handler: poll often (0.1-1 ms, randomised), so
 * that a waiting process gets the lock soon after it is released and a
 * writer in a tight loop cannot starve it, for up to BUSY_TIMEOUT_MS
 */
static int
busy(void *arg, int count)
{
	struct store *s = arg;
	struct timespec ts = {0, 100000L + (rand() % 900) * 1000L};

	if (count == 0)
		s->busy_since = ut_now_ms();
	else if (ut_now_ms() - s->busy_since > BUSY_TIMEOUT_MS)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

/* store_tx - one transaction control statement, prepared once */
int
store_tx(struct store *s, const char *q)
{
	sq *st = NULL;
	unsigned i;
	int rc;

	if (s->pg) /* one round trip either way */
		return pg_exec(s->pg,
			       strcmp(q, "BEGIN IMMEDIATE") ? q : "BEGIN");
	for (i = 0; i < STORE_TX_MAX && s->tx[i].q; i++)
		if (!strcmp(s->tx[i].q, q)) {
			st = s->tx[i].st;
			break;
		}
	if (!st) {
		rc = sq_prepare(s, q, &st);
		if (rc != SQ_OK)
			return rc;
		if (i < STORE_TX_MAX) {
			s->tx[i].q = q;
			s->tx[i].st = st;
		}
	}
	rc = sq_step(st);
	sq_reset(st);
	if (i >= STORE_TX_MAX) /* no room: not kept */
		sq_finalize(st);
	return rc == SQ_DONE ? SQ_OK : rc;
}

/*
 * retry - q run while busy: kept prepared (store_tx: one statement of
 * transaction control) when kept, else parsed (sq_exec: any SQL)
 */
static int
retry(struct store *s, const char *q, bool kept)
{
	int rc, i;

	for (i = 0; i < BUSY_RETRIES; i++) {
		rc = kept ? store_tx(s, q) : sq_exec(s, q);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			return rc;
		ut_sleep_ms(10 + rand() % 40);
	}
	return rc;
}

/*
 * The write lock of one database among the connections of this process
 * (the gateway's runner, its webhook and API threads): a thread that
 * waits for it sleeps until the writer before it commits and is woken
 * at once, where SQLite's busy handler would poll. Other processes
 * still meet at SQLite's lock. By the path as opened; when the table
 * is full, a connection goes without (SQLite's lock still holds).
 */
#define WLOCKS_MAX 8

static struct {
	char *path;
	pthread_mutex_t mu;
} wlocks[WLOCKS_MAX];
static unsigned nwlocks;
static pthread_mutex_t wlocks_mu = PTHREAD_MUTEX_INITIALIZER;

/* wlock_of - the write lock of path in this process, or NULL */
static pthread_mutex_t *
wlock_of(const char *path)
{
	pthread_mutex_t *mu = NULL;
	unsigned i;

	if (!path)
		return NULL;
	pthread_mutex_lock(&wlocks_mu);
	for (i = 0; i < nwlocks && !mu; i++)
		if (!strcmp(wlocks[i].path, path))
			mu = &wlocks[i].mu;
	if (!mu && nwlocks < WLOCKS_MAX &&
	    (wlocks[nwlocks].path = strdup(path))) {
		pthread_mutex_init(&wlocks[nwlocks].mu, NULL);
		mu = &wlocks[nwlocks++].mu;
	}
	pthread_mutex_unlock(&wlocks_mu);
	return mu;
}

/*
 * wlock_take - take the write lock mu (may be NULL) for up to
 * BUSY_TIMEOUT_MS; false when not taken (then SQLite's lock decides, as
 * without one)
 */
static bool
wlock_take(pthread_mutex_t *mu)
{
	struct timespec until;

	if (!mu)
		return false;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += BUSY_TIMEOUT_MS / 1000;
	return pthread_mutex_timedlock(mu, &until) == 0;
}

/* wlock - take the process's write lock before BEGIN IMMEDIATE */
static void
wlock(struct store *s)
{
	if (!s->wlocked)
		s->wlocked = wlock_take(s->wlock);
}

/* wunlock - give the write lock back: the transaction is over */
static void
wunlock(struct store *s)
{
	if (s->wlocked) {
		s->wlocked = false;
		pthread_mutex_unlock(s->wlock);
	}
}

/*
 * store_begin - BEGIN IMMEDIATE, retried while busy; inside a batch, a
 * savepoint, so that the operation fails alone
 */
int
store_begin(struct store *s, struct store_error *err)
{
	if (s->batch) {
		if (store_batch_lost(s) || store_tx(s, "SAVEPOINT op") != SQ_OK)
			return store_fail_db(s, "starting a savepoint", err);
		return STORE_OK;
	}
	if (s->sync_lowered) { /* a lazy claim could not restore FULL */
		if (sq_exec(s, "PRAGMA synchronous = FULL") != SQ_OK)
			return store_fail_db(s, "restoring synchronous FULL",
					     err);
		s->sync_lowered = false;
	}
	wlock(s);
	if (retry(s, "BEGIN IMMEDIATE", true) != SQ_OK) {
		int rc = store_fail_db(s, "starting a transaction", err);

		wunlock(s);
		return rc;
	}
	return STORE_OK;
}

/* store_commit - COMMIT, retried while busy; rolls back on failure */
int
store_commit(struct store *s, struct store_error *err)
{
	if (s->batch) {
		if (store_tx(s, "RELEASE op") != SQ_OK) {
			int rc = store_fail_db(s, "releasing a savepoint", err);

			store_rollback(s);
			return rc;
		}
		return STORE_OK;
	}
	if (retry(s, "COMMIT", true) != SQ_OK) {
		int rc = store_fail_db(s, "committing", err);

		store_rollback(s);
		return rc;
	}
	wunlock(s);
	return STORE_OK;
}

/* store_rollback - ROLLBACK (to the savepoint, in a batch), quietly */
void
store_rollback(struct store *s)
{
	if (s->batch) {
		store_tx(s, "ROLLBACK TO op");
		store_tx(s, "RELEASE op");
	} else {
		if (!sq_autocommit(s))
			store_tx(s, "ROLLBACK");
		wunlock(s);
	}
}

/* store_batch_begin - one transaction for the operations until _end */
int
store_batch_begin(struct store *s, struct store_error *err)
{
	int rc;

	if (s->batch)
		return store_set_error(err, STORE_EPERM, "a batch is open");
	rc = store_begin(s, err);
	if (rc == STORE_OK)
		s->batch = true;
	return rc;
}

/* store_batch_abort - roll the whole batch back: none of it happened */
void
store_batch_abort(struct store *s)
{
	if (!s->batch)
		return;
	s->batch = false;
	store_rollback(s); /* gives the write lock back */
}

/* store_batch_end - commit the batch (one fsync for all of it) */
int
store_batch_end(struct store *s, struct store_error *err)
{
	if (!s->batch)
		return store_set_error(err, STORE_EPERM, "no batch is open");
	if (store_batch_lost(s)) {
		int rc = store_fail_db(s, "committing", err);

		store_batch_abort(s);
		return rc;
	}
	s->batch = false;
	return store_commit(s, err);
}

/* store_unit_begin - a savepoint in a batch, else a batch of its own */
int
store_unit_begin(struct store *s, struct store_error *err)
{
	if (!s->batch) {
		int rc = store_batch_begin(s, err);

		if (rc == STORE_OK) {
			s->unit_batch = true;
			s->units = 1;
		}
		return rc;
	}
	if (store_batch_lost(s) || store_tx(s, "SAVEPOINT unit") != SQ_OK)
		return store_fail_db(s, "starting a savepoint", err);
	s->units++;
	return STORE_OK;
}

/* store_unit_end - commit or roll back what the unit did */
int
store_unit_end(struct store *s, bool commit, struct store_error *err)
{
	int rc = STORE_OK;

	if (s->units > 0)
		s->units--;
	if (s->unit_batch && s->units == 0) {
		s->unit_batch = false;
		if (commit)
			return store_batch_end(s, err);
		s->batch = false;
		store_rollback(s);
		return STORE_OK;
	}
	if (commit) {
		if (store_tx(s, "RELEASE unit") == SQ_OK)
			return STORE_OK;
		rc = store_fail_db(s, "releasing a savepoint", err);
	}
	store_tx(s, "ROLLBACK TO unit");
	store_tx(s, "RELEASE unit");
	return rc;
}

/*
 * store_step - sq_step, retried while busy; a write outside a
 * transaction (its own, in autocommit) takes the process's write lock
 * for its step, as store_begin does for a transaction
 */
int
store_step(sq *st)
{
	pthread_mutex_t *mu = NULL;
	int rc, i;

	if (st->pg)
		return sq_step(st);
	if (store_batch_lost(st->s) && !sqlite3_stmt_readonly(st->lite))
		return SQLITE_ABORT; /* not outside the batch (store_fail_db) */
	if (sq_autocommit(st->s) && !sqlite3_stmt_readonly(st->lite) &&
	    !sqlite3_stmt_busy(st->lite)) {
		mu = st->s->wlock;
		if (!wlock_take(mu))
			mu = NULL;
	}
	for (i = 0; i < BUSY_RETRIES; i++) {
		rc = sq_step(st);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sq_reset(st);
		ut_sleep_ms(10 + rand() % 40);
	}
	if (mu)
		pthread_mutex_unlock(mu);
	return rc;
}

/* stmt - the prepared statement id, reset and unbound */
sq *
stmt(struct store *s, enum stmt_id id, struct store_error *err)
{
	const char *text = s->pg && sql_pg[id] ? sql_pg[id] : sql[id];

	if (!s->stmt[id] && sq_prepare(s, text, &s->stmt[id]) != SQ_OK) {
		store_fail_db(s, "preparing a statement", err);
		return NULL;
	}
	sq_reset(s->stmt[id]);
	sq_clear(s->stmt[id]);
	return s->stmt[id];
}

/* copy_text - column i into buf, "" for NULL */
void
copy_text(sq *st, int i, char *buf, size_t n)
{
	const unsigned char *v = sq_column_text(st, i);

	snprintf(buf, n, "%s", v ? (const char *)v : "");
}

/* dup_text - column i as a malloc'd string */
char *
dup_text(sq *st, int i)
{
	const unsigned char *v = sq_column_text(st, i);

	return strdup(v ? (const char *)v : "");
}

/* owned - the pointer at offset at of row (a text or blob it owns) */
static void *
owned(const void *row, size_t at)
{
	void *p;

	memcpy(&p, (const char *)row + at, sizeof(p));
	return p;
}

/* store_rows_free - free the pointer at offset at of each row, and arr */
void
store_rows_free(void *arr, size_t size, size_t at, unsigned n)
{
	unsigned i;

	if (!arr)
		return;
	for (i = 0; i < n; i++)
		free(owned((char *)arr + (size_t)i * size, at));
	free(arr);
}

/* collect - store_rows, and store_rows_owned when owns is true */
static int
collect(struct store *s, sq *st, size_t size, void (*fill)(sq *, void *),
	bool owns, size_t at, void **arr_r, unsigned *n_r,
	struct store_error *err)
{
	unsigned n = 0, cap = 0;
	char *arr = NULL, *row;
	bool oom = false;
	int rc;

	*arr_r = NULL;
	*n_r = 0;
	while ((rc = store_step(st)) == SQ_ROW) {
		if (n == cap) {
			char *bigger;

			cap = cap ? 2 * cap : 16;
			bigger = realloc(arr, (size_t)cap * size);
			if (!bigger) {
				oom = true;
				break;
			}
			arr = bigger;
		}
		row = arr + (size_t)n++ * size;
		memset(row, 0, size);
		fill(st, row);
		if (owns && !owned(row, at)) {
			oom = true;
			break;
		}
	}
	sq_reset(st);
	if (oom || rc != SQ_DONE) {
		store_rows_free(arr, size, at, owns ? n : 0);
		return oom ? store_set_error(err, STORE_ETEMP, "out of memory")
			   : store_fail_db(s, "reading", err);
	}
	*arr_r = arr;
	*n_r = n;
	return STORE_OK;
}

/* store_rows - collect every row of st into a new array */
int
store_rows(struct store *s, sq *st, size_t size, void (*fill)(sq *, void *),
	   void **arr_r, unsigned *n_r, struct store_error *err)
{
	return collect(s, st, size, fill, false, 0, arr_r, n_r, err);
}

/* store_rows_owned - store_rows for rows that own a pointer at at */
int
store_rows_owned(struct store *s, sq *st, size_t size,
		 void (*fill)(sq *, void *), size_t at, void **arr_r,
		 unsigned *n_r, struct store_error *err)
{
	return collect(s, st, size, fill, true, at, arr_r, n_r, err);
}

/* store_lock - the key's lock until the transaction ends */
int
store_lock(struct store *s, const char *scope, const char *key,
	   struct store_error *err)
{
	char name[256];
	sq *st;
	int rc;

	if (!s->pg || sq_autocommit(s))
		return STORE_OK;
	NEED(st, s, ST_LOCK, err);
	snprintf(name, sizeof(name), "%s:%s", scope, key ? key : "");
	sq_bind_text(st, 1, name);
	rc = store_step(st);
	sq_reset(st);
	return rc == SQ_ROW || rc == SQ_DONE
		   ? STORE_OK
		   : store_fail_db(s, "waiting for a lock", err);
}

/*
 * store_insert - store_exec for an INSERT ... ON CONFLICT DO NOTHING:
 * STORE_EDUP when it added no row (a duplicate). A conflict that
 * raised an error would end a PostgreSQL transaction; this one leaves
 * it open, on both backends, for the caller to go on or roll back.
 */
int
store_insert(struct store *s, sq *st, const char *what, struct store_error *err)
{
	int rc = store_exec(s, st, what, err);

	if (rc == STORE_OK && sq_changes(s) == 0)
		return store_set_error(err, STORE_EDUP, "%s: already there",
				       what);
	return rc;
}

/* store_exec - step a statement that returns no rows */
int
store_exec(struct store *s, sq *st, const char *what, struct store_error *err)
{
	int rc = store_step(st);

	sq_reset(st);
	if (rc != SQ_DONE)
		return store_fail_db(s, what, err);
	return STORE_OK;
}

/* store_version - PRAGMA user_version, or -1 */
int
store_version(struct store *s)
{
	sq *st;
	int v = -1;

	if (s->pg)
		return store_pg_version(s);
	if (sq_prepare(s, "PRAGMA user_version", &st) != SQ_OK)
		return -1;
	if (store_step(st) == SQ_ROW)
		v = sq_column_int(st, 0);
	sq_finalize(st);
	return v;
}

/* store_open_version - open and migrate up to version */
struct store *
store_open_version(const char *path, enum store_sync sync, int version,
		   struct store_error *err)
{
	static const char *const syncs[] = {"FULL", "NORMAL", "OFF"};
	struct store *s = calloc(1, sizeof(*s));
	char pragma[128], name[1024];
	int rc;

	/* a file's path as given; a URI without its password */
	if (!s ||
	    !(s->path = strdup(ut_pg_uri(path)
				   ? store_display(path, name, sizeof(name))
				   : path))) {
		free(s);
		store_set_error(err, STORE_ETEMP, "out of memory");
		return NULL;
	}
	s->sync = sync;
	if (ut_pg_uri(path)) {
		s->pg = pg_open(path, sync, err);
		if (!s->pg && err) { /* say which server */
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			store_set_error(err, err->status, "%s: %s", s->path,
					why);
		}
		if (!s->pg || store_migrate(s, version, err) != STORE_OK) {
			store_close(&s);
			return NULL;
		}
		return s;
	}
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		if (s->db)
			store_fail_db(s, "opening", err);
		else
			store_set_error(err, STORE_ETEMP, "%s: cannot open",
					path);
		store_close(&s);
		return NULL;
	}
	sqlite3_extended_result_codes(s->db, 1);
	s->wlock = wlock_of(sqlite3_db_filename(s->db, "main"));
	sqlite3_busy_handler(s->db, busy, s);
	/*
	 * temp_store MEMORY keeps the savepoints' journal (a batch's unit
	 * per operation) in memory: past 64 KiB SQLite spilled it to a
	 * temporary file, a write per page each unit changed
	 */
	snprintf(pragma, sizeof(pragma),
		 "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s;"
		 " PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
		 syncs[sync]);
	if (retry(s, pragma, false) != SQ_OK) {
		store_fail_db(s, "setting up", err);
		store_close(&s);
		return NULL;
	}
	if (store_migrate(s, version, err) != STORE_OK) {
		store_close(&s);
		return NULL;
	}
	return s;
}

/* store_open - open and migrate to the current schema */
struct store *
store_open(const char *path, enum store_sync sync, struct store_error *err)
{
	return store_open_version(path, sync, STORE_SCHEMA_VERSION, err);
}

/* store_dyn_get - a kept statement of the same text, or a new one */
sq *
store_dyn_get(struct store *s, const char *text, struct store_error *err)
{
	sq *st;
	unsigned i;

	for (i = 0; i < STORE_DYN_MAX; i++)
		if (s->dyn[i] && !strcmp(sq_sql(s->dyn[i]), text)) {
			st = s->dyn[i];
			s->dyn[i] = NULL;
			return st;
		}
	if (sq_prepare(s, text, &st) != SQ_OK) {
		store_fail_db(s, "preparing a search", err);
		return NULL;
	}
	return st;
}

/* store_dyn_put - keep st for later, evicting the oldest kept */
void
store_dyn_put(struct store *s, sq *st)
{
	unsigned i;

	if (!st)
		return;
	sq_reset(st);
	sq_clear(st);
	for (i = 0; i < STORE_DYN_MAX; i++)
		if (!s->dyn[i]) {
			s->dyn[i] = st;
			return;
		}
	i = s->dyn_next++ % STORE_DYN_MAX;
	sq_finalize(s->dyn[i]);
	s->dyn[i] = st;
}

/* store_close - finalize statements and close */
void
store_close(struct store **sp)
{
	struct store *s = *sp;
	int i;

	if (!s)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sq_finalize(s->stmt[i]);
	for (i = 0; i < STORE_DYN_MAX; i++)
		sq_finalize(s->dyn[i]);
	for (i = 0; i < STORE_TX_MAX; i++)
		sq_finalize(s->tx[i].st);
	if (s->pg)
		pg_close(s->pg);
	else
		sqlite3_close(s->db); /* an open transaction is rolled back */
	wunlock(s);
	free(s->path);
	free(s);
	*sp = NULL;
}

/* store_check - PRAGMA integrity_check */
int
store_check(struct store *s, struct store_error *err)
{
	sq *st;
	int rc = STORE_OK;

	if (sq_prepare(s, s->pg ? "SELECT 'ok'" : "PRAGMA integrity_check",
		       &st) != SQ_OK)
		return store_fail_db(s, "checking", err);
	while (store_step(st) == SQ_ROW) {
		const unsigned char *v = sq_column_text(st, 0);

		if (v && strcmp((const char *)v, "ok") != 0) {
			rc = store_set_error(err, STORE_EPERM,
					     "%s: integrity check: %s", s->path,
					     (const char *)v);
			break;
		}
	}
	sq_finalize(st);
	return rc;
}

/* store_name - the file, or the URI without its password */
const char *
store_name(const struct store *s)
{
	return s->path;
}

/* store_shared - a PostgreSQL server's */
bool
store_shared(const struct store *s)
{
	return s->pg != NULL;
}

/* store_display - database without a password, in buf */
const char *
store_display(const char *database, char *buf, size_t n)
{
	if (ut_pg_uri(database))
		ut_pg_uri_safe(database, buf, n);
	else
		snprintf(buf, n, "%s", database);
	return buf;
}

/* store_ping - connect, read the schema version, change nothing */
int
store_ping(const char *database, int *version_r, struct store_error *err)
{
	struct store *s;
	char name[1024];
	int rc = STORE_OK;

	*version_r = -1;
	if (!ut_pg_uri(database))
		return STORE_OK;
	s = calloc(1, sizeof(*s));
	if (!s ||
	    !(s->path = strdup(store_display(database, name, sizeof(name))))) {
		free(s);
		return store_set_error(err, STORE_ETEMP, "out of memory");
	}
	s->pg = pg_open(database, STORE_SYNC_FULL, err);
	if (!s->pg) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		rc = store_set_error(err, STORE_ETEMP, "%s: %s", s->path, why);
	} else if ((*version_r = store_pg_version(s)) < 0)
		rc = store_fail_db(s, "reading the schema version", err);
	store_close(&s);
	return rc;
}

/* store_listen - LISTEN for the queues' notifications */
int
store_listen(struct store *s, struct store_error *err)
{
	if (!s->pg)
		return store_set_error(err, STORE_EPERM,
				       "%s: a file has no notifications",
				       s->path);
	if (pg_listen(s->pg) != SQ_OK)
		return store_fail_db(s, "listening", err);
	return STORE_OK;
}

/* store_wait - a notification within ms */
int
store_wait(struct store *s, int ms, struct store_error *err)
{
	int rc;

	if (!s->pg) {
		store_set_error(err, STORE_EPERM,
				"%s: a file has no notifications", s->path);
		return -1;
	}
	rc = pg_wait(s->pg, ms);
	if (rc < 0)
		store_fail_db(s, "waiting for notifications", err);
	return rc;
}
