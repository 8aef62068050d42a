#!/usr/bin/env bash
# Runs Tier2 locally in standalone mode on http://localhost:7071 against Azurite (storage) and maildev
# (email; inbox at http://localhost:1080). Installs the emulators on first use, starts those not already
# running, creates local.settings.json from the sample (with a fresh development signing key) if absent.
# Ctrl-C stops everything this script started.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
require dotnet "install the .NET 10 SDK"
ensure_node_tools
trap stop_started EXIT
trap 'exit 143' TERM

if port_in_use 10000 || port_in_use 10001 || port_in_use 10002; then
  log "storage emulator already listening on 10000-10002; using it"
else
  log "starting Azurite (data in .azurite/)"
  start_azurite "$ROOT/.azurite" 10000 10001 10002
fi

if port_in_use 1025; then
  log "SMTP already listening on 1025; using it"
else
  log "starting maildev (SMTP 1025, inbox http://localhost:1080)"
  start_maildev 1025 1080 "$ROOT/.azurite"
fi

if [[ ! -f local.settings.json ]]; then
  key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  sed -E "s#(\"Auth__SigningKey\": \")[^\"]*#\\1${key}#" local.settings.sample.json > local.settings.json
  log "created local.settings.json from local.settings.sample.json (with a new signing key)"
fi

log "building"
dotnet build functions/Tier2.Functions -c Debug --nologo -v quiet
log "Tier2 on http://localhost:7071 (health: /api/health, OpenAPI: /api/openapi.json). Ctrl-C stops."
# In the foreground: Ctrl-C reaches the app directly (background jobs of a script ignore SIGINT); when it has
# stopped, the EXIT trap stops the emulators this script started.
dotnet run --no-build --project functions/Tier2.Functions --no-launch-profile -- --urls http://localhost:7071 || true
