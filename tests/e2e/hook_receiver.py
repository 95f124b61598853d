#!/usr/bin/env python3
"""hook_receiver.py - a receiver of smsgw's event hooks, for test_hooks.sh

Usage: hook_receiver.py DIR SECRET

Listens on 127.0.0.1 (a free port, written to DIR/port), checks each
hook's X-Smsmilter-Signature with SECRET independently of smsgw (Python's
hmac), and logs one JSON line per request to DIR/requests.jsonl: path,
method, hook id, event, whether the signature was good, the fields, and
the status and body it answered. What it answers depends on the path:

  /fail3    500 to the first 3 tries of each hook id, then 200
  /down     503 after half a second while DIR/down exists, then 200
  /never    500 "nope, not today", always
  /voip     a GET callback (voip.ms style): "not ok" to the first 2
            tries of each {ID}, then "ok"
  anything  200
"""
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR, SECRET = sys.argv[1], sys.argv[2].encode()
# owners whose texts give hook URLs: their hooks are signed with the
# owner's key, hex HMAC-SHA256(SECRET, "owner:" + owner)
OWNERS = sys.argv[3].split(",") if len(sys.argv) > 3 else []
tries = {}


def owner_key(owner):
    return hmac.new(SECRET, b"owner:" + owner.encode(),
                    hashlib.sha256).hexdigest().encode()


def signature_ok(header, signed, secret=SECRET):
    """t=UNIX,v1=HEX with HEX = HMAC-SHA256(secret, "UNIX." + signed)"""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = parts["t"]
        want = hmac.new(secret, t.encode() + b"." + signed,
                        hashlib.sha256).hexdigest()
        return (hmac.compare_digest(want, parts["v1"])
                and abs(time.time() - int(t)) < 300)
    except (KeyError, ValueError, AttributeError):
        return False


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return status, body

    def handle_any(self, body):
        url = urllib.parse.urlsplit(self.path)
        hid = self.headers.get("X-Smsmilter-Hook-Id", "")
        # a GET is signed over the URL it asked for, as smsgw sent it
        host = self.headers.get("Host", "")
        signed = body if self.command == "POST" else \
            ("http://" + host + self.path).encode()
        sig = signature_ok(self.headers.get("X-Smsmilter-Signature"), signed)
        sig_owner = next((o for o in OWNERS if signature_ok(
            self.headers.get("X-Smsmilter-Signature"), signed,
            owner_key(o))), None)
        if self.headers.get("Content-Type", "") == "application/json":
            fields = json.loads(body)
        elif self.command == "POST":
            fields = dict(urllib.parse.parse_qsl(body.decode()))
        else:
            fields = dict(urllib.parse.parse_qsl(url.query))
        key = (url.path, fields.get("id", hid))
        tries[key] = tries.get(key, 0) + 1
        n = tries[key]
        if url.path == "/fail3":
            status, out = self.answer(500 if n <= 3 else 200,
                                      b"try %d" % n)
        elif url.path == "/down":
            down = os.path.exists(os.path.join(DIR, "down"))
            if down:
                time.sleep(0.5)  # slow too: some are under way at a kill
            status, out = self.answer(503 if down else 200, b"")
        elif url.path == "/never":
            status, out = self.answer(500, b"nope, not today")
        elif url.path == "/voip":
            status, out = self.answer(200, b"not ok" if n <= 2 else b"ok\n")
        else:
            status, out = self.answer(200, b"")
        with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
            f.write(json.dumps({
                "path": url.path, "method": self.command, "hid": hid,
                "event": self.headers.get("X-Smsmilter-Event", ""),
                "sig": sig, "sig_owner": sig_owner, "fields": fields,
                "try": n,
                "status": status, "answer": out.decode(),
            }) + "\n")

    def do_GET(self):
        self.handle_any(b"")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.handle_any(self.rfile.read(n))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
