#!/usr/bin/env bash
# Batch throughput of the CLI: parses 1,000,000 corpus filters with
# `spark-filter parse --batch` and prints the time per filter.
#
#   benches/batch.sh [LINES]
set -euo pipefail

cd "$(dirname "$0")/.."
lines=${1:-1000000}
corpus=benches/data/corpus.jsonl
input=${TMPDIR:-/tmp}/spark-filter-batch-$lines.jsonl

cargo build --release --quiet --bin spark-filter

if [[ ! -s $input || $corpus -nt $input ]] || [[ $(wc -l <"$input") -ne $lines ]]; then
    per=$(wc -l <"$corpus")
    copies=$(((lines + per - 1) / per))
    for ((i = 0; i < copies; i++)); do cat "$corpus"; done | head -n "$lines" >"$input"
fi
bytes=$(jq -r .filter "$input" 2>/dev/null | wc -c || true)

start=$(date +%s%N)
target/release/spark-filter parse --batch "$input" >/dev/null
end=$(date +%s%N)

ns=$((end - start))
awk -v ns="$ns" -v n="$lines" -v bytes="$bytes" 'BEGIN {
    printf "%d filters in %.3f s: %.0f ns per filter", n, ns / 1e9, ns / n
    if (bytes > n) printf ", %.1f MB/s of filter text", (bytes - n) / (ns / 1e3)
    printf "\n"
}'
