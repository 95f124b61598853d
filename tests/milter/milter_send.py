#!/usr/bin/env python3
"""milter_send.py - send mails to a milter as Postfix does, N at once

Used by tests/milter/run.sh (the memory bound) and bench/milter_rss.sh.

Usage: milter_send.py SOCKET MAIL_FILE RCPT [SESSIONS]
       milter_send.py --make-mail FILE MB [KIND]

SOCKET is unix:/path or inet:PORT@127.0.0.1. Each session speaks the
milter protocol (version 6) to the filter: option negotiation, the
MAIL-stage macros ({i}, {client_addr}), MAIL FROM alice@example.com,
RCPT, DATA, each header, the body in 65535-byte chunks (Postfix's
size), end of message; it prints one line per session with the final
reply ('c' continue, 'd' discard, 'y' reply code, 't' tempfail ...)
and the modifications ('-' recipient removed, 'h' header added). The
sessions run at once, one thread each, and start together.

--make-mail writes a mail of about MB megabytes, CRLF line ends; KIND
attach (the default): a short text/plain part and a base64 attachment
(application/octet-stream) that makes up the rest; text: one long
text/plain body; html: one long text/html body; textattach: a short
text and a long text/plain attachment in base64; lines: a text/plain
body of one-character lines; nfd: a text/plain body of decomposed
accents (e and U+0301, NFC makes them one character), lines of 40.
"""
import base64
import os
import socket
import struct
import sys
import threading

CHUNK = 65535


def pkt(cmd, data=b""):
    return struct.pack(">IB", len(data) + 1, cmd) + data


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        got = s.recv(n - len(out))
        if not got:
            raise EOFError("milter closed the connection")
        out += got
    return out


def recv_pkt(s):
    (n,) = struct.unpack(">I", recv_exact(s, 4))
    data = recv_exact(s, n)
    return data[0:1].decode(), data[1:]


def connect(spec):
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(spec[5:])
    else:
        port, host = spec[5:].split("@")
        s = socket.create_connection((host, int(port)))
    return s


def split_mail(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    headers = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1] += b"\r\n" + line
        else:
            name, _, value = line.partition(b":")
            headers.append([name, value.lstrip(b" ")])
    return headers, body


def session(spec, qid, headers, body, rcpt, start, result):
    try:
        s = connect(spec)
        # version 6, every action, every protocol step offered
        s.sendall(pkt(ord("O"), struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
        cmd, data = recv_pkt(s)
        assert cmd == "O", "no option negotiation: " + cmd
        _, _, proto = struct.unpack(">III", data[:12])
        start.wait()
        s.sendall(
            pkt(
                ord("D"),
                b"M" + b"i\0" + qid + b"\0{client_addr}\x00127.0.0.1\0",
            )
        )
        s.sendall(pkt(ord("M"), b"<alice@example.com>\0"))
        if not proto & 0x4000:  # SMFIP_NR_MAIL
            cmd, _ = recv_pkt(s)
            assert cmd == "c", "MAIL: " + cmd
        s.sendall(pkt(ord("R"), b"<" + rcpt + b">\0"))
        cmd, _ = recv_pkt(s)
        assert cmd == "c", "RCPT: " + cmd
        s.sendall(pkt(ord("T")))
        cmd, _ = recv_pkt(s)
        assert cmd == "c", "DATA: " + cmd
        for name, value in headers:
            s.sendall(pkt(ord("L"), name + b"\0" + value + b"\0"))
            if not proto & 0x80:  # SMFIP_NR_HDR
                recv_pkt(s)
        if not proto & 0x40:  # SMFIP_NOEOH
            s.sendall(pkt(ord("N")))
            recv_pkt(s)
        for i in range(0, len(body), CHUNK):
            s.sendall(pkt(ord("B"), body[i : i + CHUNK]))
            if not proto & 0x80000:  # SMFIP_NR_BODY
                recv_pkt(s)
        s.sendall(pkt(ord("E")))
        mods = ""
        while True:
            cmd, data = recv_pkt(s)
            if cmd in "+-hmiebp":  # a modification or progress
                mods += cmd if cmd != "p" else ""
                continue
            if cmd == "y":
                mods += " " + data.rstrip(b"\0").decode(errors="replace")
            result.append(cmd + " " + mods)
            break
        s.sendall(pkt(ord("Q")))
        s.close()
    except Exception as e:  # reported, counted by the caller
        result.append("error " + str(e))


def make_mail(path, mb, kind="attach"):
    """kind: attach (a short text and a binary attachment), text (one
    long text/plain body), html (one long text/html body), textattach
    (a short text and a long text/plain attachment, base64), lines
    (a text/plain body of one-character lines), nfd (a text/plain body
    of e + U+0301, 40 to a line)"""
    size = int(mb * 1024 * 1024)
    head = (
        b"From: Alice <alice@example.com>\r\n"
        b"To: 12025550143@sms.example.com\r\n"
        b"Subject: Nightly report\r\n"
        b"Message-ID: <big-" + os.urandom(6).hex().encode() + b"@example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
    )
    words = b"The nightly run failed at step 3, see below. " * 2
    if kind in ("text", "html", "lines", "nfd"):
        ctype = b"text/html" if kind == "html" else b"text/plain"
        head += b"Content-Type: " + ctype + b"; charset=utf-8\r\n"
        if kind == "nfd":
            head += b"Content-Transfer-Encoding: 8bit\r\n"
        head += b"\r\n"
        line = words + b"\r\n"
        if kind == "lines":
            line = b"a\r\n"
        if kind == "nfd":
            line = "e\u0301".encode() * 40 + b"\r\n"
        if kind == "html":
            head += b"<html><body>"
            line = b"<p>" + words + b"</p>\r\n"
        body = line * ((size - len(head)) // len(line))
        with open(path, "wb") as f:
            f.write(head + body + (b"</body></html>\r\n" if kind == "html" else b""))
        return
    ctype = b"application/octet-stream" if kind == "attach" else b"text/plain"
    text = head + (
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"The nightly run failed at step 3; the log is attached.\r\n\r\n"
        b"--b1\r\nContent-Type: " + ctype + b"; name=run.log\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="run.log"\r\n\r\n'
    )
    room = size - len(text) - 16
    n = room * 3 // 4 * 76 // 78
    raw = os.urandom(n) if kind == "attach" else (words + b"\n") * (n // (len(words) + 1))
    b64 = base64.encodebytes(raw).replace(b"\n", b"\r\n")
    with open(path, "wb") as f:
        f.write(text + b64[:room] + b"\r\n--b1--\r\n")


def main(argv):
    if len(argv) in (4, 5) and argv[1] == "--make-mail":
        make_mail(argv[2], float(argv[3]), *argv[4:])
        return 0
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 64
    spec, path, rcpt = argv[1], argv[2], argv[3].encode()
    n = int(argv[4]) if len(argv) == 5 else 1
    with open(path, "rb") as f:
        headers, body = split_mail(f.read())
    start = threading.Barrier(n)
    results = []
    threads = [
        threading.Thread(
            target=session,
            args=(spec, b"BIG%d" % i, headers, body, rcpt, start, results),
        )
        for i in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        print(r)
    return 0 if all(not r.startswith("error") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
