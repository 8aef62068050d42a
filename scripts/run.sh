#!/usr/bin/env bash
# Runs Tier2 locally on http://localhost:7071 against Azurite (storage) and maildev (email; inbox at
# http://localhost:1080), on the standalone host (functions/Tier2.Standalone: the same functions on the same Durable
# Functions engine, for machines without Azure Functions Core Tools; with Core Tools, `func start` in
# functions/Tier2.Functions does the same). Installs the emulators on first use, starts those not already
# running, creates local.settings.json from the sample (with a fresh development signing key) if absent.
# Ctrl-C stops everything this script started.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
require dotnet "install the .NET 10 SDK"
require curl "install curl (it reads the local Partner Center's settings)"
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

log "building the function app and the standalone host"
dotnet build functions/Tier2.Functions -c Debug --nologo -v quiet
dotnet build functions/Tier2.Standalone -c Debug --nologo -v quiet
dotnet build local/Tier2.LocalPartnerCenter -c Debug --nologo -v quiet
if port_in_use 7073; then
  log "something already listens on 7073; using it as the local Partner Center"
else
  log "starting the local Partner Center on http://127.0.0.1:7073 (admin API: /_local/, see local/Tier2.LocalPartnerCenter/README.md)"
  start_local_partner_center 7073 "$ROOT/.azurite"
fi
app_dir="$ROOT/functions/Tier2.Functions/bin/Debug/net10.0"
# The app's copy of the settings points Partner Center at the local one and trusts the chain that signs its events
# (local.settings.json itself is left as it is, with Microsoft's event settings).
pc_settings=$(partner_center_settings http://127.0.0.1:7073)
python3 - local.settings.json "$app_dir/local.settings.json" "$pc_settings" <<'PY'
import json, sys
source, target, partner_center = sys.argv[1:]
settings = json.load(open(source))
settings.setdefault("Values", {}).update(json.loads(partner_center))
json.dump(settings, open(target, "w"), indent=2)
PY
log "Tier2 on http://localhost:7071 (health: /api/health, OpenAPI: /api/openapi.json). Ctrl-C stops."
# In the foreground: Ctrl-C reaches the host directly (background jobs of a script ignore SIGINT); when it has
# stopped, the EXIT trap stops the emulators this script started.
dotnet functions/Tier2.Standalone/bin/Debug/net10.0/Tier2.Standalone.dll --app "$app_dir" --urls http://localhost:7071 || true
