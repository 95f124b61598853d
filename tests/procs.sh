# procs.sh - stop_pids PID...: stop what a test started, by pid; free_port
#
# Each gets SIGTERM; each then has up to 5 seconds to leave (libmilter
# programs take a few), and SIGKILL after that.
stop_pids() {
	for p in "$@"; do
		kill "$p" 2>/dev/null
	done
	for p in "$@"; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	return 0
}

# free_port: a TCP port on 127.0.0.1 nothing listens on now, from
# 20000-32767, below Linux's ephemeral ports (32768-60999): a process
# that binds port 0 (the test SMSC, the provider) or connects cannot
# take it before its user binds it. With $tmp a directory, the ports
# given are kept in $tmp/.ports and never given twice in one test.
free_port() {
	python3 - "${tmp:-}" <<'PY'
import os, random, socket, sys
used = os.path.join(sys.argv[1], ".ports") if os.path.isdir(sys.argv[1]) else None
seen = set()
if used and os.path.exists(used):
    seen = set(open(used).read().split())
for _ in range(1000):
    p = random.randint(20000, 32767)
    if str(p) in seen:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    if used:
        with open(used, "a") as f:
            f.write("%d\n" % p)
    print(p)
    sys.exit(0)
sys.exit("free_port: no free port in 20000-32767")
PY
}
