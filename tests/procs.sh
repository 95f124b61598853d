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

# free_port: a TCP port on 127.0.0.1 nothing listens on now
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
