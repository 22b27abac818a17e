#!/usr/bin/env bash
# Load benchmark of `netrx serve` (issue 7 §7): throughput and p50/p99 latency of a
# capability endpoint on a stored case (GET /api/v1/cases/{id}/CAP: audited read, the
# answer kept per revision), of the same capability computed every time (stateless
# POST /api/v1/CAP) and of case writes (POST /api/v1/cases) at 1, 8 and 64 clients. Loopback only; each run is bounded in time
# (DURATION, default 10 s) and so in requests. Not a test: it prints a Markdown
# table for docs/benchmarks.md.
#
#   scripts/bench/load.sh [CAPABILITY]          # default: assess, falling back to grade
#   DURATION=5s CLIENTS="1 8 64" NETRX_BIN=target/release/netrx scripts/bench/load.sh grade
#
# Needs wrk (Debian: apt-get install -y wrk). Builds the release binary unless NETRX_BIN is set.
set -euo pipefail
cd "$(dirname "$0")/../.."

CAP="${1:-assess}"
DURATION="${DURATION:-10s}"
CLIENTS="${CLIENTS:-1 8 64}"
THREADS="${THREADS:-1}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }
if [ -z "${NETRX_BIN:-}" ]; then
  cargo build --release -q -p netrx-cli
  NETRX_BIN=target/release/netrx
fi

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

DB="$TMP/bench.db"
printf 'bench-password-1\n' | "$NETRX_BIN" user add bench --role clinician --password-stdin --db "$DB" 2>/dev/null
TOKEN="$("$NETRX_BIN" user token bench --db "$DB")"
RUST_LOG=warn "$NETRX_BIN" serve --db "$DB" --addr 127.0.0.1:0 --demo >"$TMP/banner" 2>"$TMP/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q '^Stop with' "$TMP/banner" 2>/dev/null && break; sleep 0.1; done
URL="$(grep -o 'http://[0-9.:]*' "$TMP/banner" | head -1)"
[ -n "$URL" ] || { echo "server did not start:" >&2; cat "$TMP/server.log" >&2; exit 1; }

CASE_ID="pnet-g2-progressive"
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/cases/$CASE_ID/$CAP" || true)"
if [ "$code" != "200" ]; then
  echo "note: GET /api/v1/cases/$CASE_ID/$CAP answered $code; measuring grade instead" >&2
  CAP=grade
fi

# Body of the write benchmark: the example case with a fresh id per request (see load_write.lua).
export NETRX_BENCH_CASE="$TMP/case.json"
cp examples/pnet-g2-progressive.json "$NETRX_BENCH_CASE"

row() { # label clients wrk-output
  local rps p50 p99 errs
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$3")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$3")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$3")"
  errs="$(awk '/Non-2xx/ {print $5}' <<<"$3")"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$rps" "$p50" "$p99" "${errs:-0}"
}

echo "netrx load benchmark: $(nproc) cores, $DURATION per run, wrk -t$THREADS, $("$NETRX_BIN" --version)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other processes on the machine distort the tail latencies)"
echo
echo "| endpoint | clients | requests/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
for c in $CLIENTS; do
  t=$(( c < THREADS ? c : THREADS ))
  out="$(wrk -t"$t" -c"$c" -d"$DURATION" --timeout 5s --latency -H "Authorization: Bearer $TOKEN" "$URL/api/v1/cases/$CASE_ID/$CAP")"
  row "GET /api/v1/cases/{id}/$CAP" "$c" "$out"
done
for c in $CLIENTS; do
  t=$(( c < THREADS ? c : THREADS ))
  out="$(NETRX_BENCH_PATH="/api/v1/$CAP" TOKEN="$TOKEN" wrk -t"$t" -c"$c" -d"$DURATION" --timeout 5s --latency -s scripts/bench/load_write.lua "$URL")"
  row "POST /api/v1/$CAP (stateless, computed each time)" "$c" "$out"
done
for c in $CLIENTS; do
  t=$(( c < THREADS ? c : THREADS ))
  out="$(RUN="c$c" TOKEN="$TOKEN" wrk -t"$t" -c"$c" -d"$DURATION" --timeout 5s --latency -s scripts/bench/load_write.lua "$URL")"
  row "POST /api/v1/cases (new case)" "$c" "$out"
done
echo
stored="$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/cases?limit=10000" | grep -o '"id"' | wc -l)"
echo "cases listed after the run (list limit 10000): $stored; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
