#!/usr/bin/env bash
# Benchmarks (bench/README.md explains every figure):
#   scripts/bench.sh durable     storage baseline; hello sequence and the real CustomerOnboarding orchestration on the
#                                standalone host (DTFx + the Durable Functions Azure Storage provider) with 1 and 2 host
#                                processes, host.json as committed and tuned; fan-out/fan-in; storage transactions per
#                                activity call (counting proxy in front of Azurite); idle requests over 30 s
#   scripts/bench.sh http        GET /api/resellers/{id} and GET /api/customers?resellerId= of the real app on the
#                                standalone host, 32 concurrent connections, against Azurite's point-read rate
#   scripts/bench.sh partnercenter  onboarding with Partner Center Enabled against a local Partner Center process with a
#                                latency on every call (300 ms, assumed) and the documented 500 requests/minute: orders
#                                per minute, p50/p99, requests per order and per minute, the most in any sliding 60 s,
#                                429s (must be 0); baselines in the same run (no latency/limit; Partner Center Disabled)
#   scripts/bench.sh coldstart   process start to first 200 from /api/health: the standalone host with the published
#                                app, against a bare Kestrel app published the same way (median of N runs each)
#   scripts/bench.sh             all four
# Starts a fresh Azurite on free ports (so a running copy of the app is never disturbed), stops what it started, and
# writes artifacts/bench/{durable,http,partnercenter,coldstart}.json. Builds into artifacts/bench/build (its own obj/bin: never
# the projects' bin/ or obj/, so it does not disturb other builds of the tree).
# Environment: BENCH_RUNS (cold-start runs, default 7), BENCH_QUICK=1 (short durable / partnercenter runs, a smoke test),
#   BENCH_PC_IN_FLIGHT (partnercenter: orders in flight, default 16, 12 quick), BENCH_PC_LATENCY_MS (default 300),
#   BENCH_TUNE=1 (durable: also sweep extensions.durableTask settings),
#   BENCH_OLD_ENGINE=<commit> (durable: first run that commit's own `scripts/bench.sh durable` - the deleted
#   Tier2.Durable engine, e.g. 1f661f1 - from a temporary git worktree, in the same session; its figures go to
#   artifacts/bench/durable-old-engine.json; the worktree is removed afterwards).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
require dotnet "install the .NET 10 SDK"
ensure_node_tools

what="${1:-all}"
case "$what" in
  durable|http|partnercenter|coldstart|all) ;;
  *) log "usage: $0 [durable|http|partnercenter|coldstart|all]"; exit 2 ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/tier2-bench.XXXXXX")"
old_tree=""
cleanup() {
  stop_started
  if [[ -n "$old_tree" && -d "$old_tree" ]]; then git -C "$ROOT" worktree remove --force "$old_tree" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

out="$ROOT/artifacts/bench"
build="$out/build"
mkdir -p "$out"
isolated=(-c Release -p:UseArtifactsOutput=true --artifacts-path "$build" --nologo -v quiet)

if [[ ( "$what" == durable || "$what" == all ) && -n "${BENCH_OLD_ENGINE:-}" ]]; then
  # The old engine's own benchmark, unchanged, from a worktree of the commit that still has it (its own Azurite).
  old_tree="$work/old-engine"
  log "old engine: worktree of $BENCH_OLD_ENGINE in $old_tree"
  git -C "$ROOT" worktree add --detach "$old_tree" "$BENCH_OLD_ENGINE" >/dev/null
  ln -s "$ROOT/node_modules" "$old_tree/node_modules"
  # Its ensure_node_tools must not see a lock file newer than the install stamp (npm ci through the symlink).
  touch -d '2000-01-01' "$old_tree/package-lock.json"
  (cd "$old_tree" && BENCH_QUICK="${BENCH_QUICK:-}" scripts/bench.sh durable)
  cp "$old_tree/artifacts/bench/durable.json" "$out/durable-old-engine.json"
  git -C "$ROOT" worktree remove --force "$old_tree"
  old_tree=""
  log "old engine: figures in $out/durable-old-engine.json; worktree removed"
fi

log "building the benchmark, the standalone host, the real app and the bench app (Release, into $build)"
dotnet build bench/Tier2.Bench "${isolated[@]}" >/dev/null
dotnet build bench/Tier2.Bench.App "${isolated[@]}" >/dev/null
dotnet build functions/Tier2.Standalone "${isolated[@]}" >/dev/null
if [[ "$what" == partnercenter || "$what" == all ]]; then
  dotnet build local/Tier2.LocalPartnerCenter "${isolated[@]}" >/dev/null
fi
bench="$build/bin/Tier2.Bench/release/Tier2.Bench"
# The standalone host exactly as scripts/run.sh starts it: it loads each app with the app's own dependencies.
standalone="$build/bin/Tier2.Standalone/release/Tier2.Standalone.dll"
tier2_app="$build/bin/Tier2.Functions/release"
bench_app="$build/bin/Tier2.Bench.App/release"
local_pc="$build/bin/Tier2.LocalPartnerCenter/release/Tier2.LocalPartnerCenter.dll"

blob=$(free_port); queue=$(free_port); table=$(free_port)
while [[ "$queue" == "$blob" ]]; do queue=$(free_port); done
while [[ "$table" == "$blob" || "$table" == "$queue" ]]; do table=$(free_port); done
log "starting Azurite (fresh data) on ports $blob/$queue/$table"
start_azurite "$work/azurite" "$blob" "$queue" "$table"
conn="$(azurite_connection_string "$blob" "$queue" "$table")"
failed=0

if [[ "$what" == durable || "$what" == all ]]; then
  flags=()
  [[ "${BENCH_QUICK:-}" == 1 ]] && flags+=(--quick)
  [[ "${BENCH_TUNE:-}" == 1 ]] && flags+=(--tune)
  "$bench" durable --storage "$conn" --standalone "$standalone" --bench-app "$bench_app" --tier2-app "$tier2_app" \
    --out "$out/durable.json" "${flags[@]}" || { log "durable: FAILED (see above)"; failed=1; }
fi

if [[ "$what" == http || "$what" == all ]]; then
  "$bench" http --storage "$conn" --standalone "$standalone" --tier2-app "$tier2_app" --concurrency 32 \
    --seconds "${BENCH_HTTP_SECONDS:-5}" --rounds 3 --out "$out/http.json" || { log "http: FAILED (see above)"; failed=1; }
fi

if [[ "$what" == partnercenter || "$what" == all ]]; then
  flags=()
  [[ "${BENCH_QUICK:-}" == 1 ]] && flags+=(--quick)
  [[ -n "${BENCH_PC_IN_FLIGHT:-}" ]] && flags+=(--in-flight "$BENCH_PC_IN_FLIGHT")
  [[ -n "${BENCH_PC_LATENCY_MS:-}" ]] && flags+=(--latency-ms "$BENCH_PC_LATENCY_MS")
  "$bench" partnercenter --storage "$conn" --standalone "$standalone" --tier2-app "$tier2_app" --partner-center "$local_pc" \
    --out "$out/partnercenter.json" "${flags[@]}" || { log "partnercenter: FAILED (see above)"; failed=1; }
fi

if [[ "$what" == coldstart || "$what" == all ]]; then
  # The app as scripts/package.sh publishes it (framework-dependent linux-x64, ReadyToRun), but built in isolation;
  # the standalone host and the bare Kestrel baseline published the same way as each other (self-contained, R2R).
  log "publishing the app (as scripts/package.sh), the standalone host and the bare Kestrel baseline"
  rm -rf "$out/app" "$out/host" "$out/baseline-app"
  dotnet publish functions/Tier2.Functions "${isolated[@]}" -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -o "$out/app" >/dev/null
  rm -f "$out/app/local.settings.json"
  dotnet publish functions/Tier2.Standalone "${isolated[@]}" -r linux-x64 --self-contained true \
    -p:PublishReadyToRun=true -p:TieredPGO=true -o "$out/host" >/dev/null
  dotnet publish bench/ColdStartBaseline "${isolated[@]}" -r linux-x64 --self-contained true \
    -p:PublishReadyToRun=true -p:TieredPGO=true -o "$out/baseline-app" >/dev/null
  "$bench" coldstart --app "$out/app" --host "$out/host" --baseline "$out/baseline-app" \
    --storage "$conn" --runs "${BENCH_RUNS:-7}" --out "$out/coldstart.json"
fi
exit "$failed"
