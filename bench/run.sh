#!/bin/sh
# run.sh - make bench: ours and the peers' side by side, in one run
#
# Usage: bench/run.sh BUILD_DIR
# Prints "bench: NAME VALUE UNIT" per figure and "ratio: NAME VALUE"
# (ours / theirs, higher is better) per comparison. The machine is
# shared and noisy: on the mixed corpus each side runs BENCH_ROUNDS
# times (default 5), interleaved, for BENCH_SECONDS each (default 2),
# and its best round counts. Then each kind of text alone, once, to
# show where the mixed figure comes from; then the store.
set -eu
O=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
secs=${BENCH_SECONDS:-2}
rounds=${BENCH_ROUNDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# best NAME FILE - the largest value of figure NAME in FILE
best() {
	awk -v n="$1" '$1 == "bench:" && $2 == n && $3 > m { m = $3 } END { print m + 0 }' "$2"
}

"$O/bench/bench_codec" --write-corpus "$tmp/corpus" 2000
i=0
while [ "$i" -lt "$rounds" ]; do
	"$O/bench/bench_codec" "$tmp/corpus" "$secs" >>"$tmp/ours"
	node "$here/split_sms.js" "$tmp/corpus" "$secs" >>"$tmp/theirs"
	i=$((i + 1))
done
ours=$(best codec_texts_per_s "$tmp/ours")
theirs=$(best split_sms_texts_per_s "$tmp/theirs")
echo "bench: codec_texts_per_s $ours texts/s"
echo "bench: split_sms_texts_per_s $theirs texts/s"
echo "bench: split_sms_predecoded_texts_per_s $(best split_sms_predecoded_texts_per_s "$tmp/theirs") texts/s"
echo "bench: codec_corpus_segments $(best codec_corpus_segments "$tmp/ours") segments"
echo "bench: split_sms_corpus_segments $(best split_sms_corpus_segments "$tmp/theirs") segments"
awk -v a="$ours" -v b="$theirs" 'BEGIN { if (b > 0) printf "ratio: codec_vs_split_sms %.1f\n", a / b }'

# each kind of text alone, one round each: where the ratio comes from
set -- gsm gsm_ext typographic accented cyrillic cjk hindi emoji
k=0
for name in "$@"; do
	"$O/bench/bench_codec" --write-corpus "$tmp/kind" 1000 "$k"
	a=$("$O/bench/bench_codec" "$tmp/kind" 1 | awk '$2 == "codec_texts_per_s" { print $3 }')
	b=$(node "$here/split_sms.js" "$tmp/kind" 1 | awk '$2 == "split_sms_texts_per_s" { print $3 }')
	echo "bench: codec_texts_per_s_$name $a texts/s"
	echo "bench: split_sms_texts_per_s_$name $b texts/s"
	awk -v a="$a" -v b="$b" -v n="$name" 'BEGIN { if (b > 0) printf "ratio: codec_vs_split_sms_%s %.1f\n", n, a / b }'
	k=$((k + 1))
done

# mailparse over the shared corpus of real mail, when it is there
corpus="$here/../../shared/corpus"
if [ -d "$corpus" ]; then
	"$O/bench/bench_mailparse" "$corpus" "$secs"
else
	echo "bench: mailparse skipped: $corpus not found" >&2
fi

# the store, on this machine's disk (a temporary directory)
"$O/bench/bench_store" "$tmp" "$secs"

# the store on PostgreSQL: enqueue, claim, one and two gateways
sh "$here/pg.sh" "$O"

# the milter behind a real Postfix, beside no milter and OpenDKIM
sh "$here/milter.sh" "$O"

# smsmilter's peak memory for 8 concurrent 9.5 MB mails to a phone
sh "$here/milter_rss.sh" "$O"

# SMPP submit rate beside Kannel, and milter-to-SMSC latency
sh "$here/smpp.sh" "$O"

# texts from phones into mail (smsgw) beside Kannel's get-url
sh "$here/mo.sh" "$O"

# event hooks out of smsgw to a local receiver
sh "$here/hooks.sh" "$O"

# texts queued over HTTP: smsgw's send API beside Kannel's sendsms
sh "$here/api.sh" "$O"
