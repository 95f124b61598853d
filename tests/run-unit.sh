#!/bin/sh
# run-unit.sh - run test programs, print TAP and a tally
#
# Usage: tests/run-unit.sh PROGRAM...
#
# test_* programs are cmocka suites (run with TAP output); replay_NAME
# programs replay tests/fuzz/corpus/NAME. Each program's output goes to
# PROGRAM.log beside it. Prints one line per program and, when
# CHECK_TALLY names a file, appends "passed failed skipped" to it.
# Exits non-zero when anything failed. $RUNNER, when set, prefixes each
# program (e.g. valgrind).
set -u
passed=0 failed=0 skipped=0
for prog in "$@"; do
	name=$(basename "$prog")
	log="$prog.log"
	case "$name" in
	replay_*)
		corpus="tests/fuzz/corpus/${name#replay_}"
		${RUNNER:-} "$prog" "$corpus" >"$log" 2>&1 ;;
	*)
		CMOCKA_MESSAGE_OUTPUT=TAP ${RUNNER:-} "$prog" >"$log" 2>&1 ;;
	esac
	rc=$?
	p=$(grep -c '^ok ' "$log")
	s=$(grep -c '^not ok .*# SKIP' "$log")
	f=$(grep -v '# SKIP' "$log" | grep -c '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or failed outside a test case
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $prog: $p passed, $f failed, $s skipped (exit $rc)"
		sed 's/^/    /' "$log" | grep -v '^    ok ' | tail -40
	else
		echo "ok   $prog: $p passed, $s skipped"
		grep -h '^skip:' "$log" | sed 's/^/    /'
	fi
done
if [ -n "${CHECK_TALLY:-}" ]; then
	echo "$passed $failed $skipped" >>"$CHECK_TALLY"
fi
[ "$failed" -eq 0 ]
