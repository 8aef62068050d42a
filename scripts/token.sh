#!/usr/bin/env bash
# Prints a development bearer token signed with local.settings.json's Auth__* settings (scripts/run.sh creates the
# file). Usage: scripts/token.sh [--role provider-admin|reseller-admin] [--reseller-id ID] [--subject NAME] [--hours N]
# (`dotnet run` of an isolated worker project starts Azure Functions Core Tools, so the app's dll is run directly.)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
app="functions/Tier2.Functions/bin/Debug/net10.0/Tier2.Functions.dll"
if [[ ! -f "$app" ]]; then
  dotnet build functions/Tier2.Functions -c Debug --nologo -v quiet >&2
fi
exec dotnet "$app" token "$@"
