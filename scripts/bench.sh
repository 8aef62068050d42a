#!/usr/bin/env bash
# Benchmarks (bench/README.md explains every figure):
#   scripts/bench.sh durable     storage baseline, hello sequence with 1 and 2 worker processes, fan-out/fan-in,
#                                storage transactions per orchestration, ratio to the storage bound, idle polling
#   scripts/bench.sh coldstart   process start to first 200 from /api/health of the published handler, against a
#                                bare Kestrel app published the same way (median of N runs each, as a ratio)
#   scripts/bench.sh             both
# Starts a fresh Azurite on free ports (so a running copy of the app is never disturbed), stops what it started,
# and writes artifacts/bench/durable.json and artifacts/bench/coldstart.json.
# Environment: BENCH_RUNS (cold-start runs per app, default 7), BENCH_QUICK=1 (short durable run, for a smoke test).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
require dotnet "install the .NET 10 SDK"
ensure_node_tools

what="${1:-all}"
case "$what" in
  durable|coldstart|all) ;;
  *) log "usage: $0 [durable|coldstart]"; exit 2 ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/tier2-bench.XXXXXX")"
cleanup() { stop_started; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

out="$ROOT/artifacts/bench"
mkdir -p "$out"

log "building the benchmark (Release)"
dotnet build bench/Tier2.Bench -c Release --nologo -v quiet -o "$work/bench" >/dev/null
bench="$work/bench/Tier2.Bench"

blob=$(free_port); queue=$(free_port); table=$(free_port)
while [[ "$queue" == "$blob" ]]; do queue=$(free_port); done
while [[ "$table" == "$blob" || "$table" == "$queue" ]]; do table=$(free_port); done
log "starting Azurite (fresh data) on ports $blob/$queue/$table"
start_azurite "$work/azurite" "$blob" "$queue" "$table"
conn="$(azurite_connection_string "$blob" "$queue" "$table")"

if [[ "$what" == durable || "$what" == all ]]; then
  quick=(); [[ "${BENCH_QUICK:-}" == 1 ]] && quick=(--quick)
  "$bench" durable --storage "$conn" --host-json "$ROOT/host.json" --out "$out/durable.json" "${quick[@]}"
fi

if [[ "$what" == coldstart || "$what" == all ]]; then
  # The app exactly as deployed (scripts/package.sh: self-contained linux-x64, ReadyToRun), and the baseline built the same way.
  log "publishing the app (scripts/package.sh)"
  scripts/package.sh
  log "publishing the bare Kestrel baseline the same way"
  rm -rf "$ROOT/artifacts/bench/baseline-app"
  dotnet publish bench/ColdStartBaseline -c Release -r linux-x64 --self-contained true \
    -p:PublishReadyToRun=true -p:TieredPGO=true -o "$ROOT/artifacts/bench/baseline-app" --nologo -v quiet >/dev/null
  "$bench" coldstart --app "$ROOT/artifacts/package/app" --baseline "$ROOT/artifacts/bench/baseline-app" \
    --storage "$conn" --runs "${BENCH_RUNS:-7}" --out "$out/coldstart.json"
fi
