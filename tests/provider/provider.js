// provider.js - an SMS provider's REST API of the Twilio kind, for the
// tests: node's own http module, no packages.
//
// Usage: node provider.js --port PORT --log FILE --account SID --token TOKEN
//                         [--host ADDR] [--media DIR]
//
// Serves POST /2010-04-01/Accounts/{SID}/Messages.json on 127.0.0.1:
// checks HTTP basic authentication (SID:TOKEN; else 401 with Twilio's
// error 20003), the form (To, From and Body needed; else 400 with
// 21604/21603/21602; Body may be left out when a MediaUrl is given:
// an MMS), and answers 201 with a message resource
// {"sid": "SM...", "status": "queued", ...}. Every request is logged as
// one JSON line in FILE: {t, method, path, auth_ok, to, from, body,
// media (the MediaUrl values), status_callback, answer, sid, active}.
// It prints "listening PORT" on stdout once ready. A GET of /kannel/... (Kannel's dlr-url) is logged
// and answered 200, for the Kannel test.
//
// With --media DIR it also serves the pictures and recordings phones
// sent, as Twilio does: GET /2010-04-01/Accounts/{SID}/Messages/{MM}/
// Media/{NAME} answers DIR/NAME behind the same basic authentication
// (401 without it, 404 when there is no such file), with a
// Content-Type by its extension (.jpg, .png, .gif, .mp3, .pdf). A GET
// is logged when it arrives (answer "get"), then when answered, with
// auth_sent (an Authorization header came). NAME?signed=1 needs no
// authentication (a pre-signed URL, as a CDN's).
// --host: the address to listen on (127.0.0.1).
//
// The next answers are changed by JSON lines on stdin:
//   {"answer": 400, "code": 21211, "message": "...", "count": N}
//                        N answers with that status and Twilio error JSON
//   {"answer": 429, "count": N}   (also 500, 503: any status)
//   {"hang": N}          the next N requests are read and never answered
//   {"delay_ms": MS}     answer every request after MS
//   {"media_answer": 503, "count": N}   the next N media GETs: that status
//   {"media_delay_ms": MS}              answer media GETs after MS
//   {"token": "T"}       the token basic authentication needs from now
//   {"redirect": NAME, "to": URL}   media GETs of NAME answer 307 to URL
'use strict';
const http = require('http');
const fs = require('fs');
const readline = require('readline');

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const logFile = args.log || '/dev/null';
const account = args.account || 'AC0000';
let token = args.token || 'token';
const mediaDir = args.media || null;
const mediaScript = []; // scripted answers to media GETs
const redirects = {}; // name: where its GETs are sent
let mediaDelay = 0;
const script = []; // scripted answers, oldest first
let hang = 0, delay = 0, active = 0, nextSid = 1;
const hung = [];

function log(obj) {
	fs.appendFileSync(logFile, JSON.stringify(obj) + '\n');
}

function error(res, status, code, message) {
	res.writeHead(status, {'Content-Type': 'application/json'});
	res.end(JSON.stringify({code, message, more_info:
		`https://www.twilio.com/docs/errors/${code}`, status}));
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', c => chunks.push(c));
	req.on('end', () => {
		active++;
		const entry = {t: Date.now(), method: req.method, path: req.url,
			       active};
		const auth = (req.headers.authorization || '').split(' ');
		const cred = auth[0] === 'Basic'
			? Buffer.from(auth[1] || '', 'base64').toString() : '';
		entry.auth_ok = cred === `${account}:${token}`;
		const form = new URLSearchParams(Buffer.concat(chunks).toString());
		entry.content_type = req.headers['content-type'] || '';
		entry.to = form.get('To');
		entry.from = form.get('From');
		entry.body = form.get('Body');
		entry.media = form.getAll('MediaUrl');
		entry.status_callback = form.get('StatusCallback');
		const answer = (status, fn) => {
			entry.answer = status;
			log(entry);
			setTimeout(() => { active--; fn(); }, delay);
		};
		const path = `/2010-04-01/Accounts/${account}/Messages.json`;
		if (req.method === 'GET' && req.url.startsWith('/kannel/'))
			return answer(200, () => res.end('ok'));
		const media = mediaDir && req.method === 'GET' && req.url.match(
			new RegExp(`^/2010-04-01/Accounts/${account}` +
				   '/Messages/[^/]+/Media/([A-Za-z0-9._-]+)' +
				   '(\\?signed=1)?$'));
		if (media)
			return serveMedia(req, res, entry, media[1], !!media[2]);
		if (req.method !== 'POST' || req.url !== path)
			return answer(404, () => error(res, 404, 20404,
				'The requested resource was not found'));
		if (!entry.auth_ok)
			return answer(401, () => error(res, 401, 20003,
				'Authenticate'));
		if (hang > 0) {
			hang--;
			entry.answer = 'hang';
			log(entry);
			hung.push(res);
			active--;
			return;
		}
		if (script.length > 0) {
			const s = script[0];
			if (--s.count <= 0)
				script.shift();
			return answer(s.answer, () => error(res, s.answer,
				s.code || (s.answer === 429 ? 20429 : 20500),
				s.message || `scripted ${s.answer}`));
		}
		if (!entry.to)
			return answer(400, () => error(res, 400, 21604,
				"A 'To' phone number is required."));
		if (!entry.from)
			return answer(400, () => error(res, 400, 21603,
				"A 'From' phone number is required."));
		if (entry.body === null && entry.media.length === 0)
			return answer(400, () => error(res, 400, 21602,
				'Message body is required.'));
		const sid = 'SM' + (nextSid++).toString(16).padStart(32, '0');
		entry.sid = sid;
		answer(201, () => {
			res.writeHead(201, {'Content-Type': 'application/json'});
			res.end(JSON.stringify({sid, account_sid: account,
				to: entry.to, from: entry.from, body: entry.body,
				status: 'queued', num_segments: '1',
				api_version: '2010-04-01',
				uri: `${path.replace('.json', '')}/${sid}.json`}));
		});
	});
});

const types = {jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif',
	       mp3: 'audio/mpeg', pdf: 'application/pdf'};

// serveMedia - a file phones sent, behind basic authentication
function serveMedia(req, res, entry, name, signed) {
	entry.auth_sent = !!req.headers.authorization;
	log(Object.assign({}, entry, {answer: 'get'}));
	const done = (status, fn) => {
		entry.answer = status;
		setTimeout(() => { log(entry); active--; fn(); }, mediaDelay);
	};
	if (!entry.auth_ok && !signed)
		return done(401, () => error(res, 401, 20003, 'Authenticate'));
	if (redirects[name] && !signed)
		return done(307, () => {
			res.writeHead(307, {Location: redirects[name]});
			res.end();
		});
	if (mediaScript.length > 0) {
		const s = mediaScript[0];
		if (--s.count <= 0)
			mediaScript.shift();
		return done(s.answer, () => error(res, s.answer, 20500,
			`scripted ${s.answer}`));
	}
	let data;
	try {
		data = fs.readFileSync(`${mediaDir}/${name}`);
	} catch (e) {
		return done(404, () => error(res, 404, 20404,
			'The requested resource was not found'));
	}
	const ext = name.replace(/^.*\./, '').toLowerCase();
	entry.bytes = data.length;
	done(200, () => {
		res.writeHead(200, {'Content-Type':
			types[ext] || 'application/octet-stream',
			'Content-Length': data.length});
		res.end(data);
	});
}

readline.createInterface({input: process.stdin}).on('line', line => {
	const c = JSON.parse(line);
	if (c.answer)
		script.push({answer: c.answer, code: c.code, message: c.message,
			     count: c.count || 1});
	if (c.hang !== undefined)
		hang = c.hang;
	if (c.delay_ms !== undefined)
		delay = c.delay_ms;
	if (c.media_answer)
		mediaScript.push({answer: c.media_answer, count: c.count || 1});
	if (c.media_delay_ms !== undefined)
		mediaDelay = c.media_delay_ms;
	if (c.token !== undefined)
		token = c.token;
	if (c.redirect)
		redirects[c.redirect] = c.to;
});

server.listen(parseInt(args.port || '0', 10), args.host || '127.0.0.1', () => {
	console.log(`listening ${server.address().port}`);
});
