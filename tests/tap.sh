# tap.sh - TAP for the shell tests: check, skip_all, wait_for, and the
# tally tests/check.sh sums
#
# Source it, then define cleanup() to stop what the test started (by
# pid) and remove its files: the EXIT trap runs cleanup, then appends
# "passed failed skipped" to $CHECK_TALLY when set.
n=0 passed=0 failed=0 skipped=0

cleanup() { :; }

tap_finish() {
	cleanup
	[ -n "${CHECK_TALLY:-}" ] && echo "$passed $failed $skipped" >>"$CHECK_TALLY"
	return 0
}
trap tap_finish EXIT
trap 'exit 1' INT TERM

# check NAME CONDITION...: one TAP line, ok when CONDITION succeeds
check() {
	name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		passed=$((passed + 1))
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
	fi
}

# tap_logs DIR: after a failure, the last lines of DIR's logs (*.log,
# *.out) as TAP comments, so that a run that failed where nobody
# watched (CI) says why; nothing when every check passed
tap_logs() {
	[ "$failed" -gt 0 ] && [ -d "$1" ] || return 0
	for f in "$1"/*.log "$1"/*.out; do
		[ -f "$f" ] || continue
		echo "# --- the end of $(basename "$f")"
		tail -n 25 "$f" | sed 's/^/#   /'
	done
}

# skip_all WHY: the whole test cannot run here
skip_all() {
	echo "ok 1 # SKIP $1"
	skipped=1 n=1
	exit 0
}

# wait_for CMD...: until CMD succeeds (WAIT_SECONDS, 15 s by default)
wait_for() {
	i=0
	while [ $i -lt $((${WAIT_SECONDS:-15} * 10)) ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
