#!/usr/bin/env python3
"""tally.py - what the test SMSC got of N texts "TAG 0" .. "TAG N-1"

Usage: tally.py PDUS N TAG
PDUS is the SMSC's log (smsc.js --log). Prints "TOTAL GOT LOST DUPS":
submit_sm received, texts among the N that came, texts that never came,
and submit_sm beyond one per distinct text.
"""
import json
import sys

seen, total = {}, 0
with open(sys.argv[1]) as f:
    for line in f:
        p = json.loads(line)
        if p.get("cmd") != "submit_sm":
            continue
        total += 1
        t = bytes.fromhex(p["sm"]).decode("latin-1")
        seen[t] = seen.get(t, 0) + 1
n, tag = int(sys.argv[2]), sys.argv[3]
got = sum(1 for i in range(n) if "%s %d" % (tag, i) in seen)
print(total, got, n - got, total - len(seen))
