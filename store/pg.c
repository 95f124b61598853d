/*
 * NAME
 *	pg - the store's PostgreSQL backend, under sq.c and db.c
 * DESCRIPTION
 *	When Database is a libpq URI (postgresql://...), a store is one
 *	libpq connection and its statements are prepared on the server
 *	once per connection (named s1, s2, ...). The store's SQL is
 *	written with SQLite's parameters (?1, ?, :name): pg_prepare turns
 *	them into $1... and remembers the names. Parameters go as text,
 *	blobs as binary; results come as text (bytea unescaped here). A
 *	step runs the statement the first time and walks its rows after,
 *	as sqlite3_step does.
 *
 *	A connection that breaks is made again before the next
 *	transaction or statement outside one (the statements are prepared
 *	again, lazily); a statement that fails inside a transaction fails
 *	the transaction, as PostgreSQL does, and the caller rolls back.
 *	Every statement is bounded by statement_timeout (30 s unless the
 *	URI sets it); connect_timeout is 10 s unless the URI sets it.
 */
#include <ctype.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

#define BYTEAOID 17
/* the channel the schema's triggers notify when a queue gains a row */
#define PG_CHANNEL "smsmilter_queue"
/* after a failed connect, the pause before the next is tried (alive) */
#define RECONNECT_PAUSE_MS 1000

struct pg_conn {
	PGconn *conn;
	char *uri;
	enum store_sync sync; /* DatabaseSync: synchronous_commit */
	unsigned gen;	      /* bumped when the connection is made again */
	bool in_tx;	      /* BEGIN ran, and no COMMIT or ROLLBACK yet */
	char *secret[8];      /* the URI's passwords, never in a message */
	unsigned next_name;   /* of prepared statements */
	int64_t changes;      /* rows the last statement changed */
	char sqlstate[6];     /* of the last error, "" when none */
	char err[512];	      /* the last error, a sentence */
	int64_t down_until;   /* ms: no new connection tried before */
	char down_err[512];   /* why the last one failed */
};

struct pg_stmt {
	struct pg_conn *c;
	char name[16]; /* on the server; "" when not prepared there */
	unsigned gen;  /* the connection's gen it was prepared on */
	char *orig;    /* the text as given */
	char *text;    /* PostgreSQL's ($1...) */
	int nparams;
	char **names; /* parameter i's name (":x"), or NULL */
	char **vals;  /* parameter values (NULL: SQL NULL) */
	int *lens, *fmts;
	bool *borrowed; /* vals[i] is the caller's (not freed here) */
	bool readonly;
	PGresult *res; /* after a run that returned rows */
	int row, nrows;
	bool ran;
	unsigned char **blob; /* column i's bytea of the current row */
	size_t *blob_len;
	int ncols;
};

/*
 * hide_secrets - "..." for each of the URI's passwords in c->err (libpq
 * quotes a URI's bad parts in its messages)
 */
static void
hide_secrets(struct pg_conn *c)
{
	unsigned i;
	char *p;

	for (i = 0; i < 8 && c->secret[i]; i++) {
		size_t n = strlen(c->secret[i]);

		while (n >= 2 && (p = strstr(c->err, c->secret[i]))) {
			memmove(p + 3, p + n, strlen(p + n) + 1);
			memcpy(p, "...", 3);
		}
	}
}

/*
 * keep_secrets - the URI's passwords, as written (percent-encoded) and
 * as libpq decodes them, for hide_secrets
 */
static void
keep_secrets(struct pg_conn *c)
{
	PQconninfoOption *opts, *o;
	size_t off[4], len[4];
	unsigned n = ut_pg_uri_secrets(c->uri, off, len, 4), i, k = 0;

	for (i = 0; i < n; i++)
		if (len[i] > 0)
			c->secret[k++] = strndup(c->uri + off[i], len[i]);
	opts = PQconninfoParse(c->uri, NULL);
	for (o = opts; o && o->keyword && k < 8; o++)
		if (o->val && *o->val && strstr(o->keyword, "password"))
			c->secret[k++] = strdup(o->val);
	PQconninfoFree(opts);
}

/* fail - remember the last error of c (from res, or the connection) */
static int
fail(struct pg_conn *c, const PGresult *res)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : NULL;
	size_t n;

	if (!msg || !*msg)
		msg = PQerrorMessage(c->conn);
	snprintf(c->sqlstate, sizeof(c->sqlstate), "%s",
		 state ? state
		       : (PQstatus(c->conn) != CONNECTION_OK ? "08006" : ""));
	snprintf(c->err, sizeof(c->err), "%s",
		 msg && *msg ? msg : "PostgreSQL failed");
	n = strlen(c->err);
	while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
		c->err[--n] = '\0';
	for (n = 0; c->err[n]; n++) /* one line, for the log */
		if (c->err[n] == '\n' || c->err[n] == '\t')
			c->err[n] = ' ';
	hide_secrets(c);
	return SQ_ERROR;
}

/* pg_errmsg - the last error */
const char *
pg_errmsg(struct pg_conn *c)
{
	return c->err[0] ? c->err : "no error";
}

/*
 * pg_status - the store status of the last error: temporary for a lost
 * connection, a timeout, a conflict between transactions, a server out
 * of resources or shutting down; a duplicate for a unique violation
 */
enum store_status
pg_status(struct pg_conn *c)
{
	const char *s = c->sqlstate;

	if (PQstatus(c->conn) != CONNECTION_OK)
		return STORE_ETEMP;
	if (!strcmp(s, "23505"))
		return STORE_EDUP;
	if (!strncmp(s, "08", 2) || !strncmp(s, "40", 2) ||
	    !strncmp(s, "53", 2) || !strncmp(s, "57", 2) ||
	    !strcmp(s, "55P03") || !strcmp(s, "25P02") || !s[0])
		return STORE_ETEMP;
	return STORE_EPERM;
}

/* setup - what each new connection gets; false on error */
static bool
setup(struct pg_conn *c)
{
	PGresult *res;
	char q[160];
	bool ok;

	/* the URI's options (options=-c statement_timeout=...) win */
	snprintf(q, sizeof(q), "SET synchronous_commit = %s;%s",
		 c->sync == STORE_SYNC_FULL ? "on" : "off",
		 strstr(c->uri, "statement_timeout")
		     ? ""
		     : " SET statement_timeout = '30s'");
	res = PQexec(c->conn, q);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fail(c, res);
	PQclear(res);
	return ok;
}

/* noop_notice - drop the server's notices (they are not errors) */
static void
noop_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* connect_to - a new connection to c->uri; false with c->err */
static bool
connect_to(struct pg_conn *c)
{
	/*
	 * the URI comes last: what it says wins over these defaults; a
	 * server that vanished without a word is noticed within about 30 s
	 * (keepalives, tcp_user_timeout), not after TCP's 15 minutes
	 */
	const char *keys[] = {"connect_timeout",
			      "application_name",
			      "keepalives",
			      "keepalives_idle",
			      "keepalives_interval",
			      "keepalives_count",
			      "tcp_user_timeout",
			      "dbname",
			      NULL};
	const char *vals[] = {"10", "smsmilter", "1",	 "10", "5",
			      "3",  "30000",	 c->uri, NULL};

	if (c->conn)
		PQfinish(c->conn);
	c->conn = PQconnectdbParams(keys, vals, 1);
	if (!c->conn) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return false;
	}
	if (PQstatus(c->conn) != CONNECTION_OK) {
		fail(c, NULL);
		return false;
	}
	PQsetNoticeProcessor(c->conn, noop_notice, NULL);
	c->gen++;
	return setup(c);
}

/* pg_open - connect to uri */
struct pg_conn *
pg_open(const char *uri, enum store_sync sync, struct store_error *err)
{
	struct pg_conn *c = calloc(1, sizeof(*c));

	if (!c || !(c->uri = strdup(uri))) {
		free(c);
		store_set_error(err, STORE_ETEMP, "out of memory");
		return NULL;
	}
	c->sync = sync;
	if (ut_pg_uri_bad(uri)) {
		store_set_error(err, STORE_EPERM, "%s", ut_pg_uri_bad(uri));
		pg_close(c);
		return NULL;
	}
	keep_secrets(c);
	if (!connect_to(c)) {
		store_set_error(err, STORE_ETEMP, "connecting: %s", c->err);
		pg_close(c);
		return NULL;
	}
	return c;
}

/* pg_close - close */
void
pg_close(struct pg_conn *c)
{
	unsigned i;

	if (!c)
		return;
	if (c->conn)
		PQfinish(c->conn);
	for (i = 0; i < 8; i++)
		free(c->secret[i]);
	free(c->uri);
	free(c);
}

/*
 * alive - the connection is up, made again if it broke and no
 * transaction can be lost by that (none is open on a broken one)
 */
static bool
alive(struct pg_conn *c)
{
	if (PQstatus(c->conn) == CONNECTION_OK)
		return true;
	if (c->in_tx) { /* its work is gone: only ROLLBACK may follow */
		snprintf(c->err, sizeof(c->err),
			 "the connection to the server was lost in a "
			 "transaction");
		snprintf(c->sqlstate, sizeof(c->sqlstate), "08006");
		return false;
	}
	/*
	 * a server that could not be reached a moment ago is not tried
	 * again at once: each try may take connect_timeout, and a caller
	 * with many statements to run (a runner's turn) would wait that
	 * long for each
	 */
	if (ut_now_ms() < c->down_until) {
		snprintf(c->err, sizeof(c->err), "%s", c->down_err);
		snprintf(c->sqlstate, sizeof(c->sqlstate), "08001");
		return false;
	}
	if (connect_to(c))
		return true;
	c->down_until = ut_now_ms() + RECONNECT_PAUSE_MS;
	snprintf(c->down_err, sizeof(c->down_err), "%s", c->err);
	return false;
}

/* lost - the last failure was the connection's (the server went away) */
static bool
lost(struct pg_conn *c)
{
	return PQstatus(c->conn) != CONNECTION_OK;
}

/* pg_exec - run text (no rows wanted) */
int
pg_exec(struct pg_conn *c, const char *text)
{
	bool begin = !strcmp(text, "BEGIN");
	bool end = !strcmp(text, "COMMIT") || !strcmp(text, "ROLLBACK");
	PGresult *res;
	int rc = SQ_OK, tries;

	if (!strcmp(text, "ROLLBACK") && c->in_tx && lost(c)) {
		c->in_tx = false; /* the server rolled it back already */
		return SQ_OK;
	}
	/* a BEGIN on a connection found dead is tried once more, anew */
	for (tries = begin ? 2 : 1; tries > 0; tries--) {
		if (!alive(c))
			return SQ_ERROR;
		res = PQexec(c->conn, text);
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
			c->changes = strtoll(PQcmdTuples(res), NULL, 10);
			rc = SQ_OK;
			break;
		default: rc = fail(c, res);
		}
		/* COMMIT of a failed transaction rolls back, and says so
		   in its tag only */
		if (rc == SQ_OK && !strcmp(text, "COMMIT") &&
		    strcmp(PQcmdStatus(res), "COMMIT") != 0) {
			snprintf(c->err, sizeof(c->err),
				 "the transaction failed and was rolled back");
			snprintf(c->sqlstate, sizeof(c->sqlstate), "25P02");
			rc = SQ_ERROR;
		}
		PQclear(res);
		if (rc == SQ_OK || !lost(c))
			break;
	}
	if (begin && rc == SQ_OK)
		c->in_tx = true;
	if (end)
		c->in_tx = false;
	return rc;
}

/* pg_changes - rows the last statement changed */
int64_t
pg_changes(struct pg_conn *c)
{
	return c->changes;
}

/* pg_autocommit - no transaction open */
bool
pg_autocommit(struct pg_conn *c)
{
	return !c->in_tx;
}

/* ident - c may be in an identifier */
static bool
ident(int c)
{
	return isalnum(c) || c == '_';
}

/*
 * param_of - the index of name (n bytes) among st's named parameters,
 * added as a new one when it is not there; 0 when out of memory
 */
static int
param_of(struct pg_stmt *st, const char *name, size_t n, int *max)
{
	char **more;
	int i;

	for (i = 0; i < *max; i++)
		if (st->names && st->names[i] && strlen(st->names[i]) == n &&
		    !strncmp(st->names[i], name, n))
			return i + 1;
	more = realloc(st->names, (size_t)(*max + 1) * sizeof(*more));
	if (!more)
		return 0;
	st->names = more;
	st->names[*max] = strndup(name, n);
	if (!st->names[*max])
		return 0;
	return ++*max;
}

/* unnamed_upto - parameters up to i exist (without names); false: OOM */
static bool
unnamed_upto(struct pg_stmt *st, int i, int *max)
{
	while (*max < i) {
		char **more =
		    realloc(st->names, (size_t)(*max + 1) * sizeof(*more));

		if (!more)
			return false;
		st->names = more;
		st->names[(*max)++] = NULL;
	}
	return true;
}

/*
 * translate - SQLite's parameters (?1, ?, :name) of st->orig as
 * PostgreSQL's ($1), into st->text; string literals and :: casts left
 * as they are. false when out of memory.
 */
static bool
translate(struct pg_stmt *st)
{
	const char *p = st->orig;
	/* a parameter of 1 character (?) becomes at most 5 ($9999) */
	char *out = malloc(strlen(p) * 5 + 16);
	size_t n = 0;
	int max = 0, i;

	if (!out)
		return false;
	while (*p) {
		if (*p == '\'') { /* a literal, with '' inside */
			out[n++] = *p++;
			while (*p && (*p != '\'' || p[1] == '\'')) {
				if (*p == '\'')
					out[n++] = *p++;
				out[n++] = *p++;
			}
			if (*p)
				out[n++] = *p++;
			continue;
		}
		i = 0;
		if (*p == '?') {
			p++;
			if (isdigit((unsigned char)*p))
				i = (int)strtol(p, (char **)&p, 10);
			else
				i = max + 1;
			if (i < 1 || i > 9999 || !unnamed_upto(st, i, &max))
				i = -1;
		} else if (*p == ':' && p[1] != ':' &&
			   (p == st->orig || p[-1] != ':') &&
			   isalpha((unsigned char)p[1])) {
			const char *name = p++;

			while (ident((unsigned char)*p))
				p++;
			i = param_of(st, name, (size_t)(p - name), &max);
			if (!i || max > 9999)
				i = -1;
		}
		if (i < 0) {
			free(out);
			return false;
		}
		if (i > 0)
			n += (size_t)sprintf(out + n, "$%d", i);
		else
			out[n++] = *p++;
	}
	out[n] = '\0';
	st->text = out;
	st->nparams = max;
	return true;
}

/* server_prepare - prepare st on the connection (again, after a break) */
static int
server_prepare(struct pg_stmt *st)
{
	struct pg_conn *c = st->c;
	PGresult *res;
	int rc = SQ_OK;

	if (st->name[0] && st->gen == c->gen)
		return SQ_OK;
	snprintf(st->name, sizeof(st->name), "s%u", ++c->next_name);
	res = PQprepare(c->conn, st->name, st->text, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = fail(c, res);
		st->name[0] = '\0';
	} else
		st->gen = c->gen;
	PQclear(res);
	return rc;
}

/* pg_prepare - a statement of text */
int
pg_prepare(struct pg_conn *c, const char *text, struct pg_stmt **st_r)
{
	struct pg_stmt *st = calloc(1, sizeof(*st));
	const char *p = text;
	int rc;

	*st_r = NULL;
	if (!st || !(st->orig = strdup(text)) || !translate(st))
		goto oom;
	st->c = c;
	if (st->nparams > 0) {
		st->vals = calloc((size_t)st->nparams, sizeof(*st->vals));
		st->lens = calloc((size_t)st->nparams, sizeof(*st->lens));
		st->fmts = calloc((size_t)st->nparams, sizeof(*st->fmts));
		st->borrowed =
		    calloc((size_t)st->nparams, sizeof(*st->borrowed));
		if (!st->vals || !st->lens || !st->fmts || !st->borrowed)
			goto oom;
	}
	while (isspace((unsigned char)*p))
		p++;
	st->readonly = !strncasecmp(p, "SELECT", 6) && !strstr(p, "FOR UPDATE");
	if (!alive(c)) {
		pg_finalize(st);
		return SQ_ERROR;
	}
	rc = server_prepare(st);
	if (rc != SQ_OK) {
		pg_finalize(st);
		return rc;
	}
	*st_r = st;
	return SQ_OK;
oom:
	pg_finalize(st);
	snprintf(c->err, sizeof(c->err), "out of memory");
	c->sqlstate[0] = '\0';
	return SQ_NOMEM;
}

/* drop_row - forget the current row's unescaped bytea */
static void
drop_row(struct pg_stmt *st)
{
	int i;

	for (i = 0; st->blob && i < st->ncols; i++) {
		if (st->blob[i])
			PQfreemem(st->blob[i]);
		st->blob[i] = NULL;
	}
}

/* pg_reset - ready to run again, the bindings kept */
void
pg_reset(struct pg_stmt *st)
{
	drop_row(st);
	PQclear(st->res);
	st->res = NULL;
	st->ran = false;
	st->row = st->nrows = 0;
}

/* pg_clear - unbind */
void
pg_clear(struct pg_stmt *st)
{
	int i;

	for (i = 0; i < st->nparams; i++) {
		if (!st->borrowed[i])
			free(st->vals[i]);
		st->vals[i] = NULL;
		st->borrowed[i] = false;
		st->lens[i] = st->fmts[i] = 0;
	}
}

/* pg_finalize - free, and deallocate on the server */
void
pg_finalize(struct pg_stmt *st)
{
	int i;

	if (!st)
		return;
	pg_reset(st);
	if (st->name[0] && st->c && st->gen == st->c->gen &&
	    PQstatus(st->c->conn) == CONNECTION_OK) {
		char q[48];
		PGresult *res;

		snprintf(q, sizeof(q), "DEALLOCATE %s", st->name);
		res = PQexec(st->c->conn, q);
		PQclear(res);
	}
	if (st->vals && st->borrowed)
		pg_clear(st);
	for (i = 0; st->names && i < st->nparams; i++)
		free(st->names[i]);
	free(st->names);
	free(st->vals);
	free(st->lens);
	free(st->fmts);
	free(st->borrowed);
	free(st->blob);
	free(st->blob_len);
	free(st->orig);
	free(st->text);
	free(st);
}

/*
 * pg_bind - parameter i: n bytes of v (NULL: SQL NULL), binary or text,
 * borrowed (ref: not copied) or copied
 */
int
pg_bind(struct pg_stmt *st, int i, const void *v, size_t n, bool binary,
	bool ref)
{
	char *copy = NULL;

	if (i < 1 || i > st->nparams || n > INT32_MAX)
		return SQ_ERROR;
	if (v && ref)
		copy = (char *)v;
	else if (v) {
		copy = malloc(n + 1);
		if (!copy)
			return SQ_NOMEM;
		memcpy(copy, v, n);
		copy[n] = '\0';
	}
	if (!st->borrowed[i - 1])
		free(st->vals[i - 1]);
	st->vals[i - 1] = copy;
	st->borrowed[i - 1] = v && ref;
	st->lens[i - 1] = (int)n;
	st->fmts[i - 1] = binary ? 1 : 0;
	return SQ_OK;
}

/* pg_param - the index of a named parameter, 0 if none */
int
pg_param(struct pg_stmt *st, const char *name)
{
	int i;

	for (i = 0; st->names && i < st->nparams; i++)
		if (st->names[i] && !strcmp(st->names[i], name))
			return i + 1;
	return 0;
}

/* pg_param_count - the number of parameters */
int
pg_param_count(struct pg_stmt *st)
{
	return st->nparams;
}

/* run - execute st with its bindings */
static int
run(struct pg_stmt *st)
{
	struct pg_conn *c = st->c;
	PGresult *res;
	int rc;

	if (!alive(c))
		return SQ_ERROR;
	rc = server_prepare(st);
	if (rc != SQ_OK && lost(c) && !c->in_tx && alive(c))
		rc = server_prepare(st); /* the server was back: once more */
	if (rc != SQ_OK)
		return rc;
	res = PQexecPrepared(c->conn, st->name, st->nparams,
			     (const char *const *)st->vals, st->lens, st->fmts,
			     0);
	if (PQresultStatus(res) == PGRES_FATAL_ERROR && lost(c) && !c->in_tx &&
	    st->readonly && alive(c) && server_prepare(st) == SQ_OK) {
		/* a read, outside a transaction, on a connection found
		   dead: nothing was done, so once more on a new one */
		PQclear(res);
		res = PQexecPrepared(c->conn, st->name, st->nparams,
				     (const char *const *)st->vals, st->lens,
				     st->fmts, 0);
	}
	st->ran = true;
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
		c->changes = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		return SQ_DONE;
	case PGRES_TUPLES_OK:
		c->changes = strtoll(PQcmdTuples(res), NULL, 10);
		st->res = res;
		st->nrows = PQntuples(res);
		st->row = 0;
		if (PQnfields(res) > st->ncols) {
			free(st->blob);
			free(st->blob_len);
			st->ncols = PQnfields(res);
			st->blob = calloc((size_t)st->ncols, sizeof(*st->blob));
			st->blob_len =
			    calloc((size_t)st->ncols, sizeof(*st->blob_len));
			if (!st->blob || !st->blob_len) {
				free(st->blob);
				free(st->blob_len);
				st->blob = NULL;
				st->blob_len = NULL;
				st->ncols = 0;
				return SQ_NOMEM;
			}
		}
		return st->nrows > 0 ? SQ_ROW : SQ_DONE;
	default:
		rc = fail(c, res);
		PQclear(res);
		/* a prepared statement the server lost (a new connection) */
		if (!strcmp(c->sqlstate, "26000"))
			st->name[0] = '\0';
		return rc;
	}
}

/* pg_step - run, or the next row */
int
pg_step(struct pg_stmt *st)
{
	if (!st->ran)
		return run(st);
	if (!st->res)
		return SQ_DONE;
	drop_row(st);
	if (st->row + 1 >= st->nrows) {
		st->row = st->nrows;
		return SQ_DONE;
	}
	st->row++;
	return SQ_ROW;
}

/* pg_value - column i of the current row (NULL for NULL), its length */
const char *
pg_value(struct pg_stmt *st, int i, int *len_r)
{
	const char *v;

	if (len_r)
		*len_r = 0;
	if (!st->res || st->row >= st->nrows || i < 0 ||
	    i >= PQnfields(st->res) || PQgetisnull(st->res, st->row, i))
		return NULL;
	v = PQgetvalue(st->res, st->row, i);
	if (PQftype(st->res, i) != BYTEAOID) {
		if (len_r)
			*len_r = PQgetlength(st->res, st->row, i);
		return v;
	}
	if (!st->blob[i]) {
		st->blob[i] =
		    PQunescapeBytea((const unsigned char *)v, &st->blob_len[i]);
		if (!st->blob[i])
			return NULL;
	}
	if (len_r)
		*len_r = (int)st->blob_len[i];
	return (const char *)st->blob[i];
}

/* pg_column_count - the columns of the result (0 before a run) */
int
pg_column_count(struct pg_stmt *st)
{
	return st->res ? PQnfields(st->res) : 0;
}

/* pg_column_name - the name of column i */
const char *
pg_column_name(struct pg_stmt *st, int i)
{
	return st->res ? PQfname(st->res, i) : NULL;
}

/* pg_column_kind - what column i of the current row holds */
enum sq_kind
pg_column_kind(struct pg_stmt *st, int i)
{
	if (!st->res || st->row >= st->nrows || i < 0 ||
	    i >= PQnfields(st->res) || PQgetisnull(st->res, st->row, i))
		return SQ_NULL;
	switch (PQftype(st->res, i)) {
	case 20: /* int8 */
	case 21: /* int2 */
	case 23: /* int4 */
	case 16: /* bool */ return SQ_INT;
	case 700: /* float4 */
	case 701: /* float8 */
	case 1700: /* numeric */ return SQ_REAL;
	case BYTEAOID: return SQ_BLOB;
	default: return SQ_TEXT;
	}
}

/* pg_sql - the text as given */
const char *
pg_sql(struct pg_stmt *st)
{
	return st->orig;
}

/* pg_listen - LISTEN on the store's channel (again, after a break) */
int
pg_listen(struct pg_conn *c)
{
	return pg_exec(c, "LISTEN " PG_CHANNEL);
}

/*
 * pg_wait - wait up to ms for a notification on the channel: 1 when
 * one came (or the connection was made again: something may have been
 * missed meanwhile), 0 when none, -1 on error (c->err says)
 */
int
pg_wait(struct pg_conn *c, int ms)
{
	struct pollfd pfd;
	PGnotify *n;
	int got = 0;

	if (PQstatus(c->conn) != CONNECTION_OK) {
		if (!connect_to(c) || pg_listen(c) != SQ_OK)
			return -1;
		return 1;
	}
	pfd.fd = PQsocket(c->conn);
	pfd.events = POLLIN;
	if (!PQnotifies(c->conn) && poll(&pfd, 1, ms) <= 0)
		return 0;
	if (!PQconsumeInput(c->conn)) {
		fail(c, NULL);
		return -1;
	}
	while ((n = PQnotifies(c->conn))) {
		PQfreemem(n);
		got = 1;
	}
	return got;
}
