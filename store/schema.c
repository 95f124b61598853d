/*
 * NAME
 *	schema - numbered migrations of the store's schema
 * DESCRIPTION
 *	migrations[v] takes a file from version v to v + 1. PRAGMA
 *	user_version records the version; each step runs in its own
 *	transaction with the version bump, so a crash leaves a file at
 *	one version or the next, never between. Never edit a migration
 *	that has shipped: add one.
 */
#include <stdio.h>

#include "store/schema_pg.h"
#include "store/store_int.h"

static const char *const migrations[STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: threads and the outbound queue */
    "CREATE TABLE threads ("
    " id INTEGER PRIMARY KEY,"
    " owner TEXT NOT NULL,"
    " phone TEXT NOT NULL,"
    " sender TEXT NOT NULL,"
    " tag TEXT NOT NULL UNIQUE,"
    " subject TEXT,"
    " last_message_id TEXT,"
    " created INTEGER NOT NULL,"
    " last_active INTEGER NOT NULL,"
    " UNIQUE (owner, phone, sender));"
    "CREATE INDEX threads_phone ON threads (phone, sender, last_active);"
    "CREATE TABLE messages ("
    " id INTEGER PRIMARY KEY,"
    " thread_id INTEGER NOT NULL REFERENCES threads (id),"
    " direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),"
    " envelope_from TEXT,"
    " queue_id TEXT,"
    " message_id TEXT,"
    " idem_key TEXT UNIQUE,"
    " notify INTEGER NOT NULL DEFAULT 0,"
    " text TEXT NOT NULL,"
    " encoding INTEGER NOT NULL,"
    " segments INTEGER NOT NULL,"
    " state INTEGER NOT NULL,"
    " error TEXT,"
    " reason TEXT,"
    " provider_id TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " due INTEGER NOT NULL,"
    " lease_owner TEXT,"
    " lease_until INTEGER,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL);"
    "CREATE INDEX messages_due ON messages (due, id) WHERE state <= 2;"
    "CREATE INDEX messages_created ON messages (created, id);"
    "CREATE INDEX messages_thread ON messages (thread_id, id);"
    "CREATE TABLE segments ("
    " message_id INTEGER NOT NULL REFERENCES messages (id)"
    "  ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " smsc_id TEXT,"
    " state INTEGER NOT NULL,"
    " error TEXT,"
    " updated INTEGER NOT NULL,"
    " PRIMARY KEY (message_id, seq));"
    "CREATE INDEX segments_smsc ON segments (smsc_id);"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " message_id INTEGER NOT NULL REFERENCES messages (id)"
    "  ON DELETE CASCADE,"
    " at INTEGER NOT NULL,"
    " state INTEGER NOT NULL,"
    " detail TEXT);"
    "CREATE INDEX events_message ON events (message_id, id);",

    /* 1 -> 2: inbound, limits, usage, opt-outs, contacts, mail out */
    "CREATE TABLE inbound_seen ("
    " provider TEXT NOT NULL,"
    " provider_id TEXT NOT NULL,"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY (provider, provider_id));"
    "CREATE TABLE reassembly ("
    " phone TEXT NOT NULL,"
    " ref INTEGER NOT NULL,"
    " total INTEGER NOT NULL,"
    " seq INTEGER NOT NULL,"
    " data BLOB NOT NULL,"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY (phone, ref, total, seq));"
    "CREATE TABLE rate_counters ("
    " scope TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " window_start INTEGER NOT NULL,"
    " count INTEGER NOT NULL,"
    " PRIMARY KEY (scope, key, window_start));"
    "CREATE TABLE optouts ("
    " phone TEXT NOT NULL,"
    " scope TEXT NOT NULL DEFAULT '*',"
    " at INTEGER NOT NULL,"
    " keyword TEXT,"
    " PRIMARY KEY (phone, scope));"
    "CREATE TABLE usage ("
    " sender TEXT NOT NULL,"
    " cycle TEXT NOT NULL,"
    " messages INTEGER NOT NULL DEFAULT 0,"
    " segments INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (sender, cycle));"
    "CREATE TABLE contacts ("
    " name TEXT PRIMARY KEY COLLATE NOCASE,"
    " phone TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE groups ("
    " name TEXT PRIMARY KEY COLLATE NOCASE,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE group_members ("
    " group_name TEXT NOT NULL REFERENCES groups (name)"
    "  ON DELETE CASCADE,"
    " member TEXT NOT NULL COLLATE NOCASE,"
    " PRIMARY KEY (group_name, member));"
    "CREATE TABLE mail_queue ("
    " id INTEGER PRIMARY KEY,"
    " envelope_from TEXT NOT NULL,"
    " rcpt TEXT NOT NULL,"
    " data BLOB NOT NULL,"
    " state INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " due INTEGER NOT NULL,"
    " lease_owner TEXT,"
    " lease_until INTEGER,"
    " error TEXT,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX mail_queue_due ON mail_queue (due, id) WHERE state <= 2;",

    /* 2 -> 3: texts answered on a link that may have lost the answer */
    "CREATE TABLE inbound_unconfirmed ("
    " fp TEXT NOT NULL,"
    " session TEXT NOT NULL,"
    " mark INTEGER NOT NULL,"
    " at INTEGER NOT NULL);"
    "CREATE INDEX inbound_unconfirmed_fp ON inbound_unconfirmed (fp, at);"
    "CREATE INDEX inbound_unconfirmed_session ON inbound_unconfirmed"
    " (session, mark);",
    /* 3 -> 4: leases of SenderPool numbers, one per (phone, number) */
    "CREATE TABLE pool_leases ("
    " phone TEXT NOT NULL,"
    " number TEXT NOT NULL,"
    " owner TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " renewed INTEGER NOT NULL,"
    " PRIMARY KEY (phone, number));"
    "CREATE INDEX pool_leases_owner ON pool_leases (owner, phone);",
    /* 4 -> 5: RFC 3461 ENVID and RET, and what a report returns */
    "ALTER TABLE messages ADD COLUMN envid TEXT;"
    "ALTER TABLE messages ADD COLUMN ret INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN returned BLOB;"
    "ALTER TABLE messages ADD COLUMN returned_full INTEGER NOT NULL"
    " DEFAULT 0;",
    /* 5 -> 6: texts waiting for a receipt, by when they were taken */
    "CREATE INDEX messages_waiting ON messages (updated, id) WHERE state = 3;",
    /* 6 -> 7: the send API, API keys, event hooks and forwarding */
    /* a text's public id, the caller's own id for it, and what to do
       with the answers to it and its receipts (JSON, see policy/send) */
    "ALTER TABLE messages ADD COLUMN sid TEXT;"
    "ALTER TABLE messages ADD COLUMN external_id TEXT;"
    "ALTER TABLE messages ADD COLUMN opts TEXT;"
    "UPDATE messages SET sid = 'SM' || lower(hex(randomblob(16)));"
    "CREATE UNIQUE INDEX messages_sid ON messages (sid)"
    " WHERE sid IS NOT NULL;"
    /* a key acts as its owner; only a hash of its token is kept */
    "CREATE TABLE api_keys ("
    " id INTEGER PRIMARY KEY,"
    " owner TEXT NOT NULL,"
    " name TEXT NOT NULL DEFAULT '',"
    " hash TEXT NOT NULL UNIQUE,"
    " hint TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL DEFAULT 0,"
    " revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX api_keys_owner ON api_keys (owner, id);"
    /* events to deliver to a URL, retried until heard (a queue with
       leases, as messages and mail_out) */
    "CREATE TABLE hooks ("
    " id INTEGER PRIMARY KEY,"
    " hid TEXT NOT NULL UNIQUE,"
    " owner TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " message_id INTEGER,"
    " url TEXT NOT NULL,"
    " method TEXT NOT NULL,"
    " content_type TEXT,"
    " body BLOB,"
    " expect_ok INTEGER NOT NULL DEFAULT 0,"
    " per_text INTEGER NOT NULL DEFAULT 0,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " due INTEGER NOT NULL,"
    " lease_owner TEXT,"
    " lease_until INTEGER,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " last_error TEXT);"
    "CREATE INDEX hooks_due ON hooks (due, id) WHERE state = 0;"
    "CREATE INDEX hooks_created ON hooks (created, id);"
    /* texts to one of our numbers forwarded to a phone: that phone's
       answer goes back to the last one forwarded */
    "CREATE TABLE forwards ("
    " number TEXT NOT NULL,"
    " target TEXT NOT NULL,"
    " phone TEXT NOT NULL,"
    " owner TEXT NOT NULL,"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY (number, target, phone));"
    "CREATE INDEX forwards_last ON forwards (number, target, at);",
    /* 7 -> 8: media: the files of mail to phones, served by smsgw at
       signed URLs (mid their public id) until expires */
    "CREATE TABLE media ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT," /* never reused: a link read by id,
						then by row, cannot meet a newer
						file */
    " mid TEXT NOT NULL UNIQUE,"
    " owner TEXT NOT NULL,"
    " message_id INTEGER,"
    " filename TEXT NOT NULL DEFAULT '',"
    " content_type TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " data BLOB NOT NULL,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX media_owner ON media (owner, id);"
    /* the links of the pictures a text carries as MMS, one a line */
    "ALTER TABLE messages ADD COLUMN mms TEXT;"
    "CREATE INDEX media_expires ON media (expires);",
    /* 8 -> 9: a thread's texts out, by time, and those with answer
       options (the send API's): who texted a phone lately (routing its
       answer) and the options of the last one read one row of these,
       not the whole thread (messages_thread) */
    "CREATE INDEX messages_out ON messages (thread_id, created)"
    " WHERE direction = 'out';"
    "CREATE INDEX messages_opts ON messages (thread_id, created)"
    " WHERE direction = 'out' AND opts IS NOT NULL;",
    /* 9 -> 10: texts from phones that came over SMPP, answered once
       here (a gateway's inbox file, InboxFile) and mailed by its inbox
       thread; inbox_held: texts the store refused again and again,
       set aside (mailed again when smsgw starts); inbox_name: that
       file's name for itself (random);
       inbox_done: in the store, the last of each inbox's texts mailed,
       written with their mail */
    "CREATE TABLE inbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at INTEGER NOT NULL,"
    " src TEXT NOT NULL,"
    " dst TEXT NOT NULL,"
    " data_coding INTEGER NOT NULL,"
    " esm_class INTEGER NOT NULL,"
    " ud BLOB NOT NULL);"
    "CREATE TABLE inbox_held ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at INTEGER NOT NULL,"
    " src TEXT NOT NULL,"
    " dst TEXT NOT NULL,"
    " data_coding INTEGER NOT NULL,"
    " esm_class INTEGER NOT NULL,"
    " ud BLOB NOT NULL,"
    " reason TEXT NOT NULL);"
    "CREATE TABLE inbox_name (name TEXT PRIMARY KEY);"
    "CREATE TABLE inbox_done ("
    " inbox TEXT PRIMARY KEY,"
    " last INTEGER NOT NULL);"
    /* the unconfirmed answers are the inbox's now */
    "DELETE FROM inbound_unconfirmed;",
};

/*
 * store_pg_version - the schema version of a PostgreSQL store: the one
 * row of schema_version, 0 before the first migration, -1 on error
 */
int
store_pg_version(struct store *s)
{
	/* a statement that names a missing table fails as a whole */
	static const char *const q[] = {
	    "SELECT to_regclass('schema_version') IS NOT NULL",
	    "SELECT max(version) FROM schema_version",
	};
	unsigned i;
	int v = -1;

	for (i = 0; i < 2; i++) {
		sq *st;

		if (sq_prepare(s, q[i], &st) != SQ_OK)
			return -1;
		v = store_step(st) == SQ_ROW ? sq_column_int(st, 0) : -1;
		sq_finalize(st);
		if (v <= 0) /* no table: version 0 */
			return v;
	}
	return v;
}

/*
 * pg_migrate - bring a PostgreSQL store up to version in one
 * transaction that first takes an advisory lock (schema_pg.c), so that
 * of several hosts starting at once one migrates and the others wait
 * and find it done
 */
static int
pg_migrate(struct store *s, int version, struct store_error *err)
{
	const char *const *steps;
	int have, n, i, rc;

	if (version != STORE_SCHEMA_VERSION)
		return store_set_error(err, STORE_EPERM,
				       "PostgreSQL stores start at schema "
				       "version %d",
				       STORE_SCHEMA_VERSION);
	have = store_pg_version(s);
	if (have < 0)
		return store_fail_db(s, "reading the schema version", err);
	if (have == version)
		return STORE_OK;
	rc = store_begin(s, err);
	if (rc != STORE_OK)
		return rc;
	if (sq_exec(s, store_pg_schema_lock()) != SQ_OK) {
		rc = store_fail_db(s, "locking the schema", err);
		store_rollback(s);
		return rc;
	}
	have = store_pg_version(s);
	n = have < 0 ? -1 : store_pg_schema_sql(have, &steps);
	if (n < 0) {
		store_rollback(s);
		if (have < 0)
			return store_fail_db(s, "reading the schema version",
					     err);
		return store_set_error(err, STORE_EPERM,
				       "%s has schema version %d; this "
				       "smsmilter knows up to %d: upgrade "
				       "smsmilter",
				       s->path, have, STORE_SCHEMA_VERSION);
	}
	for (i = 0; i < n; i++)
		if (sq_exec(s, steps[i]) != SQ_OK) {
			rc = store_fail_db(s, "migrating the schema", err);
			store_rollback(s);
			return rc;
		}
	return store_commit(s, err);
}

/* store_migrate - bring the schema up to version */
int
store_migrate(struct store *s, int version, struct store_error *err)
{
	int have;

	if (s->pg)
		return pg_migrate(s, version, err);
	have = store_version(s);

	if (have < 0)
		return store_fail_db(s, "reading the schema version", err);
	if (have > STORE_SCHEMA_VERSION)
		return store_set_error(err, STORE_EPERM,
				       "%s has schema version %d; this "
				       "smsmilter knows up to %d: upgrade "
				       "smsmilter",
				       s->path, have, STORE_SCHEMA_VERSION);
	while (have < version) {
		char bump[64];
		int rc = store_begin(s, err);

		if (rc != STORE_OK)
			return rc;
		/* another process may have migrated meanwhile */
		have = store_version(s);
		if (have >= version) {
			store_rollback(s);
			break;
		}
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d;",
			 have + 1);
		if (sq_exec(s, migrations[have]) != SQ_OK ||
		    sq_exec(s, bump) != SQ_OK) {
			rc = store_fail_db(s, "migrating the schema", err);
			store_rollback(s);
			return rc;
		}
		rc = store_commit(s, err);
		if (rc != STORE_OK)
			return rc;
		have++;
	}
	return STORE_OK;
}
