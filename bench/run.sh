#!/bin/sh
# run.sh - make bench: ours and the peers' side by side, in one run
#
# Usage: bench/run.sh BUILD_DIR
# Prints "bench: NAME VALUE UNIT" per figure and "ratio: NAME VALUE"
# (ours / theirs, higher is better) per comparison.
set -eu
O=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
SECONDS_EACH=${BENCH_SECONDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$O/bench/bench_codec" --write-corpus "$tmp/corpus" 2000
ours=$("$O/bench/bench_codec" "$tmp/corpus" "$SECONDS_EACH")
theirs=$(node "$here/split_sms.js" "$tmp/corpus" "$SECONDS_EACH")
echo "$ours"
echo "$theirs"
echo "$ours $theirs" | awk '
	/codec_texts_per_s/ { for (i = 1; i <= NF; i++) if ($i == "codec_texts_per_s") a = $(i + 1) }
	/split_sms_texts_per_s/ { for (i = 1; i <= NF; i++) if ($i == "split_sms_texts_per_s") b = $(i + 1) }
	END { if (b > 0) printf "ratio: codec_vs_split_sms %.1f\n", a / b }'
