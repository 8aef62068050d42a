#!/usr/bin/env bash
# Builds and tests everything: a fresh Azurite and maildev on free ports (so a running copy of the app is
# never disturbed), Chromium for the browser tests, the Bicep lint, then `dotnet test` for the whole
# solution. Exits non-zero on any failure; stops what it started.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
require dotnet "install the .NET 10 SDK"
ensure_node_tools

# Browser tests drive Debian's Chromium (Playwright cannot download a browser here).
if [[ -z "${TIER2_CHROMIUM:-}" ]]; then
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing chromium (apt-get)"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  export TIER2_CHROMIUM="$(command -v chromium)"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/tier2-test.XXXXXX")"
cleanup() { stop_started; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

blob=$(free_port); queue=$(free_port); table=$(free_port)
while [[ "$queue" == "$blob" ]]; do queue=$(free_port); done
while [[ "$table" == "$blob" || "$table" == "$queue" ]]; do table=$(free_port); done
log "starting Azurite (fresh data) on ports $blob/$queue/$table"
start_azurite "$work/azurite" "$blob" "$queue" "$table"
export TIER2_TEST_STORAGE="$(azurite_connection_string "$blob" "$queue" "$table")"

smtp=$(free_port); web=$(free_port)
while [[ "$web" == "$smtp" ]]; do web=$(free_port); done
log "starting maildev on SMTP $smtp, web $web"
start_maildev "$smtp" "$web" "$work/maildev"
export TIER2_TEST_SMTP_PORT="$smtp" TIER2_TEST_MAILDEV_URL="http://127.0.0.1:$web"

if [[ -x scripts/bicep.sh ]]; then
  scripts/bicep.sh
fi

# The deployable zip, which a test reads (every function listed with its bindings, nothing of the custom handler).
scripts/package.sh

mkdir -p artifacts/test-results
dotnet build Serverless.sln -c Debug --nologo -v quiet

# The local Partner Center (built with the solution), for the tests that run a client or an app against it.
pc_port=$(free_port)
log "starting the local Partner Center on $pc_port"
start_local_partner_center "$pc_port" "$work/partner-center"
export TIER2_TEST_PARTNER_CENTER_URL="http://127.0.0.1:$pc_port"
dotnet test Serverless.sln -c Debug --no-build --nologo \
  --logger "trx;LogFilePrefix=results" --results-directory artifacts/test-results \
  --logger "console;verbosity=normal" "$@"

# The README's walkthrough as a newcomer runs it: the standalone host as a process, with settings from
# local.settings.sample.json, and scripts/demo.sh through both seed procedures.
log "scripts/demo.sh against the standalone host"
demo_port=$(free_port)
demo_settings="$work/local.settings.json"
key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
pc_settings=$(partner_center_settings "$TIER2_TEST_PARTNER_CENTER_URL")
python3 - "$demo_settings" "$TIER2_TEST_STORAGE" "$demo_port" "$smtp" "$key" "$pc_settings" <<'PY'
import json, sys
path, storage, port, smtp, key, partner_center = sys.argv[1:]
settings = json.load(open("local.settings.sample.json"))
# The sample's Partner Center ports are placeholders: the local Partner Center this script started fills them.
settings["Values"].update(json.loads(partner_center))
settings["Values"].update({"AzureWebJobsStorage": storage, "Storage__Prefix": "demo", "Email__SmtpPort": smtp,
    "Tier2__PublicBaseUrl": f"http://127.0.0.1:{port}/api", "Auth__SigningKey": key,
    "AzureFunctionsJobHost__extensions__durableTask__hubName": "demo"})
settings["Values"].update(json.loads(partner_center))
json.dump(settings, open(path, "w"), indent=2)
PY
app_dir="$ROOT/functions/Tier2.Functions/bin/Debug/net10.0"
cp "$demo_settings" "$app_dir/local.settings.json"
dotnet functions/Tier2.Standalone/bin/Debug/net10.0/Tier2.Standalone.dll --app "$app_dir" --urls "http://127.0.0.1:$demo_port" >"$work/demo-host.log" 2>&1 &
STARTED_PIDS+=($!)
wait_for_port "$demo_port" "the standalone host" || { cat "$work/demo-host.log"; exit 1; }
if ! TIER2_LOCAL_SETTINGS="$demo_settings" TIER2_PARTNER_CENTER_URL="$TIER2_TEST_PARTNER_CENTER_URL" scripts/demo.sh "http://127.0.0.1:$demo_port/api" >"$work/demo.log" 2>&1; then
  cat "$work/demo.log"; log "the host's log:"; tail -n 50 "$work/demo-host.log"; exit 1
fi
rm -f "$app_dir/local.settings.json"
log "scripts/demo.sh: both seed procedures passed"
