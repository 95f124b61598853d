#!/usr/bin/python3
"""relay.py - an SMTP relay with STARTTLS and AUTH for the tests

Usage: relay.py [--cert PEM --key PEM] [--pipelining] --log FILE --dir DIR
                [--refuse ADDR]...

aiosmtpd (Debian python3-aiosmtpd) on 127.0.0.1, a port of its own
choosing, printed as "listening PORT" once it is ready. STARTTLS with
the given certificate (Python's ssl, OpenSSL), AUTH PLAIN and LOGIN
after it, any login taken. Every step a client reaches is logged as a
JSON line in FILE: {"ev": "EHLO"|"STARTTLS"|"AUTH"|"MAIL"|"RCPT"|
"DATA", "tls": bool, ...}, AUTH with the login and password seen;
each message is written to DIR. Without --cert, no STARTTLS (and so no
AUTH). --refuse ADDR (any number of times) answers RCPT TO:<ADDR> with
550 5.1.1, as a relay does for a mailbox it does not know.
--pipelining offers PIPELINING (RFC 2920) in the EHLO answer (aiosmtpd
reads commands one by one from what came, so a pipelined client is
answered in order); each DATA line then logs "pipelined": true when
the next command had come before the answer to the message's end was
written. Stops on SIGTERM.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--refuse", action="append", default=[])
    ap.add_argument("--pipelining", action="store_true")
    ap.add_argument("--log", required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()

    def log(session, ev, **kw):
        line = {"ev": ev, "tls": session.ssl is not None}
        line.update(kw)
        with open(a.log, "a") as f:
            f.write(json.dumps(line) + "\n")

    class Handler:
        n = 0

        async def handle_EHLO(self, server, session, envelope, hostname,
                              responses):
            session.host_name = hostname
            log(session, "EHLO", hostname=hostname)
            if a.pipelining:
                responses.insert(1, "250-PIPELINING")
            return responses

        def handle_STARTTLS(self, server, session, envelope):
            # called (not awaited) once the handshake is done
            log(session, "STARTTLS")
            return True

        async def handle_MAIL(self, server, session, envelope, address,
                              options):
            log(session, "MAIL", address=address)
            envelope.mail_from = address
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address,
                              options):
            if address.lower() in refused:
                log(session, "RCPT", address=address, refused=True)
                return "550 5.1.1 <%s>: Recipient address rejected: " \
                    "User unknown in local recipient table" % address
            log(session, "RCPT", address=address)
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            Handler.n += 1
            path = os.path.join(a.dir, "%d.eml" % Handler.n)
            with open(path, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            # a pipelining client sent the next MAIL with the message
            buffered = getattr(getattr(server, "_reader", None), "_buffer",
                               b"")
            log(session, "DATA", file=path, rcpt=envelope.rcpt_tos,
                pipelined=bytes(buffered[:4]).upper() == b"MAIL")
            return "250 2.0.0 queued as %d" % Handler.n

    def authenticator(server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", b"") or b""
        password = getattr(auth_data, "password", b"") or b""
        log(session, "AUTH", mechanism=mechanism,
            login=login.decode(errors="replace"),
            password=password.decode(errors="replace"))
        return AuthResult(success=True)

    refused = {r.lower() for r in a.refuse}
    ctx = None
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)

    loop = asyncio.new_event_loop()
    handler = Handler()
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="relay.test", tls_context=ctx,
                     authenticator=authenticator, auth_require_tls=ctx is not None,
                     require_starttls=False),
        "127.0.0.1", 0))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print("listening %d" % server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
