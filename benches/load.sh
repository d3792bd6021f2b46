#!/usr/bin/env bash
# Load benchmark of `spark-filter serve` (issue 13): wrk with 64 connections for 30 s of the
# mixed searches in benches/load-queries.txt, on SQLite and (when SPARK_FILTER_PG_URL is set)
# on PostgreSQL; requests per second, p50/p99 latency, and non-2xx answers (must be none).
# In the same run, the same searches directly through the library's async back end
# (examples/direct_search.rs: Search::from_query and Search::run_async on a sql::pool pool as
# large as the server's, as many tasks as wrk has connections; no HTTP), and the ratio
# HTTP / direct.
#
#   benches/load.sh                 # SQLite, and PostgreSQL if SPARK_FILTER_PG_URL is set
#   DURATION=10 benches/load.sh     # shorter
#
# Needs wrk (Debian: apt-get install -y wrk). Builds the release binary and example. wrk waits
# up to 10 s for an answer (its default, 2 s, is shorter than the queueing delay of 64
# connections on a pool of 8 on two cores; a request it gives up on counts as an error).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-64}
POOL=${POOL:-8}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

cargo build --release --quiet --bin spark-filter --example direct_search
bin=target/release/spark-filter
direct=target/release/examples/direct_search
work=$(mktemp -d /tmp/spark-filter-load.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

key="load-test-key-$(date +%s%N)"
cat > "$work/keys.json" <<JSON
{"keys":[{"key":"$key","role":"private","privileged":true,"user_level":"mls"}]}
JSON

# The wrk script: each request the next search of the list; any non-2xx is counted by wrk.
{
  echo 'local paths = {'
  grep -v '^\s*$' benches/load-queries.txt | sed "s/'/\\\\'/g; s/.*/  '&',/"
  echo '}'
  echo 'local i = 0'
  echo "wrk.headers['Authorization'] = 'Bearer $key'"
  echo 'request = function()'
  echo '  i = i % #paths + 1'
  echo '  return wrk.format("GET", paths[i])'
  echo 'end'
  cat <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("WRK %.0f %.3f %.3f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
} > "$work/mix.lua"

run() {
  local name=$1 db=$2
  RUST_LOG=warn "$bin" serve --addr 127.0.0.1:0 --keys "$work/keys.json" --db "$db" \
    --pool-size "$POOL" > "$work/$name.out" 2> "$work/$name.err" &
  server_pid=$!
  for _ in $(seq 600); do grep -q listening "$work/$name.out" && break; sleep 0.2; done
  local base
  base=$(grep -o 'http://[0-9.:]*' "$work/$name.out" | head -1)
  [ -n "$base" ] || { cat "$work/$name.err" >&2; exit 1; }
  # Every search of the mix must answer 200 before anything is timed.
  while read -r path; do
    [ -z "$path" ] && continue
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$base$path")
    [ "$code" = 200 ] || { echo "$name: $path answered $code" >&2; exit 1; }
  done < benches/load-queries.txt
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$work/mix.lua" "$base" > "$work/$name.wrk"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  local line
  line=$(grep '^WRK' "$work/$name.wrk")
  read -r _ rps p50 p99 total bad <<< "$line"
  local d
  d=$("$direct" "$db" "$DURATION" "$POOL" "$CONNECTIONS" | awk '/^DIRECT/ {print $2}')
  local ratio
  ratio=$(awk -v a="$rps" -v b="$d" 'BEGIN { printf "%.2f", a / b }')
  printf '%-10s http %7s req/s  p50 %7s ms  p99 %7s ms  requests %8s  non-2xx/errors %s  direct %7s req/s  http/direct %s\n' \
    "$name" "$rps" "$p50" "$p99" "$total" "$bad" "$d" "$ratio"
  if [ "$bad" != 0 ]; then echo "$name: $bad non-2xx answers or socket errors" >&2; cat "$work/$name.wrk" >&2; exit 1; fi
}

echo "spark-filter serve under load: $CONNECTIONS connections, ${DURATION}s, pool $POOL, $(nproc) cores"
run sqlite "sqlite://$work/load.db"
if [ -n "${SPARK_FILTER_PG_URL:-}" ]; then
  # A schema of its own, dropped at the end, so the run never touches other tables.
  schema="load_$$"
  command -v psql >/dev/null || { echo "postgres: needs psql" >&2; exit 1; }
  psql -q "$SPARK_FILTER_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
  trap 'cleanup; psql -q "$SPARK_FILTER_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true' EXIT
  sep='?'; case "$SPARK_FILTER_PG_URL" in *\?*) sep='&';; esac
  run postgres "${SPARK_FILTER_PG_URL}${sep}options=-csearch_path%3D${schema}"
else
  echo "postgres: skipped (set SPARK_FILTER_PG_URL)"
fi
