// smsc.js - the SMSC the tests talk to: the npm smpp package in server mode
//
// Usage: node smsc.js --port PORT --log FILE [--system-id ID --password PW]
//
// Accepts binds (transceiver, transmitter, receiver), acks submit_sm with
// message ids, sends delivery receipts (deliver_sm, esm_class 0x04, with
// receipted_message_id and the "id:... stat:..." text) when
// registered_delivery asks (keeping them for the next bind when the link
// is gone), answers enquire_link. Every PDU it receives
// is logged raw, one JSON line per PDU in FILE: {"cmd", "seq", "hex"} and
// for submit_sm the fields the tests look at. It prints "listening PORT"
// on stdout once ready.
//
// Behaviour is changed by JSON lines on stdin (one object per line):
//   {"throttle": N}          answer the next N submit_sm ESME_RTHROTTLED
//   {"error": STATUS, "count": N}   answer the next N with STATUS
//   {"delay_ms": MS}          answer every submit_sm after MS
//   {"withhold": N}           never answer the next N submit_sm
//   {"withhold_dst": "1202...", "stall": true|false}   never answer a
//                             submit_sm to that destination_addr ("" or
//                             null: stop); with stall, answer nothing
//                             else on that session after it either (an
//                             SMSC that answers in order)
//   {"drop_after": N}         close the link after N more submit_sm
//   {"receipt": "DELIVRD"|"UNDELIV"|..., "err": "000"} receipts to send
//   {"receipt": "NONE"}       send no receipts (a carrier that never does)
//   {"next_id": N}            the next message id is N (ids used again,
//                             as after an SMSC restart)
//   {"receipt_delay_ms": MS}
//   {"malformed": true}       send a PDU that is not SMPP to every session
//   {"mo": {"from": "...", "to": "...", "text": "...", "coding": 0|8}}
//                            to every session; with "session": K, to
//                            the K-th receiving one only (bind order)
//   {"mo": {"from": "...", "to": "...", "hex": "...", "coding": N,
//           "esm_class": N}}  raw user data (a UDH with esm_class 0x40)
//   {"refuse_bind": true}     answer binds with ESME_RBINDFAIL
//   {"lost_resp": [MO, ...], "resend": [I, ...]}  send the texts (each MO
//           as in "mo") on the receiving link, and close it as soon as
//           every deliver_sm_resp came, before answering anything else,
//           as if the answers were lost; on the next bind send again
//           the ones listed in resend (indexes; default all), as real
//           SMSCs do with a deliver_sm they saw no answer to
//   {"mo_flood": {"count": N, "from": "1202555", "to": "...",
//                 "text": "...", "window": W}}
//                            N texts from phones as fast as the ESME
//                            takes them: deliver_sm to one receiving
//                            session, at most W (default 10) unanswered
//                            at a time; text "TEXT K" (K from 1), sent
//                            from FROM and four digits (K mod 1000); an
//                            answer with an error status is counted and
//                            that text sent again after 100 ms. Logs
//                            {"cmd":"mo_flood_start","t"} before the
//                            first and {"cmd":"mo_flood_done","t",
//                            "count","retried","resent"} after the last
//                            answer. When its link drops, the texts it
//                            had no answer to are sent again on the
//                            next receiving bind ("resent"), and the
//                            flood goes on there.
'use strict';
const smpp = require('smpp');
const fs = require('fs');
const readline = require('readline');

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const port = parseInt(args.port || '0', 10);
const logFile = args.log || '/dev/null';
const state = {
	throttle: 0, error: 0, errorCount: 0, delay: 0, withhold: 0,
	dropAfter: -1, receipt: 'DELIVRD', receiptErr: '000', receiptDelay: 20,
	refuseBind: false, nextId: 1, withholdDst: null, stall: false,
};
const sessions = new Set();
const pendingReceipts = [];
const pendingMo = []; // texts to send again at the next bind

function moPdu(m) {
	return { source_addr: m.from, destination_addr: m.to,
		esm_class: m.esm_class || 0, data_coding: m.coding || 0,
		short_message: m.hex !== undefined ? Buffer.from(m.hex, 'hex') : m.text };
}

// lostResp - send texts, drop the link once all are answered, keep
// the ones to resend for the next bind
function lostResp(list, resend) {
	const s = [...sessions].find((x) => !x.closed && x.kind &&
		x.kind !== 'bind_transmitter');
	if (!s)
		return;
	const again = (resend || list.map((_, i) => i)).map((i) => list[i]);
	let left = list.length;
	for (const m of list)
		s.deliver_sm(moPdu(m), () => {
			if (--left > 0)
				return;
			log({ cmd: 'dropped_after_resp', resend: again.length });
			pendingMo.push(...again);
			s.closed = true;
			s.socket.destroy();
		});
}

// Keep every PDU's bytes: the package hands out parsed fields only.
smpp.PDU.fromStream = function (stream, commandLength) {
	const rest = stream.read(commandLength - 4);
	if (!rest)
		return false;
	const head = Buffer.alloc(4);
	head.writeUInt32BE(commandLength, 0);
	const raw = Buffer.concat([head, rest]);
	const pdu = new smpp.PDU(raw);
	pdu.raw = raw;
	return pdu;
};

function log(obj) {
	fs.appendFileSync(logFile, JSON.stringify(obj) + '\n');
}

function shortMessageBytes(pdu) {
	// the raw short_message: after the fixed fields of submit_sm
	const raw = pdu.raw;
	let p = 16;
	const cstr = () => { const s = p; while (raw[p] !== 0) p++; p++; return raw.slice(s, p - 1).toString('latin1'); };
	cstr(); // service_type
	p += 2; const src = cstr();
	p += 2; const dst = cstr();
	const esm = raw[p++]; p += 2; // protocol_id, priority
	cstr(); cstr(); // schedule, validity
	const regd = raw[p++]; p += 1; const dc = raw[p++]; p += 1;
	const len = raw[p++];
	const sm = raw.slice(p, p + len);
	p += len;
	const tlvs = {};
	while (p + 4 <= raw.length) {
		const tag = raw.readUInt16BE(p), l = raw.readUInt16BE(p + 2);
		tlvs[tag.toString(16)] = raw.slice(p + 4, p + 4 + l).toString('hex');
		p += 4 + l;
	}
	return { src, dst, esm_class: esm, registered_delivery: regd,
		data_coding: dc, sm: sm.toString('hex'), tlvs };
}

// sendReceipt - as real SMSCs do, a receipt the ESME did not answer
// with deliver_sm_resp (the link is gone, or was lost with it) is kept
// for the next bind
function sendReceipt(session, dlr) {
	// a transmitter gets no deliver_sm: a receiver bind does
	if (session.closed || session.kind === 'bind_transmitter') {
		session = [...sessions].find((s) => !s.closed && s.kind &&
			s.kind !== 'bind_transmitter');
		if (!session) {
			pendingReceipts.push(dlr);
			return;
		}
	}
	const key = {};
	session.unacked.set(key, dlr);
	session.deliver_sm(dlr, (resp) => {
		session.unacked.delete(key);
		// "try later" (e.g. ESME_RX_T_APPN): again in half a second
		if (resp.command_status !== 0)
			setTimeout(() => sendReceipt(session, dlr), 500);
	});
}

function receipt(session, pdu, id) {
	const now = new Date();
	const d = (n) => String(n).padStart(2, '0');
	const stamp = d(now.getUTCFullYear() % 100) + d(now.getUTCMonth() + 1) +
		d(now.getUTCDate()) + d(now.getUTCHours()) + d(now.getUTCMinutes());
	const text = `id:${id} sub:001 dlvrd:${state.receipt === 'DELIVRD' ? '001' : '000'} ` +
		`submit date:${stamp} done date:${stamp} stat:${state.receipt} err:${state.receiptErr} text:`;
	const dlr = {
		source_addr: pdu.destination_addr, destination_addr: pdu.source_addr,
		esm_class: 0x04, short_message: text, receipted_message_id: id,
		message_state: state.receipt === 'DELIVRD' ? 2 : 5,
	};
	setTimeout(() => sendReceipt(session, dlr), state.receiptDelay);
}

function onSubmit(session, pdu) {
	const f = shortMessageBytes(pdu);
	log({ cmd: 'submit_sm', seq: pdu.sequence_number, t: Date.now(), hex: pdu.raw.toString('hex'), ...f });
	if (state.dropAfter === 0) {
		state.dropAfter = -1;
		session.closed = true;
		session.socket.destroy();
		return;
	}
	if (state.dropAfter > 0)
		state.dropAfter--;
	if (state.withhold > 0) {
		state.withhold--;
		return;
	}
	if (state.withholdDst && f.dst === state.withholdDst) {
		if (state.stall)
			session.stalled = true;
		return;
	}
	if (session.stalled)
		return;
	let status = 0;
	if (state.throttle > 0) {
		state.throttle--;
		status = smpp.ESME_RTHROTTLED;
	} else if (state.errorCount > 0) {
		state.errorCount--;
		status = state.error;
	}
	const id = status ? '' : (state.nextId++).toString(16).padStart(8, '0');
	const answer = () => {
		if (session.closed)
			return;
		session.send(pdu.response({ command_status: status, message_id: id }));
		if (!status && (pdu.registered_delivery & 1) &&
		    state.receipt !== 'NONE')
			receipt(session, pdu, id);
	};
	if (state.delay)
		setTimeout(answer, state.delay);
	else
		answer();
}

// The flood under way (moFlood), or null.
let flood = null;

// floodSend - text k of the flood on its link
function floodSend(f, k) {
	const s = f.session;
	f.inflight.add(k);
	s.deliver_sm({
		source_addr: f.from + String(k % 1000).padStart(4, '0'),
		destination_addr: f.to, esm_class: 0, data_coding: 0,
		short_message: `${f.text} ${k}`,
	}, (resp) => {
		if (flood !== f || s !== f.session || !resp)
			return; // an answer on a link that dropped
		f.inflight.delete(k);
		if (resp.command_status !== 0) {
			f.retried++;
			setTimeout(() => {
				if (flood !== f)
					return;
				if (f.session)
					floodSend(f, k);
				else
					f.lost.push(k);
			}, 100);
			return;
		}
		if (f.answered.has(k))
			return;
		f.answered.add(k);
		if (++f.done === f.count) {
			log({ cmd: 'mo_flood_done', t: Date.now(), count: f.count,
				retried: f.retried, resent: f.resent });
			flood = null;
			return;
		}
		floodPump(f);
	});
}

function floodPump(f) {
	while (f.session && f.inflight.size < f.window && f.next <= f.count)
		floodSend(f, f.next++);
}

// floodLinkLost - the flood's link closed: its unanswered texts wait
function floodLinkLost(session) {
	if (!flood || flood.session !== session)
		return;
	flood.session = null;
	flood.lost.push(...flood.inflight);
	log({ cmd: 'mo_flood_link_lost', unanswered: flood.inflight.size });
	flood.inflight.clear();
}

// floodResume - a new receiving link: the unanswered texts again, on
// it (as real SMSCs send a deliver_sm they saw no answer to), then on
function floodResume(session) {
	if (!flood || flood.session)
		return;
	const again = flood.lost.splice(0);
	flood.session = session;
	flood.resent += again.length;
	log({ cmd: 'mo_flood_resumed', resent: again.length });
	for (const k of again)
		floodSend(flood, k);
	floodPump(flood);
}

// moFlood - c.count texts from phones, windowed (see the header)
function moFlood(c) {
	const session = [...sessions].find((s) => !s.closed && s.kind &&
		s.kind !== 'bind_transmitter');
	if (!session) {
		log({ cmd: 'mo_flood_done', t: Date.now(), count: 0, retried: 0, error: 'no session' });
		return;
	}
	flood = {
		count: c.count || 1000, window: c.window || 10,
		from: c.from || '1202555', to: c.to || '12025550100',
		text: c.text || 'flood', next: 1, done: 0, retried: 0,
		resent: 0, inflight: new Set(), answered: new Set(), lost: [],
		session,
	};
	log({ cmd: 'mo_flood_start', t: Date.now(), count: flood.count,
		window: flood.window });
	floodPump(flood);
}

const server = smpp.createServer(function (session) {
	sessions.add(session);
	session.unacked = new Map();
	session.on('close', () => {
		session.closed = true;
		sessions.delete(session);
		floodLinkLost(session);
		for (const dlr of session.unacked.values())
			pendingReceipts.push(dlr);
		session.unacked.clear();
	});
	session.on('error', (e) => log({ cmd: 'error', message: String(e) }));
	const bind = (pdu) => {
		log({ cmd: pdu.command, seq: pdu.sequence_number, hex: pdu.raw.toString('hex'),
			system_id: pdu.system_id, password: pdu.password, system_type: pdu.system_type });
		const ok = !state.refuseBind &&
			(!args['system-id'] || pdu.system_id === args['system-id']) &&
			(!args.password || pdu.password === args.password);
		session.send(pdu.response({ command_status: ok ? 0 : smpp.ESME_RBINDFAIL, system_id: 'testsmsc' }));
		if (ok)
			session.kind = pdu.command;
		if (ok && pdu.command !== 'bind_transmitter') {
			while (pendingReceipts.length)
				sendReceipt(session, pendingReceipts.shift());
			while (pendingMo.length) {
				log({ cmd: 'resent_mo' });
				session.deliver_sm(moPdu(pendingMo.shift()));
			}
			floodResume(session);
		}
	};
	session.on('bind_transceiver', bind);
	session.on('bind_transmitter', bind);
	session.on('bind_receiver', bind);
	session.on('submit_sm', (pdu) => onSubmit(session, pdu));
	session.on('enquire_link', (pdu) => {
		log({ cmd: 'enquire_link', seq: pdu.sequence_number });
		session.send(pdu.response());
	});
	session.on('unbind', (pdu) => {
		log({ cmd: 'unbind', seq: pdu.sequence_number });
		session.send(pdu.response());
		setTimeout(() => session.close(), 10);
	});
	session.on('deliver_sm_resp', (pdu) => log({ cmd: 'deliver_sm_resp', seq: pdu.sequence_number, status: pdu.command_status }));
	session.on('generic_nack', (pdu) => log({ cmd: 'generic_nack', seq: pdu.sequence_number, status: pdu.command_status }));
});

server.listen(port, '127.0.0.1', () => {
	process.stdout.write(`listening ${server.address().port}\n`);
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
	let c;
	try { c = JSON.parse(line); } catch (e) { return; }
	if (c.throttle !== undefined) state.throttle = c.throttle;
	if (c.error !== undefined) { state.error = c.error; state.errorCount = c.count || 1; }
	if (c.delay_ms !== undefined) state.delay = c.delay_ms;
	if (c.withhold !== undefined) state.withhold = c.withhold;
	if (c.withhold_dst !== undefined) {
		state.withholdDst = c.withhold_dst || null;
		state.stall = !!c.stall;
	}
	if (c.drop_after !== undefined) state.dropAfter = c.drop_after;
	if (c.receipt !== undefined) { state.receipt = c.receipt; state.receiptErr = c.err || '000'; }
	if (c.next_id !== undefined) state.nextId = c.next_id;
	if (c.receipt_delay_ms !== undefined) state.receiptDelay = c.receipt_delay_ms;
	if (c.refuse_bind !== undefined) state.refuseBind = c.refuse_bind;
	if (c.malformed) {
		// a length that says 20 bytes, then junk: not an SMPP PDU
		const junk = Buffer.from('00000014ffffffff00000000000000017a7a7a7a', 'hex');
		for (const s of sessions) s.socket.write(junk);
	}
	if (c.mo) {
		// "session": K sends it on the K-th receiving session (in bind
		// order) only, as a real SMSC gives a text to one bind
		const rx = [...sessions].filter((s) => !s.closed && s.kind &&
			s.kind !== 'bind_transmitter');
		const to = c.session === undefined ? [...sessions]
			: rx.length ? [rx[c.session % rx.length]] : [];
		for (const s of to)
			s.deliver_sm(moPdu(c.mo));
	}
	if (c.lost_resp)
		lostResp(c.lost_resp, c.resend);
	if (c.mo_flood)
		moFlood(c.mo_flood);
	log({ cmd: 'control', control: c });
});
process.on('SIGTERM', () => process.exit(0));
