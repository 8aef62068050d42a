#!/usr/bin/env bash
# Publishes the deployable function app: a self-contained linux-x64 handler (ReadyToRun), host.json and one
# folder per function with its function.json, as artifacts/package/app/ and artifacts/package/tier2-functions.zip.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
require dotnet "install the .NET 10 SDK"
out="$ROOT/artifacts/package"
rm -rf "$out"
mkdir -p "$out/app"
log "publishing the handler"
dotnet publish functions/Tier2.Functions -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=true -p:TieredPGO=true -o "$out/app" --nologo -v quiet
# function.json files come from the same catalog the app serves; building the catalog needs the settings
# that name queues (Storage__Prefix, Durable__HubName), not a reachable storage account.
log "writing function.json files"
(cd "$out/app" && AzureWebJobsStorage="${AzureWebJobsStorage:-UseDevelopmentStorage=true}" TIER2_LOCAL_SETTINGS=none ./Tier2.Functions functions-json "$out/app")
cp host.json "$out/app/host.json"
rm -f "$out/app/local.settings.json" "$out/app/"*.pdb
(cd "$out/app" && rm -f ../tier2-functions.zip && if command -v zip >/dev/null; then zip -qr ../tier2-functions.zip .; else python3 -c 'import shutil,sys; shutil.make_archive("../tier2-functions","zip",".")'; fi)
log "package: $out/tier2-functions.zip ($(du -h "$out/tier2-functions.zip" | cut -f1)), $(find "$out/app" -name function.json | wc -l) functions"
