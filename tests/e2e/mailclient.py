#!/usr/bin/env python3
"""mailclient.py - mail N texts to phones as an MTA would: each again
after any 4xx or broken session, until it is answered 250

Usage: mailclient.py PORT[,PORT...] N TAG PROGRESS [THREADS]

Mail i goes through PORT number i mod (number of ports) on 127.0.0.1,
from alice@example.com to (12025551000 + i mod 50)@sms.example.com,
with Message-ID <TAG-i@example.com> and the body "TAG i"; THREADS
sessions at a time (4 by default). PROGRESS holds the count answered
250 so far. At the end, prints "accepted A tempfail T broken B": the
mails answered 250, the 4xx answers, and the other failures (5xx,
broken sessions) met on the way.
"""
import os
import smtplib
import sys
import threading
import time

ports = [int(p) for p in sys.argv[1].split(",")]
n, tag, progress = int(sys.argv[2]), sys.argv[3], sys.argv[4]
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
lock = threading.Lock()
done, tempfail, broken = [0], [0], [0]


def note(counter):
    with lock:
        counter[0] += 1


def one(i):
    port = ports[i % len(ports)]
    rcpt = "%d@sms.example.com" % (12025551000 + i % 50)
    msg = ("From: alice@example.com\r\nTo: %s\r\n"
           "Message-ID: <%s-%d@example.com>\r\n\r\n%s %d\r\n"
           % (rcpt, tag, i, tag, i))
    while True:
        try:
            s = smtplib.SMTP("127.0.0.1", port, timeout=60)
            s.sendmail("alice@example.com", [rcpt], msg)
            s.quit()
            with lock:
                done[0] += 1
                # written whole, then renamed: a reader never sees it empty
                with open(progress + ".new", "w") as f:
                    f.write("%d\n" % done[0])
                os.replace(progress + ".new", progress)
            return
        except smtplib.SMTPRecipientsRefused as e:
            code = list(e.recipients.values())[0][0]
            note(tempfail if 400 <= code < 500 else broken)
        except smtplib.SMTPResponseException as e:
            note(tempfail if 400 <= e.smtp_code < 500 else broken)
        except Exception:
            note(broken)
        time.sleep(0.3)


def worker(k):
    for i in range(k, n, threads):
        one(i)


ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("accepted %d tempfail %d broken %d" % (done[0], tempfail[0], broken[0]))
