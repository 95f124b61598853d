/*
 * NAME
 *	fuzz_smpp - libFuzzer target: what smsgw reads from an SMSC
 * DESCRIPTION
 *	The SMPP transport gets one end of a socketpair as its link
 *	(smpp_adopt); the harness is the SMSC on the other end. It reads
 *	the bind_transceiver, answers it (unless the input does), takes a
 *	few parts (tp_submit) and reads their submit_sm, then writes the
 *	input to the transport in chunks, polling it after each, and
 *	answers every receipt and text the transport reports (tp_ack).
 *
 *	The first input byte: bits 0-2 how many parts to submit, bits
 *	3-5 the chunk size (all at once, 1, 2, 3, 7, 16, 100, 1000
 *	bytes), bit 6 acknowledge with an error, bit 7 "raw": no bind_resp
 *	and no parts, the input answers the bind itself. The rest is the
 *	byte stream. The bind's sequence number is 1, the parts' submit_sm
 *	2, 3, and so on, so that the input can answer them.
 *
 *	Checks, against the harness's own framing of the stream: a length
 *	that cannot be SMPP (under 16, over 64 KiB) or an unbind ends the
 *	link, and nothing else does; while the link stays up, every
 *	deliver_sm gets one deliver_sm_resp, every enquire_link its
 *	enquire_link_resp, every other request a generic_nack
 *	ESME_RINVCMDID with its sequence number, and nothing else is
 *	answered; what the transport writes is well framed. Every event
 *	has NUL-terminated strings within their buffers, ud_len within
 *	ud, a part's outcome only for a part it took and at most once,
 *	and the link goes up and down at most once. FUZZ_VERBOSE in the
 *	environment prints the events and the count of answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "transport/smpp_int.h"
#include "transport/transport.h"

#define STREAM_MAX  16384 /* keeps the events of one poll in the ring */
#define ANSWERS_MAX (STREAM_MAX / 16 + 16)
#define PARTS_MAX   7

#define BIND_TRX      0x00000009u
#define BIND_TRX_RESP 0x80000009u
#define SUBMIT_SM     0x00000004u
#define DELIVER_SM    0x00000005u
#define UNBIND	      0x00000006u
#define ENQUIRE_LINK  0x00000015u
#define GENERIC_NACK  0x80000000u
#define RESP	      0x80000000u
#define RINVCMDID     0x00000003u

static const unsigned chunks[] = {0, 1, 2, 3, 7, 16, 100, 1000};

/* What the transport wrote back, and what the harness expects. */
struct answer {
	uint32_t id, status, seq;
};

struct run {
	struct transport *t;
	int fd; /* the SMSC's end */
	bool eof;
	uint8_t out[STREAM_MAX * 4]; /* what the transport wrote */
	size_t out_len, out_off;
	struct answer got[ANSWERS_MAX];
	unsigned ngot;
	uint32_t first_submit; /* the sequence number of the first submit_sm */
	unsigned nsubmit, bind_seq;
	unsigned outcomes[PARTS_MAX];
	unsigned ups, downs;
	bool ack_ok;
};

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* terminated - a string field ends within its buffer */
#define TERMINATED(a) CHECK(memchr((a), '\0', sizeof(a)) != NULL)

/* check_event - one event the transport returned */
static void
check_event(struct run *r, const struct tp_event *e)
{
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr,
			"event %d msg=%lld smsc_id=%s code=%s err=%s "
			"from=%s ud_len=%zu reason=%s\n",
			(int)e->kind, (long long)e->msg_id, e->smsc_id, e->code,
			e->err, e->from, e->ud_len, e->reason);
	CHECK(e->kind >= TP_EV_SUBMITTED && e->kind <= TP_EV_NOTE);
	TERMINATED(e->smsc_id);
	TERMINATED(e->code);
	TERMINATED(e->err);
	TERMINATED(e->reason);
	TERMINATED(e->from);
	TERMINATED(e->to);
	CHECK(e->ud_len <= sizeof(e->ud));
	switch (e->kind) {
	case TP_EV_SUBMITTED:
	case TP_EV_REJECTED:
	case TP_EV_RETRY:
		/* parts are msg_id 100 + i, seq 1 */
		CHECK(e->msg_id >= 100 && e->msg_id < 100 + r->nsubmit);
		CHECK(e->seq == 1);
		CHECK(++r->outcomes[e->msg_id - 100] == 1);
		if (e->kind != TP_EV_SUBMITTED)
			CHECK(e->code[0] && e->reason[0]);
		break;
	case TP_EV_MO:
		CHECK(e->ud_len <= 1024);
		/* fall through */
	case TP_EV_RECEIPT: tp_ack(r->t, e, r->ack_ok); break;
	case TP_EV_LINK_UP: CHECK(++r->ups == 1); break;
	case TP_EV_LINK_DOWN: CHECK(++r->downs == 1); break;
	case TP_EV_CONFIRMED: CHECK(e->session[0] && e->mark > 0); break;
	case TP_EV_NOTE: CHECK(e->reason[0]); break;
	}
}

/* drain - read what the transport wrote; frame its PDUs */
static void
drain(struct run *r)
{
	ssize_t n;

	while (!r->eof && r->out_len < sizeof(r->out)) {
		n = read(r->fd, r->out + r->out_len,
			 sizeof(r->out) - r->out_len);
		if (n == 0)
			r->eof = true;
		if (n <= 0)
			break;
		r->out_len += (size_t)n;
	}
	while (r->out_len - r->out_off >= 16) {
		const uint8_t *p = r->out + r->out_off;
		uint32_t len = get32(p), id = get32(p + 4);

		CHECK(len >= 16 && len <= 65536);
		if (r->out_len - r->out_off < len)
			break;
		if (id & RESP) {
			CHECK(r->ngot < ANSWERS_MAX);
			r->got[r->ngot++] =
			    (struct answer){id, get32(p + 8), get32(p + 12)};
		} else if (id == BIND_TRX) {
			r->bind_seq = get32(p + 12);
		} else if (id == SUBMIT_SM && !r->first_submit) {
			r->first_submit = get32(p + 12);
		}
		r->out_off += len;
	}
	CHECK(r->out_len < sizeof(r->out));
}

/* poll_all - poll the transport until it has nothing more to say */
static void
poll_all(struct run *r)
{
	struct tp_event ev[64];
	unsigned n, i, quiet = 0, rounds = 0;

	while (quiet < 2) {
		size_t before = r->out_len;

		CHECK(tp_poll(r->t, 0, ev, 64, &n) == TP_OK);
		for (i = 0; i < n; i++)
			check_event(r, &ev[i]);
		drain(r);
		quiet = n == 0 && r->out_len == before ? quiet + 1 : 0;
		CHECK(++rounds < 10000);
	}
}

/* feed - write the stream in chunks, polling after each */
static void
feed(struct run *r, const uint8_t *d, size_t n, unsigned chunk)
{
	size_t off = 0;

	while (off < n && !r->eof) {
		size_t want = chunk && n - off > chunk ? chunk : n - off;
		ssize_t w = send(r->fd, d + off, want, MSG_NOSIGNAL);

		if (w < 0 && errno != EAGAIN)
			break; /* the transport closed its end */
		if (w > 0)
			off += (size_t)w;
		poll_all(r);
	}
	poll_all(r);
}

/* bind_resp - the SMSC's answer to the bind */
static void
bind_resp(struct run *r)
{
	uint8_t p[21];

	put32(p, sizeof(p));
	put32(p + 4, BIND_TRX_RESP);
	put32(p + 8, 0);
	put32(p + 12, r->bind_seq);
	memcpy(p + 16, "SMSC", 5);
	CHECK(send(r->fd, p, sizeof(p), MSG_NOSIGNAL) == (ssize_t)sizeof(p));
	poll_all(r);
	CHECK(r->ups == 1);
}

/* submit - the parts msg_id 100.. */
static void
submit(struct run *r, unsigned n)
{
	static const uint8_t hello[] = {0x48, 0x65, 0x6c, 0x6c, 0x6f};
	struct tp_error err;
	unsigned i;

	for (i = 0; i < n; i++) {
		struct tp_part p = {
		    .msg_id = 100 + i,
		    .seq = 1,
		    .total = 1,
		    .src = "+12025550100",
		    .dst = "+12025550143",
		    .data = hello,
		    .len = sizeof(hello),
		    .receipt = true,
		};

		CHECK(tp_submit(r->t, &p, &err) == TP_OK);
	}
	r->nsubmit = n;
	poll_all(r);
}

/* expect - the answers the stream asks for; whether it ends the link */
static unsigned
expect(const uint8_t *d, size_t n, bool raw, struct answer *want, bool *close_r)
{
	size_t off = 0;
	unsigned k = 0;
	bool bound = !raw;

	*close_r = false;
	while (n - off >= 16) {
		uint32_t len = get32(d + off), id = get32(d + off + 4);
		uint32_t st = get32(d + off + 8), seq = get32(d + off + 12);

		if (len < 16 || len > 65536) {
			*close_r = true;
			break;
		}
		if (n - off < len)
			break;
		off += len;
		if (id == BIND_TRX_RESP && !bound && seq == 1) {
			if (st != 0) {
				*close_r = true;
				break;
			}
			bound = true;
		} else if (id == DELIVER_SM) {
			want[k++] = (struct answer){DELIVER_SM | RESP, 0, seq};
		} else if (id == ENQUIRE_LINK) {
			want[k++] =
			    (struct answer){ENQUIRE_LINK | RESP, 0, seq};
		} else if (id == UNBIND) {
			want[k++] = (struct answer){UNBIND | RESP, 0, seq};
			*close_r = true;
			break;
		} else if (!(id & RESP)) {
			want[k++] =
			    (struct answer){GENERIC_NACK, RINVCMDID, seq};
		}
	}
	return k;
}

static int
by_id_seq(const void *a, const void *b)
{
	const struct answer *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

/* contains - every answer in got is one of want (a multiset) */
static bool
contains(struct answer *want, unsigned nw, struct answer *got, unsigned ng)
{
	unsigned i = 0, j = 0;

	qsort(want, nw, sizeof(*want), by_id_seq);
	qsort(got, ng, sizeof(*got), by_id_seq);
	for (j = 0; j < ng; j++) {
		while (i < nw && by_id_seq(&want[i], &got[j]) < 0)
			i++;
		if (i == nw || by_id_seq(&want[i], &got[j]) != 0)
			return false;
		if (got[j].id == GENERIC_NACK && got[j].status != RINVCMDID)
			return false;
		i++;
	}
	return true;
}

/* answers - what the transport answered, against what it had to */
static void
answers(struct run *r, const uint8_t *d, size_t n, bool raw)
{
	static struct answer want[ANSWERS_MAX];
	struct answer *got = r->got;
	unsigned nw, ng = 0, i;
	bool closes;

	/* the answers to the stream, not to the harness's bind_resp */
	for (i = 0; i < r->ngot; i++)
		if (got[i].id != (SUBMIT_SM | RESP))
			got[ng++] = got[i];
	nw = expect(d, n, raw, want, &closes);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "answers %u of %u expected, eof %d closes %d\n",
			ng, nw, r->eof, closes);
	CHECK(r->eof == closes);
	CHECK(contains(want, nw, got, ng));
	if (!closes && !raw)
		CHECK(ng == nw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	struct tp_smpp_conf c = {
	    .host = "127.0.0.1",
	    .port = 1, /* a reconnect would be refused */
	    .system_id = "fuzz",
	    .password = "secret",
	    .system_type = "",
	    .source_ton = -1,
	    .source_npi = -1,
	    .dest_ton = 1,
	    .dest_npi = 1,
	    .window = PARTS_MAX + 1,
	    .concat = TP_CONCAT_UDH,
	};
	struct tp_error err;
	int sv[2];
	bool raw;

	if (size < 1 || size - 1 > STREAM_MAX)
		return 0;
	raw = data[0] & 0x80;
	memset(&r, 0, sizeof(r));
	r.ack_ok = !(data[0] & 0x40);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
			 sv) == 0);
	r.fd = sv[1];
	r.t = tp_smpp_open(&c, &err);
	CHECK(r.t != NULL);
	smpp_adopt(r.t, 0, sv[0]);
	poll_all(&r);
	CHECK(r.bind_seq == 1);
	if (!raw) {
		bind_resp(&r);
		submit(&r, data[0] & 7);
		CHECK(r.nsubmit == 0 || r.first_submit == 2);
		r.ngot = 0;
	}
	feed(&r, data + 1, size - 1, chunks[(data[0] >> 3) & 7]);
	answers(&r, data + 1, size - 1, raw);
	CHECK(r.ups <= 1 && r.downs <= 1);
	tp_close(&r.t);
	close(r.fd);
	return 0;
}
