#!/usr/bin/env bash
# The request path's ratio to the parse over many processes: runs `benches/request_ratio.rs`
# PROCESSES times (built once) and prints each process's median ratio, then the median of
# those, their quartiles and how many are at most 3x (issue 11's target).
#
#   benches/request_ratio.sh [PROCESSES] [ROUNDS]
#
# Why many processes: one process's rounds agree within about 0.1x, but processes differ by
# up to 0.3x with address-space randomization (where the allocator and the stack put things),
# which is more than the margin the target leaves. A single run says little.
set -euo pipefail

cd "$(dirname "$0")/.."
processes=${1:-20}
# ROUNDS goes to the benchmark only when given: its own default stands otherwise.
rounds=()
[[ -z ${2:-} ]] || rounds=(--rounds "$2")
[[ $processes =~ ^[1-9][0-9]*$ && ${2:-1} =~ ^[1-9][0-9]*$ ]] || {
    echo "usage: benches/request_ratio.sh [PROCESSES] [ROUNDS] (positive whole numbers)" >&2
    exit 2
}

# The benchmark's own executable, by name: cargo also lists the crate's binary, and in an order
# that depends on what it had to build.
bench=$(cargo bench --quiet --bench request_ratio --no-run --message-format=json |
    grep -o '"executable":"[^"]*/deps/request_ratio-[^"/]*"' | cut -d'"' -f4 | tail -n 1)
[[ -x $bench ]] || { echo "could not build the request_ratio benchmark" >&2; exit 1; }

# Say on what machine: the ratio depends on the processor (docs/performance.md), so a figure
# is recorded with the model it was measured on.
cpu=$(awk -F': ' '/^model name/ { m = $2 } /^cpu family/ { f = $2 } /^model\t/ { n = $2 }
    END { if (m != "") printf "%s (family %s, model %s)", m, f, n }' /proc/cpuinfo 2>/dev/null || true)
echo "machine: ${cpu:-unknown processor}, $(nproc) cores"

ratios=()
for ((i = 1; i <= processes; i++)); do
    out=$("$bench" "${rounds[@]}")
    ratio=$(sed -n "s/.*median of the rounds' ratios \([0-9.]*\).*/\1/p" <<<"$out")
    [[ -n $ratio ]] || { echo "process $i printed no ratio:" >&2; echo "$out" >&2; exit 1; }
    echo "process $i: $ratio"
    ratios+=("$ratio")
done

printf '%s\n' "${ratios[@]}" | sort -n | awk '
    { r[NR] = $1; if ($1 <= 3) under++ }
    function at(q,   i) { i = 1 + (NR - 1) * q; return r[int(i)] + (i - int(i)) * (r[int(i) + 1] - r[int(i)]) }
    END {
        printf "search / parse over %d processes: median %.3f (quartiles %.3f-%.3f, %.3f-%.3f in all); %d of %d at most 3x\n",
            NR, at(0.5), at(0.25), at(0.75), r[1], r[NR], under, NR
    }'
