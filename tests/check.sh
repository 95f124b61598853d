#!/bin/sh
# check.sh - the gate CI runs (make check, after the deps step)
#
# 1. a -Werror build of everything, and the format check;
# 2. every test: unit suites and fuzz corpus replays (also under
#    valgrind), command-line tests, man pages, install, the demo;
# 3. the unit suites, replays and milter protocol tests again under
#    ASan and UBSan;
# 4. one summary line; exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT INT TERM
export CHECK_TALLY="$tally"
steps_failed=""
jobs=$(nproc 2>/dev/null || echo 2)

step() {
	label=$1
	shift
	echo "== $label"
	t0=$(date +%s)
	if ! "$@"; then
		steps_failed="$steps_failed $label;"
	fi
	echo "   ($(($(date +%s) - t0)) s)"
}

step "build (-Werror)" $MAKE -s -j"$jobs" WERROR=1 all tests
step "format-check" $MAKE -s format-check
step "unit tests" $MAKE -s --no-print-directory WERROR=1 check-unit
# the 10-second store stress runs once; the instrumented runs take 3
# the replays under valgrind are left to the sanitizer run below, which
# replays every corpus with leak detection (valgrind took a minute more)
step "unit tests (valgrind)" env STORE_STRESS_SECONDS=3 \
	RUNNER="valgrind -q --suppressions=tests/valgrind.supp --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
	$MAKE -s --no-print-directory WERROR=1 UNIT_REPLAYS=no check-unit
step "layers: no module includes one above it" sh tests/cli/test_layers.sh
step "command-line tests" sh tests/cli/test_smsctl.sh build/smsctl
step "a private PostgreSQL for tests: up, answers, leaves nothing" \
	sh tests/store/test_pg_env.sh
step "the PostgreSQL schema is the SQLite one, and does what it does" \
	sh tests/store/test_pg_schema.sh build
step "the store on PostgreSQL: its unit suite, 4 processes, store copy both ways" \
	sh tests/store/test_pg.sh build
step "milter protocol (miltertest)" sh tests/milter/run.sh build
step "the milter on each Socket form" sh tests/milter/test_sockets.sh build
step "the milter's own /metrics" sh tests/milter/test_metrics.sh build
step "the milter warns at start when a reload would fail" sh tests/milter/test_reload.sh build
step "end to end with Postfix" sh tests/e2e/test_postfix.sh build
step "the loop: mail, text, receipt, report" sh tests/e2e/test_loop.sh build
step "a photo and a PDF to a phone: two links in the text, the files at them" \
	sh tests/e2e/test_media.sh build
step "the same through the HTTP provider: the photo as MMS (MediaUrl), the PDF a link" \
	sh tests/e2e/test_media.sh build http
step "a pool of numbers: each answer reaches the one it answers" sh tests/e2e/test_pool.sh build
step "a pool of numbers, through the HTTP transport and webhook" sh tests/e2e/test_pool.sh build http
step "smsgw killed during 1,000 texts" sh tests/gateway/test_crash.sh build
step "smsgw killed during 1,000 texts, its runner in the API's group commit" \
	sh tests/gateway/test_crash.sh build api
step "smsgw against Kannel (bearerbox, smsbox, fakesmsc)" sh tests/gateway/test_kannel.sh build
step "the send API: each field, each error, keys as their owners" \
	sh tests/gateway/test_api.sh build
step "files at signed links: bytes, types, ranges, forged links 404, purge" \
	sh tests/gateway/test_media.sh build
step "texts forwarded to another phone, and its answers back" \
	sh tests/gateway/test_forward.sh build
step "smsgw's webhooks beside 200 slow connections" sh tests/gateway/test_slow.sh build
step "smsgw and an address in use: waits for its predecessor, else exits" sh tests/gateway/test_listen.sh build
step "smsgw's mail out over STARTTLS: verify, encrypt, may" sh tests/gateway/test_tls.sh build
step "smsgw's mail out pipelined (RFC 2920), refusals among mails taken" \
	sh tests/gateway/test_pipelining.sh build
step "event hooks: retried until heard, kill -9, GET until ok, private targets refused" sh tests/e2e/test_hooks.sh build
step "fault injection, short form (make chaos: in full)" \
	sh tests/chaos/run.sh build
step "man pages" $MAKE -s man-check
step "generated docs current" sh scripts/gen-docs.sh build/smsctl --check
step "install" sh tests/cli/test_install.sh
step "INSTALL and the README's how-tos, as written" \
	sh tests/e2e/test_guide.sh build
step "demo" sh scripts/demo.sh build
# these suites run once, under the sanitizers below (which see more):
# the loop both ways, SMPP, the HTTP provider, Kannel's texts from
# phones, the webhooks, photos from phones; the plain build runs the
# other end-to-end suites, the fault injection and make check-deb
step "sanitizer build" $MAKE -s -j"$jobs" WERROR=1 \
	SANITIZE=address,undefined all tests
step "unit tests (ASan+UBSan)" env STORE_STRESS_SECONDS=3 \
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$MAKE -s --no-print-directory WERROR=1 SANITIZE=address,undefined \
	check-unit
step "milter protocol (ASan+UBSan)" env ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/milter/run.sh build/san
step "smsgw against an SMPP server (ASan+UBSan)" env \
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/gateway/test_smpp.sh build/san
step "texts from phones kept in smsgw's inbox, mailed once after a restart (ASan+UBSan)" \
	env ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/gateway/test_spool.sh build/san
step "smsgw against an HTTP provider (ASan+UBSan)" env \
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/gateway/test_http.sh build/san
step "the loop both ways (ASan+UBSan smsgw and smsmilter)" env \
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/e2e/test_thread.sh build/san
step "smsgw's webhooks (ASan+UBSan)" env \
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/gateway/test_webhook.sh build/san
step "photos from phones fetched and attached (ASan+UBSan)" env \
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/gateway/test_media_in.sh build/san
step "Kannel into smsgw (ASan+UBSan)" env \
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	sh tests/gateway/test_kannel_mo.sh build/san

set -- $(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$tally")
# a check that failed fails make check, even in a script that exited 0
if [ -n "$steps_failed" ] || [ "$2" -gt 0 ]; then
	echo "check: FAILED: $1 passed, $2 failed, $3 skipped; failed steps:$steps_failed"
	exit 1
fi
echo "check: ok: $1 passed, $2 failed, $3 skipped"
