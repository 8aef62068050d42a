#!/usr/bin/env bash
# Publishes the deployable function app: the .NET isolated worker (framework-dependent, linux-x64, ReadyToRun) with
# functions.metadata (the catalog the Functions host reads), .azurefunctions/ (the host-side extensions: Durable
# Functions, timers) and worker.config.json, plus host.json, as artifacts/package/app/ and
# artifacts/package/tier2-functions.zip (what Flex Consumption's one-deploy takes).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
require dotnet "install the .NET 10 SDK"
out="$ROOT/artifacts/package"
rm -rf "$out"
mkdir -p "$out/app"
log "publishing the function app"
dotnet publish functions/Tier2.Functions -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -o "$out/app" --nologo -v quiet
rm -f "$out/app/local.settings.json" "$out/app/"*.pdb
for required in functions.metadata worker.config.json host.json .azurefunctions; do
  [[ -e "$out/app/$required" ]] || { log "package: $required is missing from the published app"; exit 1; }
done
(cd "$out/app" && rm -f ../tier2-functions.zip && if command -v zip >/dev/null; then zip -qr ../tier2-functions.zip .; else python3 -c 'import shutil; shutil.make_archive("../tier2-functions","zip",".")'; fi)
count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$out/app/functions.metadata")
log "package: $out/tier2-functions.zip ($(du -h "$out/tier2-functions.zip" | cut -f1)), $count functions"
