#!/usr/bin/env bash
# Batch throughput of the CLI: parses 1,000,000 corpus filters with
# `spark-filter parse --batch`, on one thread and on all cores, and prints the time per filter.
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

# Once on one thread, once on the default (every available core).
for threads in 1 default; do
    args=()
    [[ $threads == default ]] || args=(--threads "$threads")
    start=$(date +%s%N)
    target/release/spark-filter parse "${args[@]}" --batch "$input" >"$input.$threads.out" || true
    end=$(date +%s%N)
    # Correctness: one answer per line, and the same answers on every thread count.
    [[ $(wc -l <"$input.$threads.out") -eq $lines ]] || { echo "wrong answer count" >&2; exit 1; }
    cmp -s "$input.1.out" "$input.$threads.out" || { echo "answers differ by threads" >&2; exit 1; }
    ns=$((end - start))
    awk -v ns="$ns" -v n="$lines" -v bytes="$bytes" -v t="$threads" 'BEGIN {
        printf "threads %s: %d filters in %.3f s: %.0f ns per filter", t, n, ns / 1e9, ns / n
        if (bytes > n) printf ", %.1f MB/s of filter text", (bytes - n) / (ns / 1e3)
        printf ", %.0fx the Ruby reference (105 us)\n", 105000 / (ns / n)
    }'
done
