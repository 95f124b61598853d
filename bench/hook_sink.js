// hook_sink.js - a local receiver of event hooks, for bench/hooks.sh
//
// Usage: node hook_sink.js N OUT
// Listens on 127.0.0.1 (a free port, printed as "listening PORT"),
// answers every request 200 "ok" at once, and when N distinct hook ids
// (X-Smsmilter-Hook-Id) have come writes "FIRST LAST COUNT" to OUT:
// the times in ms of the first and the last request, and how many
// requests came in all (repeats included).
'use strict';
const http = require('http');
const fs = require('fs');
const want = Number(process.argv[2]), out = process.argv[3];
const seen = new Set();
let first = 0, count = 0, written = false;
const server = http.createServer((req, res) => {
	req.on('data', () => {});
	req.on('end', () => {
		const now = Date.now();
		if (!first) first = now;
		count++;
		seen.add(req.headers['x-smsmilter-hook-id']);
		res.writeHead(200, { 'Content-Type': 'text/plain' });
		res.end('ok');
		if (!written && seen.size >= want) {
			written = true;
			fs.writeFileSync(out, `${first} ${now} ${count}\n`);
		}
	});
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
