/*
 * NAME
 *	smpp - the SMPP 3.4 transport (an ESME), on libsmpp34
 * DESCRIPTION
 *	One non-blocking TCP link bound as a transceiver, or with SmppBind
 *	split two: a transmitter for the submits and a receiver for the
 *	receipts and texts (each reconnects on its own). Parts wait in a
 *	window of slots: a slot is waiting (to be sent when the link is
 *	bound, the throughput cap allows and its retry time has come) or
 *	sent (its sequence number awaits a submit_sm_resp). A response
 *	frees the slot with an event: submitted, rejected for good, or,
 *	for throttling and a full queue, waiting again with backoff (after
 *	MAX_TRIES, a retry event hands it back). When the link drops, or a
 *	response or enquire_link_resp does not come in time, every sent
 *	slot waits again and is resent after the reconnect: a part whose
 *	answer was lost may reach the phone twice, never zero times.
 *
 *	A part the SMSC never answers (a destination it chokes on) must
 *	not poison the link: the oldest unanswered part is blamed for a
 *	reset and becomes a suspect, sent alone after the reconnect (the
 *	others wait, so they are not resent again and again) with an
 *	enquire_link behind it. A reset counts against it when the SMSC
 *	answered anything after the part was sent (it is alive, and
 *	silent on this part only); after PoisonResets such resets the
 *	part is given up (a rejected event, NO_ANSWER) and the others go
 *	on, on a new link (an SMSC that answers in order may be stuck
 *	behind it). An SMSC silent on everything makes
 *	no suspect fail: nothing proves it alive.
 *
 *	deliver_sm carries receipts (esm_class 0x04/0x08: receipted_
 *	message_id, else the "id:... stat:... err:..." text) and texts
 *	from phones; each is answered. A PDU that cannot be read is
 *	answered with generic_nack and logged as an event; a length that
 *	cannot be an SMPP PDU ends the link (it cannot be resynchronised).
 *
 *	An SMSC that did not get our deliver_sm_resp sends the text again
 *	on the next bind. TCP keeps order, so once the SMSC answers a
 *	request we wrote after a deliver_sm_resp, it had that answer:
 *	each link is a session (this run's random id, the link and its
 *	bind), requests are counted (tp_mark), and an answer to a request
 *	sent after our answer to a text is a TP_EV_CONFIRMED. An answered
 *	text is confirmed soon: an enquire_link goes out a moment after.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* libsmpp34's headers need these first */
#include <stdint.h>
// clang-format off
#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>
#include <smpp34_heap.h>
// clang-format on

#include "transport/smpp_int.h"
#include "transport/transport_int.h"

#define MAX_TRIES    6		 /* throttled or queue-full answers per part */
#define PDU_MAX	     (64 * 1024) /* larger lengths are not SMPP */
#define EVENTS_MAX   4096
#define CONFIRM_SOON 0.2 /* seconds from answering a text to enquire_link */

enum link_state { DOWN, CONNECTING, BINDING, BOUND };
enum slot_state { FREE, WAITING, SENT };

struct slot {
	enum slot_state state;
	struct tp_part p; /* src, dst and data point into buf */
	uint8_t buf[TP_PAYLOAD_MAX + 2 * 22];
	uint32_t seq;
	uint64_t count; /* requests sent up to its submit_sm, with it */
	unsigned tries;
	double due;	 /* WAITING: not before; SENT: answer expected by */
	double sent_at;	 /* SENT: when */
	bool suspect;	 /* blamed for a reset: sent alone */
	unsigned resets; /* resets counted against it (the SMSC alive) */
};

/*
 * One TCP link to the SMSC: a transceiver, or with SmppBind split a
 * transmitter (link 0: submits) and a receiver (link 1: receipts, texts).
 */
struct link {
	enum link_state state;
	uint32_t bind_cmd; /* BIND_TRANSCEIVER, _TRANSMITTER or _RECEIVER */
	unsigned gen;	   /* which connection: answers for an old one drop */
	int fd;
	uint32_t bind_seq, enquire_seq;
	uint64_t enquire_count; /* requests sent up to the enquire_link */
	uint64_t pending;	/* the mark of our newest answer to a text that
				   the SMSC may not have had; 0: none */
	uint64_t confirmed;	/* the largest mark confirmed */
	double confirm_at;	/* when to ask for a confirmation; 0: not */
	double next_connect, backoff, last_io, enquire_due;
	uint8_t in[PDU_MAX];
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_cap;
};

struct smpp {
	struct transport tp; /* first: the operations */
	struct tp_smpp_conf c;
	char host[256], system_id[16], password[9], system_type[13];
	struct link l[2];
	unsigned nlinks;
	uint32_t next_seq;
	uint64_t nreq; /* requests sent: tp_mark */
	char run[17];  /* this run's random id, for sessions */
	double tokens, token_time;
	struct slot *slots;
	unsigned nslots;
	int watch_fd;	     /* another fd that ends a poll */
	struct tp_event *ev; /* a ring of events not yet polled */
	unsigned ev_head, ev_n;
	uint8_t pdu[PDU_MAX + 1]; /* the PDU being read, and a NUL */
};

/*
 * libsmpp34 allocates a TLV before it reads it and, when the read fails,
 * returns without linking it into the PDU's list: a malformed TLV from
 * the SMSC would leak 1 KiB each time. Its allocations come through
 * these (set once, for the process: libsmpp34's allocator is global), so
 * that unpack_deliver can free the lost one: the last one made.
 */
static _Thread_local void *last_alloc;

static void *
heap_malloc(size_t n)
{
	return last_alloc = malloc(n);
}

static void *
heap_realloc(void *p, size_t n)
{
	return last_alloc = realloc(p, n);
}

static void
heap_free(void *p)
{
	if (p == last_alloc)
		last_alloc = NULL;
	free(p);
}

static void
heap_set(void)
{
	static const struct smpp34_memory_functions mf = {
	    heap_malloc, heap_realloc, heap_free};

	smpp34_set_memory_functions(&mf);
}

/* heap_init - route libsmpp34's allocations through heap_*, once */
static void
heap_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, heap_set);
}

/* The most optional parameters a deliver_sm may carry here. */
#define TLV_MAX 16

/* skip_cstr - past a C-Octet String of at most max bytes, or NULL */
static const uint8_t *
skip_cstr(const uint8_t *p, const uint8_t *end, size_t max)
{
	size_t i;

	for (i = 0; p + i < end && i < max; i++)
		if (p[i] == 0)
			return p + i + 1;
	return NULL;
}

/*
 * deliver_sane - the deliver_sm's fields end where SMPP 3.4 says and
 * its optional parameters are at most TLV_MAX whole ones: libsmpp34
 * appends a sentence per bad field to a fixed buffer without bound,
 * so what it is given must not have many
 */
static bool
deliver_sane(const uint8_t *pdu, size_t len)
{
	const uint8_t *p = pdu + 16, *end = pdu + len;
	unsigned n;

	if (len < 16 || !(p = skip_cstr(p, end, 6))) /* service_type */
		return false;
	p += 2; /* source_addr_ton, npi */
	if (p > end || !(p = skip_cstr(p, end, 21)))
		return false;
	p += 2; /* dest_addr_ton, npi */
	if (p > end || !(p = skip_cstr(p, end, 21)))
		return false;
	p += 3; /* esm_class, protocol_id, priority_flag */
	if (p > end || !(p = skip_cstr(p, end, 17)) ||
	    !(p = skip_cstr(p, end, 17)))
		return false;
	p += 4; /* registered_delivery, replace_if_present, dc, msg_id */
	if (p >= end)
		return false;
	p += 1 + *p; /* sm_length, short_message */
	for (n = 0; p < end; n++) {
		if (n == TLV_MAX || end - p < 4)
			return false;
		p += 4 + ((size_t)p[2] << 8 | p[3]);
	}
	return p == end;
}

/*
 * unpack_deliver - smpp34_unpack2 of a deliver_sm, freeing the TLV
 * libsmpp34 loses when it fails (d->tlv is the caller's either way)
 */
static int
unpack_deliver(deliver_sm_t *d, const uint8_t *pdu, size_t len)
{
	tlv_t *t;
	int rc;

	if (!deliver_sane(pdu, len))
		return -1;
	last_alloc = NULL;
	rc = smpp34_unpack2(d, pdu, (int)len);
	if (rc != 0 && last_alloc) {
		for (t = d->tlv; t && (void *)t != last_alloc; t = t->next)
			;
		if (!t)
			heap_free(last_alloc);
	}
	return rc;
}

/* get32 - a big-endian 32-bit field anywhere in a buffer */
static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
fail(struct tp_error *err, int status, const char *msg)
{
	if (err) {
		err->status = status;
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return status;
}

/* event - a new event at the end of the ring (the oldest goes if full) */
static struct tp_event *
event(struct smpp *t, enum tp_event_kind kind)
{
	struct tp_event *e;

	if (t->ev_n == EVENTS_MAX) {
		t->ev_head = (t->ev_head + 1) % EVENTS_MAX;
		t->ev_n--;
	}
	e = &t->ev[(t->ev_head + t->ev_n++) % EVENTS_MAX];
	memset(e, 0, offsetof(struct tp_event, ud));
	e->kind = kind;
	return e;
}

static void
link_event(struct smpp *t, enum tp_event_kind kind, const char *why)
{
	struct tp_event *e = event(t, kind);

	snprintf(e->reason, sizeof(e->reason), "%s", why);
}

/* status_name - "ESME_RTHROTTLED" for the statuses that matter */
static const char *
status_name(uint32_t st)
{
	switch (st) {
	case ESME_RINVMSGLEN: return "ESME_RINVMSGLEN";
	case ESME_RINVCMDLEN: return "ESME_RINVCMDLEN";
	case ESME_RINVCMDID: return "ESME_RINVCMDID";
	case ESME_RINVBNDSTS: return "ESME_RINVBNDSTS";
	case ESME_RSYSERR: return "ESME_RSYSERR";
	case ESME_RINVSRCADR: return "ESME_RINVSRCADR";
	case ESME_RINVDSTADR: return "ESME_RINVDSTADR";
	case ESME_RBINDFAIL: return "ESME_RBINDFAIL";
	case ESME_RINVPASWD: return "ESME_RINVPASWD";
	case ESME_RINVSYSID: return "ESME_RINVSYSID";
	case ESME_RMSGQFUL: return "ESME_RMSGQFUL";
	case ESME_RINVESMCLASS: return "ESME_RINVESMCLASS";
	case ESME_RSUBMITFAIL: return "ESME_RSUBMITFAIL";
	case ESME_RINVSRCTON: return "ESME_RINVSRCTON";
	case ESME_RINVDSTTON: return "ESME_RINVDSTTON";
	case ESME_RTHROTTLED: return "ESME_RTHROTTLED";
	case ESME_RX_T_APPN: return "ESME_RX_T_APPN";
	case ESME_RX_P_APPN: return "ESME_RX_P_APPN";
	default: return NULL;
	}
}

/* transient - a status worth trying again later */
static bool
transient(uint32_t st)
{
	return st == ESME_RTHROTTLED || st == ESME_RMSGQFUL ||
	       st == ESME_RSYSERR || st == ESME_RX_T_APPN;
}

/* queue_bytes - append a packed PDU to a link's output */
static int
queue_bytes(struct link *l, const uint8_t *buf, size_t len)
{
	if (l->out_len + len > l->out_cap) {
		size_t cap = (l->out_cap ? l->out_cap * 2 : 16384);
		uint8_t *n;

		while (cap < l->out_len + len)
			cap *= 2;
		n = realloc(l->out, cap);
		if (!n)
			return -1;
		l->out = n;
		l->out_cap = cap;
	}
	memcpy(l->out + l->out_len, buf, len);
	l->out_len += len;
	return 0;
}

/* queue_pdu - pack a libsmpp34 struct and append it to a link's output */
static int
queue_pdu(struct link *l, void *pdu)
{
	uint8_t buf[2048];
	int len = 0;

	if (smpp34_pack2(buf, sizeof(buf), &len, pdu) != 0)
		return -1;
	return queue_bytes(l, buf, (size_t)len);
}

/*
 * queue_answer - append a response with no body but deliver_sm_resp's
 * empty message_id, packed here: libsmpp34 refuses to pack sequence
 * number 0 and statuses it does not know, and what the SMSC sent must
 * be answered all the same
 */
static int
queue_answer(struct link *l, uint32_t id, uint32_t status, uint32_t seq)
{
	uint8_t buf[17] = {0};
	size_t len = id == DELIVER_SM_RESP ? 17 : 16;
	uint32_t v[4] = {htonl((uint32_t)len), htonl(id), htonl(status),
			 htonl(seq)};

	memcpy(buf, v, sizeof(v));
	return queue_bytes(l, buf, len);
}

static uint32_t
next_seq(struct smpp *t)
{
	t->nreq++;
	if (++t->next_seq > 0x7FFFFFFF)
		t->next_seq = 1;
	return t->next_seq;
}

/* session - the session of link l's current connection */
static void
session(const struct smpp *t, const struct link *l, char out[40])
{
	snprintf(out, 40, "%s.%u", t->run, l->gen << 1 | (unsigned)(l - t->l));
}

/*
 * confirm - the SMSC answered on l a request that was the count'th:
 * it had every answer we wrote on l before that request
 */
static void
confirm(struct smpp *t, struct link *l, uint64_t count)
{
	struct tp_event *e;

	if (!l->pending || count <= l->confirmed)
		return;
	e = event(t, TP_EV_CONFIRMED);
	session(t, l, e->session);
	e->mark = count;
	l->confirmed = count;
	if (count > l->pending)
		l->pending = 0;
}

/* link_name - what a link is bound as, for people */
static const char *
link_name(const struct link *l)
{
	return l->bind_cmd == BIND_TRANSMITTER ? "transmitter"
	       : l->bind_cmd == BIND_RECEIVER  ? "receiver"
					       : "transceiver";
}

/*
 * link_down - close a link; when it carried the submits, every part
 * sent on it waits for the next one
 */
static void
link_down(struct smpp *t, struct link *l, const char *why)
{
	unsigned i;
	double now = now_s();

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->state == BOUND)
		link_event(t, TP_EV_LINK_DOWN, why);
	l->state = DOWN;
	l->in_len = l->out_len = 0;
	l->pending = l->confirmed = 0;
	l->confirm_at = 0;
	if (l == &t->l[0])
		for (i = 0; i < t->nslots; i++)
			if (t->slots[i].state == SENT) {
				t->slots[i].state = WAITING;
				t->slots[i].due = now;
			}
	l->next_connect = now + l->backoff;
	l->backoff = l->backoff * 2 > t->c.reconnect_max ? t->c.reconnect_max
							 : l->backoff * 2;
}

/* start_connect - a non-blocking connect to the SMSC */
static void
start_connect(struct smpp *t, struct link *l)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	char port[8];
	int one = 1;

	snprintf(port, sizeof(port), "%u", t->c.port);
	if (getaddrinfo(t->host, port, &hints, &ai) != 0 || !ai) {
		l->next_connect = now_s() + l->backoff;
		return;
	}
	l->fd = socket(ai->ai_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd >= 0) {
		setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(l->fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			l->state = CONNECTING;
		else
			link_down(t, l, strerror(errno));
	}
	freeaddrinfo(ai);
	l->last_io = now_s();
}

/* send_bind - bind_transceiver, _transmitter or _receiver */
static void
send_bind(struct smpp *t, struct link *l)
{
	bind_transceiver_t b; /* the three binds have the same fields */

	memset(&b, 0, sizeof(b));
	b.command_id = l->bind_cmd;
	b.sequence_number = l->bind_seq = next_seq(t);
	snprintf((char *)b.system_id, sizeof(b.system_id), "%s", t->system_id);
	snprintf((char *)b.password, sizeof(b.password), "%s", t->password);
	snprintf((char *)b.system_type, sizeof(b.system_type), "%s",
		 t->system_type);
	b.interface_version = SMPP_VERSION;
	if (queue_pdu(l, &b) != 0) {
		link_down(t, l, "cannot pack the bind");
		return;
	}
	l->state = BINDING;
	l->last_io = now_s();
}

/* sender_ton_npi - TON/NPI of a sender: alphanumeric 5/0, E.164 1/1 */
static void
sender_ton_npi(const struct smpp *t, const char *src, uint8_t *ton,
	       uint8_t *npi)
{
	bool digits =
	    *src == '+' || (*src && strspn(src, "0123456789") == strlen(src));

	if (t->c.source_ton >= 0) {
		*ton = (uint8_t)t->c.source_ton;
		*npi = (uint8_t)(t->c.source_npi >= 0 ? t->c.source_npi : 1);
	} else if (!digits) {
		*ton = 5, *npi = 0;
	} else if (*src == '+' || strlen(src) > 8) {
		*ton = 1, *npi = 1;
	} else {
		*ton = 3, *npi = 0; /* a short code */
	}
}

/* add_tlv - append a TLV to the list */
static void
add_tlv(tlv_t **list, uint16_t tag, uint16_t len, const void *val)
{
	tlv_t tlv;

	memset(&tlv, 0, sizeof(tlv));
	tlv.tag = tag;
	tlv.length = len;
	if (len == 1)
		tlv.value.val08 = *(const uint8_t *)val;
	else if (len == 2 && tag != TLVID_message_payload)
		tlv.value.val16 = *(const uint16_t *)val;
	else
		memcpy(tlv.value.octet, val, len);
	build_tlv(list, &tlv);
}

/* send_submit - the submit_sm of one slot */
static int
send_submit(struct smpp *t, struct slot *s)
{
	submit_sm_t m;
	const struct tp_part *p = &s->p;
	size_t off = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	m.command_id = SUBMIT_SM;
	m.sequence_number = s->seq = next_seq(t);
	s->count = t->nreq;
	sender_ton_npi(t, p->src, &m.source_addr_ton, &m.source_addr_npi);
	snprintf((char *)m.source_addr, sizeof(m.source_addr), "%s",
		 p->src[0] == '+' ? p->src + 1 : p->src);
	m.dest_addr_ton = (uint8_t)t->c.dest_ton;
	m.dest_addr_npi = (uint8_t)t->c.dest_npi;
	snprintf((char *)m.destination_addr, sizeof(m.destination_addr), "%s",
		 p->dst[0] == '+' ? p->dst + 1 : p->dst);
	m.registered_delivery = p->receipt ? 1 : 0;
	m.data_coding = (uint8_t)p->data_coding;
	if (t->c.concat == TP_CONCAT_PAYLOAD || p->len > 254) {
		add_tlv(&m.tlv, TLVID_message_payload, (uint16_t)p->len,
			p->data);
	} else {
		if (p->total > 1 && t->c.concat == TP_CONCAT_UDH) {
			/* 8-bit reference concatenation element */
			m.esm_class = 0x40;
			m.short_message[0] = 5;
			m.short_message[1] = 0;
			m.short_message[2] = 3;
			m.short_message[3] = (uint8_t)(p->ref & 0xFF);
			m.short_message[4] = (uint8_t)p->total;
			m.short_message[5] = (uint8_t)p->seq;
			off = 6;
		} else if (p->total > 1) {
			uint16_t ref = (uint16_t)p->ref;
			uint8_t total = (uint8_t)p->total,
				seq = (uint8_t)p->seq;

			add_tlv(&m.tlv, TLVID_sar_msg_ref_num, 2, &ref);
			add_tlv(&m.tlv, TLVID_sar_total_segments, 1, &total);
			add_tlv(&m.tlv, TLVID_sar_segment_seqnum, 1, &seq);
		}
		memcpy(m.short_message + off, p->data, p->len);
		m.sm_length = (uint8_t)(off + p->len);
	}
	rc = queue_pdu(&t->l[0], &m);
	destroy_tlv(m.tlv);
	s->state = SENT;
	s->tries++;
	s->sent_at = now_s();
	s->due = s->sent_at + t->c.response_timeout;
	return rc;
}

/* slot_of - the sent slot awaiting seq, or NULL */
static struct slot *
slot_of(struct smpp *t, uint32_t seq)
{
	unsigned i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].state == SENT && t->slots[i].seq == seq)
			return &t->slots[i];
	return NULL;
}

/* on_submit_resp - the outcome of one part */
static void
on_submit_resp(struct smpp *t, const uint8_t *pdu, size_t len)
{
	submit_sm_resp_t r;
	struct slot *s;
	struct tp_event *e;
	const char *name;

	memset(&r, 0, sizeof(r));
	if (smpp34_unpack2(&r, pdu, (int)len) != 0) {
		link_event(t, TP_EV_NOTE, "unreadable submit_sm_resp ignored");
		return;
	}
	s = slot_of(t, r.sequence_number);
	if (!s)
		return; /* an answer to a part already given up */
	if (r.command_status == ESME_ROK) {
		e = event(t, TP_EV_SUBMITTED);
		e->msg_id = s->p.msg_id;
		e->seq = s->p.seq;
		snprintf(e->smsc_id, sizeof(e->smsc_id), "%s",
			 (const char *)r.message_id);
		s->state = FREE;
		return;
	}
	name = status_name(r.command_status);
	if (transient(r.command_status) && s->tries < MAX_TRIES) {
		double wait = 0.5 * (1u << (s->tries - 1));

		s->state = WAITING;
		s->due = now_s() + (wait > 30 ? 30 : wait);
		return;
	}
	e = event(t,
		  transient(r.command_status) ? TP_EV_RETRY : TP_EV_REJECTED);
	e->msg_id = s->p.msg_id;
	e->seq = s->p.seq;
	if (name)
		snprintf(e->code, sizeof(e->code), "%s", name);
	else
		snprintf(e->code, sizeof(e->code), "0x%08X",
			 (unsigned)r.command_status);
	snprintf(e->reason, sizeof(e->reason),
		 "the SMSC answered %s to the submit_sm", e->code);
	s->state = FREE;
}

/* receipt_field - the value after "key:" in a receipt text, or "" */
static void
receipt_field(const char *text, const char *key, char *out, size_t size)
{
	const char *p = text;
	size_t klen = strlen(key), n = 0;

	out[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == ' ') && p[klen] == ':') {
			p += klen + 1;
			while (p[n] && p[n] != ' ' && n + 1 < size) {
				out[n] = p[n];
				n++;
			}
			out[n] = '\0';
			return;
		}
		p += klen;
	}
}

/* on_deliver - a receipt or a text from a phone; always answered */
static void
on_deliver(struct smpp *t, struct link *l, const uint8_t *pdu, size_t len)
{
	deliver_sm_t d;
	struct tp_event *e;
	tlv_t *tlv;
	char text[256];

	memset(&d, 0, sizeof(d));
	if (unpack_deliver(&d, pdu, len) != 0) {
		/*
		 * for good: the same bytes will never read better, and a
		 * temporary error has the SMSC send them again forever
		 */
		queue_answer(l, DELIVER_SM_RESP, ESME_RX_P_APPN,
			     get32(pdu + 12));
		link_event(t, TP_EV_NOTE,
			   "unreadable deliver_sm (a malformed field) answered "
			   "with ESME_RX_P_APPN, a permanent error");
		destroy_tlv(d.tlv);
		return;
	}
	if (d.esm_class & 0x0C) {
		e = event(t, TP_EV_RECEIPT);
		memcpy(text, d.short_message, d.sm_length);
		text[d.sm_length] = '\0';
		smpp34_tlv_for_each(tlv, d.tlv) if (tlv->tag ==
						    TLVID_receipted_message_id)
		    snprintf(e->smsc_id, sizeof(e->smsc_id), "%.*s",
			     (int)tlv->length, (const char *)tlv->value.octet);
		if (!e->smsc_id[0])
			receipt_field(text, "id", e->smsc_id,
				      sizeof(e->smsc_id));
		receipt_field(text, "stat", e->code, sizeof(e->code));
		receipt_field(text, "err", e->err, sizeof(e->err));
		snprintf(e->reason, sizeof(e->reason), "%.*s",
			 (int)sizeof(e->reason) - 1, text);
	} else {
		e = event(t, TP_EV_MO);
		session(t, l, e->session);
		snprintf(e->from, sizeof(e->from), "%s",
			 (const char *)d.source_addr);
		snprintf(e->to, sizeof(e->to), "%s",
			 (const char *)d.destination_addr);
		e->data_coding = d.data_coding;
		e->esm_class = d.esm_class;
		memcpy(e->ud, d.short_message, d.sm_length);
		e->ud_len = d.sm_length;
		smpp34_tlv_for_each(
		    tlv, d.tlv) if (tlv->tag == TLVID_message_payload &&
				    tlv->length <= sizeof(e->ud))
		{
			memcpy(e->ud, tlv->value.octet, tlv->length);
			e->ud_len = tlv->length;
		}
	}
	e->ack_seq = d.sequence_number;
	e->ack_link = l->gen << 1 | (unsigned)(l - t->l);
	destroy_tlv(d.tlv);
}

/* generic_nack - answer a PDU we cannot take */
static void
generic_nack(struct link *l, uint32_t seq, uint32_t status)
{
	queue_answer(l, GENERIC_NACK, status, seq);
}

/*
 * on_pdu - one whole PDU from the SMSC. libsmpp34 reads a C-Octet
 * String with strlen() before it checks the length left, so the PDU
 * is read from a copy with a NUL after it, never past its end.
 */
static void
on_pdu(struct smpp *t, struct link *l, const uint8_t *in, size_t len)
{
	const uint8_t *pdu = t->pdu;
	uint32_t id = get32(in + 4);
	uint32_t status = get32(in + 8);
	uint32_t seq = get32(in + 12);
	char why[160];

	memcpy(t->pdu, in, len);
	t->pdu[len] = '\0';
	l->last_io = now_s();
	switch (id) {
	case BIND_TRANSCEIVER_RESP:
	case BIND_TRANSMITTER_RESP:
	case BIND_RECEIVER_RESP:
		/* only the answer to this connection's bind, once */
		if (l->state != BINDING || seq != l->bind_seq ||
		    id != (l->bind_cmd | 0x80000000))
			break;
		if (status != ESME_ROK) {
			snprintf(why, sizeof(why), "bind as a %s refused: %s",
				 link_name(l),
				 status_name(status) ? status_name(status)
						     : "error");
			link_down(t, l, why);
			link_event(t, TP_EV_LINK_DOWN, why);
			return;
		}
		l->state = BOUND;
		l->gen++;
		l->backoff = 1;
		l->enquire_due = now_s() + t->c.enquire_link;
		snprintf(why, sizeof(why), "bound as a %s", link_name(l));
		link_event(t, TP_EV_LINK_UP, why);
		break;
	case SUBMIT_SM_RESP: {
		struct slot *s = slot_of(t, seq);
		uint64_t count = s ? s->count : 0;

		on_submit_resp(t, pdu, len);
		confirm(t, l, count);
		break;
	}
	case DELIVER_SM: on_deliver(t, l, pdu, len); break;
	case ENQUIRE_LINK:
		queue_answer(l, ENQUIRE_LINK_RESP, ESME_ROK, seq);
		break;
	case ENQUIRE_LINK_RESP:
		if (seq == l->enquire_seq) {
			l->enquire_seq = 0;
			confirm(t, l, l->enquire_count);
		}
		break;
	case UNBIND: {
		queue_answer(l, UNBIND_RESP, ESME_ROK, seq);
		(void)!write(l->fd, l->out, l->out_len);
		link_down(t, l, "the SMSC unbound");
		return;
	}
	case GENERIC_NACK: {
		struct slot *s = slot_of(t, seq);

		if (s) { /* our submit_sm was not understood: give it up */
			struct tp_event *e = event(t, TP_EV_REJECTED);

			confirm(t, l, s->count);
			e->msg_id = s->p.msg_id;
			e->seq = s->p.seq;
			snprintf(e->code, sizeof(e->code), "generic_nack");
			snprintf(e->reason, sizeof(e->reason),
				 "the SMSC could not read the submit_sm "
				 "(generic_nack 0x%08X)",
				 (unsigned)status);
			s->state = FREE;
		}
		break;
	}
	default:
		if (!(id & 0x80000000))
			generic_nack(l, seq, ESME_RINVCMDID);
		snprintf(why, sizeof(why),
			 "unexpected PDU 0x%08X from the SMSC, answered with "
			 "generic_nack",
			 (unsigned)id);
		link_event(t, TP_EV_NOTE, why);
	}
}

/* read_pdus - read what came on a link and handle every whole PDU */
static void
read_pdus(struct smpp *t, struct link *l)
{
	ssize_t got;
	size_t off = 0;

	got = read(l->fd, l->in + l->in_len, sizeof(l->in) - l->in_len);
	if (got == 0) {
		link_down(t, l, "the SMSC closed the link");
		return;
	}
	if (got < 0) {
		if (errno != EAGAIN && errno != EINTR)
			link_down(t, l, strerror(errno));
		return;
	}
	l->in_len += (size_t)got;
	while (l->in_len - off >= 16) {
		uint32_t len = get32(l->in + off);

		if (len < 16 || len > PDU_MAX) {
			char why[96];

			snprintf(why, sizeof(why),
				 "a PDU length of %u from the SMSC: not SMPP",
				 (unsigned)len);
			link_down(t, l, why);
			return;
		}
		if (l->in_len - off < len)
			break;
		on_pdu(t, l, l->in + off, len);
		if (l->fd < 0)
			return;
		off += len;
	}
	memmove(l->in, l->in + off, l->in_len - off);
	l->in_len -= off;
}

/* flush - write what is queued on a link */
static void
flush(struct smpp *t, struct link *l)
{
	ssize_t n;

	while (l->out_len > 0) {
		n = write(l->fd, l->out, l->out_len);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				link_down(t, l, strerror(errno));
			return;
		}
		memmove(l->out, l->out + n, l->out_len - (size_t)n);
		l->out_len -= (size_t)n;
	}
}

/*
 * suspect_out - whether s must wait: a suspect is out alone, or s is
 * not the suspect to send next
 */
static bool
suspect_out(const struct smpp *t, const struct slot *s)
{
	unsigned i;

	for (i = 0; i < t->nslots; i++) {
		const struct slot *o = &t->slots[i];

		if (o->state == FREE || !o->suspect)
			continue;
		if (o->state == SENT || o != s)
			return true;
		return false; /* s is the first suspect waiting */
	}
	return false;
}

/*
 * probe - after a suspect part sent alone, an enquire_link: an answer
 * to it shows the SMSC alive while the part goes unanswered
 */
static void
probe(struct smpp *t, struct link *l)
{
	enquire_link_t q;

	if (l->enquire_seq)
		return;
	memset(&q, 0, sizeof(q));
	q.command_id = ENQUIRE_LINK;
	q.sequence_number = l->enquire_seq = next_seq(t);
	l->enquire_count = t->nreq; /* its answer confirms what came before */
	queue_pdu(l, &q);
	l->enquire_due = now_s() + t->c.enquire_link;
}

/* send_due - the waiting parts whose time has come, within the cap */
static void
send_due(struct smpp *t, double now)
{
	unsigned i;

	if (t->c.throughput) {
		t->tokens += (now - t->token_time) * t->c.throughput;
		if (t->tokens > t->c.throughput)
			t->tokens = t->c.throughput;
		t->token_time = now;
	}
	for (i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];

		if (s->state != WAITING || s->due > now)
			continue;
		if (suspect_out(t, s))
			continue;
		if (t->c.throughput) {
			if (t->tokens < 1)
				return;
			t->tokens -= 1;
		}
		if (send_submit(t, s) != 0) {
			struct tp_event *e = event(t, TP_EV_REJECTED);

			e->msg_id = s->p.msg_id;
			e->seq = s->p.seq;
			snprintf(e->code, sizeof(e->code), "pack");
			snprintf(e->reason, sizeof(e->reason),
				 "the part cannot be made into a submit_sm");
			s->state = FREE;
		} else if (s->suspect) {
			probe(t, &t->l[0]);
			return; /* alone */
		}
	}
}

/*
 * overdue - a sent part's answer did not come in time: blame the
 * oldest unanswered part, give it up when it has poisoned the link
 * PoisonResets times, and reset the link
 */
static void
overdue(struct smpp *t, struct link *l)
{
	struct slot *s = NULL;
	struct tp_event *e;
	unsigned i;

	for (i = 0; i < t->nslots; i++) {
		struct slot *o = &t->slots[i];

		if (o->state == SENT && (!s || (int32_t)(o->seq - s->seq) < 0))
			s = o;
	}
	if (s && t->c.poison_resets) {
		s->suspect = true;
		if (l->last_io > s->sent_at)
			s->resets++;
		if (s->resets >= t->c.poison_resets) {
			e = event(t, TP_EV_REJECTED);
			e->msg_id = s->p.msg_id;
			e->seq = s->p.seq;
			snprintf(e->code, sizeof(e->code), "NO_ANSWER");
			snprintf(e->reason, sizeof(e->reason),
				 "the SMSC never answered its submit_sm, "
				 "while it answered others, %u times: given "
				 "up (SmppPoisonResets)",
				 s->resets);
			s->state = FREE;
			s->suspect = false;
			/* a session stuck on it is not trusted: a new one */
			link_down(t, l, "a part given up (PoisonResets)");
			return;
		}
	}
	link_down(t, l, "no submit_sm_resp in time");
}

/* link_timers - reconnect, keep alive, answers that never came */
static void
link_timers(struct smpp *t, struct link *l, double now)
{
	unsigned i;

	if (l->state == DOWN && now >= l->next_connect) {
		start_connect(t, l);
		return;
	}
	if ((l->state == CONNECTING || l->state == BINDING) &&
	    now - l->last_io > t->c.response_timeout) {
		link_down(t, l, "no answer to connect or bind");
		return;
	}
	if (l->state != BOUND)
		return;
	for (i = 0; l == &t->l[0] && i < t->nslots; i++)
		if (t->slots[i].state == SENT && t->slots[i].due < now) {
			overdue(t, l);
			return;
		}
	if (l->enquire_seq && now > l->enquire_due + t->c.response_timeout) {
		link_down(t, l, "no enquire_link_resp");
		return;
	}
	/* soon after an answer to a text: a request that confirms it */
	if (!l->enquire_seq &&
	    (now >= l->enquire_due ||
	     (l->pending && l->confirm_at && now >= l->confirm_at))) {
		enquire_link_t q;

		memset(&q, 0, sizeof(q));
		q.command_id = ENQUIRE_LINK;
		q.sequence_number = l->enquire_seq = next_seq(t);
		l->enquire_count = t->nreq;
		l->confirm_at = 0;
		queue_pdu(l, &q);
		l->enquire_due = now + t->c.enquire_link;
	}
}

static const struct tp_ops smpp_ops;

/* tp_smpp_open - a transport that connects on the first poll */
struct transport *
tp_smpp_open(const struct tp_smpp_conf *c, struct tp_error *err)
{
	struct smpp *t;

	if (!c->host || !*c->host || !c->port || !c->window ||
	    strlen(c->system_id ? c->system_id : "") > 15 ||
	    strlen(c->password ? c->password : "") > 8 ||
	    strlen(c->system_type ? c->system_type : "") > 12) {
		fail(err, TP_EPERM,
		     "SMPP: host, port and window are needed; system_id is "
		     "at most 15 characters, password 8, system_type 12");
		return NULL;
	}
	heap_init();
	t = calloc(1, sizeof(*t));
	if (!t || !(t->slots = calloc(c->window, sizeof(*t->slots))) ||
	    !(t->ev = calloc(EVENTS_MAX, sizeof(*t->ev)))) {
		if (t)
			free(t->slots);
		free(t);
		fail(err, TP_ENOMEM, "out of memory");
		return NULL;
	}
	t->c = *c;
	if (!t->c.response_timeout)
		t->c.response_timeout = 30;
	if (!t->c.enquire_link)
		t->c.enquire_link = 30;
	if (!t->c.reconnect_max)
		t->c.reconnect_max = 30;
	snprintf(t->host, sizeof(t->host), "%s", c->host);
	snprintf(t->system_id, sizeof(t->system_id), "%s",
		 c->system_id ? c->system_id : "");
	snprintf(t->password, sizeof(t->password), "%s",
		 c->password ? c->password : "");
	snprintf(t->system_type, sizeof(t->system_type), "%s",
		 c->system_type ? c->system_type : "");
	t->nslots = c->window;
	t->watch_fd = -1;
	t->nlinks = c->split_bind ? 2 : 1;
	t->l[0].bind_cmd = c->split_bind ? BIND_TRANSMITTER : BIND_TRANSCEIVER;
	t->l[1].bind_cmd = BIND_RECEIVER;
	for (unsigned k = 0; k < 2; k++) {
		t->l[k].fd = -1;
		t->l[k].backoff = 1;
	}
	t->token_time = now_s();
	t->tokens = c->throughput;
	{
		uint64_t r = 0;

		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			r = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() ^
			    (uint64_t)(uintptr_t)t;
		snprintf(t->run, sizeof(t->run), "%016llx",
			 (unsigned long long)r);
	}
	t->tp.ops = &smpp_ops;
	return &t->tp;
}

/* smpp_room - free slots while bound */
static unsigned
smpp_room(const struct transport *tp)
{
	const struct smpp *t = (const struct smpp *)tp;
	unsigned i, n = 0;

	if (t->l[0].state != BOUND)
		return 0;
	for (i = 0; i < t->nslots; i++)
		n += t->slots[i].state == FREE;
	return n;
}

/* smpp_inflight - parts not yet answered */
static unsigned
smpp_inflight(const struct transport *tp)
{
	const struct smpp *t = (const struct smpp *)tp;
	unsigned i, n = 0;

	for (i = 0; i < t->nslots; i++)
		n += t->slots[i].state != FREE;
	return n;
}

/* smpp_submit - take a part into a free slot */
static int
smpp_submit(struct transport *tp, const struct tp_part *p, struct tp_error *err)
{
	struct smpp *t = (struct smpp *)tp;
	size_t sl = strlen(p->src) + 1, dl = strlen(p->dst) + 1;
	struct slot *s = NULL;
	unsigned i;

	if (sl > 22 || dl > 22 || p->len > TP_PAYLOAD_MAX ||
	    (p->len > 254 - 6 && t->c.concat != TP_CONCAT_PAYLOAD) ||
	    p->seq < 1 || p->seq > p->total || p->total > 255)
		return fail(err, TP_EPERM,
			    "the part does not fit a submit_sm (addresses "
			    "up to 21 characters, 248 octets of text)");
	if (t->l[0].state != BOUND)
		return fail(err, TP_EBUSY, "the SMPP link is not bound");
	for (i = 0; i < t->nslots && !s; i++)
		if (t->slots[i].state == FREE)
			s = &t->slots[i];
	if (!s)
		return fail(err, TP_EBUSY, "the window is full");
	s->p = *p;
	memcpy(s->buf, p->src, sl);
	memcpy(s->buf + sl, p->dst, dl);
	memcpy(s->buf + sl + dl, p->data, p->len);
	s->p.src = (const char *)s->buf;
	s->p.dst = (const char *)s->buf + sl;
	s->p.data = s->buf + sl + dl;
	s->tries = 0;
	s->state = WAITING;
	s->due = 0;
	s->suspect = false;
	s->resets = 0;
	return TP_OK;
}

/* smpp_flush - write what is queued on each link */
static void
smpp_flush(struct transport *tp)
{
	struct smpp *t = (struct smpp *)tp;
	unsigned k;

	for (k = 0; k < t->nlinks; k++)
		if (t->l[k].fd >= 0 && t->l[k].out_len &&
		    t->l[k].state != CONNECTING)
			flush(t, &t->l[k]);
}

/* smpp_poll - I/O, timers, then the events */
static int
smpp_poll(struct transport *tp, int timeout_ms, struct tp_event *ev,
	  unsigned max, unsigned *n_r)
{
	struct smpp *t = (struct smpp *)tp;
	struct pollfd pfd[3];
	struct link *at[3];
	double now = now_s();
	unsigned n = 0, k;
	int np = 0, ms = timeout_ms, i;

	for (k = 0; k < t->nlinks; k++)
		link_timers(t, &t->l[k], now);
	if (t->l[0].state == BOUND)
		send_due(t, now);
	/* what was queued since (answers, submits): one write a link */
	smpp_flush(tp);
	if (t->ev_n == 0) {
		for (k = 0; k < t->nlinks; k++) {
			struct link *l = &t->l[k];
			double wait = l->next_connect - now;

			if (l->fd < 0) {
				if (wait < ms / 1000.0)
					ms = wait > 0 ? (int)(wait * 1000) : 0;
				continue;
			}
			pfd[np].fd = l->fd;
			pfd[np].events = POLLIN;
			if (l->out_len || l->state == CONNECTING)
				pfd[np].events |= POLLOUT;
			at[np++] = l;
		}
		if (t->watch_fd >= 0) {
			pfd[np].fd = t->watch_fd;
			pfd[np].events = POLLIN;
			at[np++] = NULL;
		}
		if (poll(pfd, (nfds_t)np, ms) > 0)
			for (i = 0; i < np; i++) {
				struct link *l = at[i];

				if (!l || l->fd < 0)
					continue;
				if (l->state == CONNECTING &&
				    (pfd[i].revents &
				     (POLLOUT | POLLERR | POLLHUP))) {
					int e = 0;
					socklen_t el = sizeof(e);

					getsockopt(l->fd, SOL_SOCKET, SO_ERROR,
						   &e, &el);
					if (e)
						link_down(t, l, strerror(e));
					else
						send_bind(t, l);
				} else if (pfd[i].revents &
					   (POLLIN | POLLHUP | POLLERR)) {
					read_pdus(t, l);
				}
			}
	}
	for (k = 0; k < t->nlinks; k++)
		if (t->l[k].fd >= 0 && t->l[k].out_len)
			flush(t, &t->l[k]);
	while (n < max && t->ev_n > 0) {
		ev[n++] = t->ev[t->ev_head];
		t->ev_head = (t->ev_head + 1) % EVENTS_MAX;
		t->ev_n--;
	}
	*n_r = n;
	return TP_OK;
}

/* smpp_ack - answer a deliver_sm once its event is recorded */
static void
smpp_ack(struct transport *tp, const struct tp_event *e, enum tp_answer a)
{
	struct smpp *t = (struct smpp *)tp;
	struct link *l = &t->l[e->ack_link & 1];

	if (l->state != BOUND || e->ack_link >> 1 != l->gen)
		return; /* that link is gone: the SMSC sends it again */
	queue_answer(l, DELIVER_SM_RESP,
		     a == TP_DONE    ? ESME_ROK
		     : a == TP_NEVER ? ESME_RX_P_APPN
				     : ESME_RX_T_APPN,
		     e->ack_seq);
	if (e->kind == TP_EV_MO && a == TP_DONE) {
		l->pending = t->nreq; /* until a later request is answered */
		if (!l->confirm_at)
			l->confirm_at = now_s() + CONFIRM_SOON;
	}
	/* written with the batch's other answers at smpp_flush */
}

/* smpp_mark - how many requests went out */
static uint64_t
smpp_mark(const struct transport *tp)
{
	return ((const struct smpp *)tp)->nreq;
}

/* smpp_watch - another fd that ends a poll */
static void
smpp_watch(struct transport *tp, int fd)
{
	((struct smpp *)tp)->watch_fd = fd;
}

/* smpp_close - unbind politely, close, free */
static void
smpp_close(struct transport *tp)
{
	struct smpp *t = (struct smpp *)tp;
	unsigned k;

	for (k = 0; k < t->nlinks; k++) {
		struct link *l = &t->l[k];

		if (l->state == BOUND) {
			unbind_t u;

			memset(&u, 0, sizeof(u));
			u.command_id = UNBIND;
			u.sequence_number = next_seq(t);
			queue_pdu(l, &u);
			flush(t, l);
		}
		if (l->fd >= 0)
			close(l->fd);
		free(l->out);
	}
	free(t->slots);
	free(t->ev);
	free(t);
}

/* smpp_adopt - a connected socket as a link's connection, for tests */
void
smpp_adopt(struct transport *tp, unsigned k, int fd)
{
	struct smpp *t = (struct smpp *)tp;
	struct link *l = &t->l[k & 1];

	if (l->fd >= 0)
		close(l->fd);
	l->fd = fd;
	l->state = CONNECTING;
	l->in_len = l->out_len = 0;
	l->last_io = now_s();
}

static const struct tp_ops smpp_ops = {
    .name = "smpp",
    .whole_texts = false,
    .submit = smpp_submit,
    .room = smpp_room,
    .inflight = smpp_inflight,
    .poll = smpp_poll,
    .ack = smpp_ack,
    .watch = smpp_watch,
    .mark = smpp_mark,
    .flush = smpp_flush,
    .close = smpp_close,
};
