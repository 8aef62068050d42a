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
dotnet test Serverless.sln -c Debug --no-build --nologo \
  --logger "trx;LogFilePrefix=results" --results-directory artifacts/test-results \
  --logger "console;verbosity=normal" "$@"
