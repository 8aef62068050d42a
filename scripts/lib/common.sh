# Shared by run.sh, test.sh, bench.sh and package.sh: locating the repo, installing the local emulators
# (Azurite, maildev) with npm into ./node_modules at the versions pinned in package-lock.json, and
# starting/stopping them. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The well-known Azurite development account (public, documented; not a secret).
AZURITE_ACCOUNT=devstoreaccount1
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

STARTED_PIDS=()

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

require() {
  command -v "$1" >/dev/null 2>&1 || { log "needs '$1' on PATH: $2"; exit 1; }
}

ensure_node_tools() {
  require node "install Node.js 20.19 or newer"
  require npm "install Node.js 20.19 or newer"
  local stamp="$ROOT/node_modules/.tier2-installed"
  if [[ ! -f "$stamp" || "$ROOT/package-lock.json" -nt "$stamp" ]]; then
    log "installing the node tools of package-lock.json (npm ci): Azurite, maildev, Redocly, openapi-typescript, tsc"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$stamp"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

wait_for_port() {
  local port=$1 name=$2
  for _ in $(seq 1 150); do
    if port_in_use "$port"; then return 0; fi
    sleep 0.2
  done
  log "$name did not start listening on port $port"
  return 1
}

# start_azurite DATA_DIR BLOB_PORT QUEUE_PORT TABLE_PORT
start_azurite() {
  local data=$1 blob=$2 queue=$3 table=$4
  mkdir -p "$data"
  "$ROOT/node_modules/.bin/azurite" --silent --skipApiVersionCheck --loose \
    --location "$data" --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
    --tableHost 127.0.0.1 --tablePort "$table" >"$data/azurite.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$blob" Azurite && wait_for_port "$queue" Azurite && wait_for_port "$table" Azurite
}

azurite_connection_string() {
  local blob=$1 queue=$2 table=$3
  printf 'DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%s/%s;QueueEndpoint=http://127.0.0.1:%s/%s;TableEndpoint=http://127.0.0.1:%s/%s;' \
    "$AZURITE_ACCOUNT" "$AZURITE_KEY" "$blob" "$AZURITE_ACCOUNT" "$queue" "$AZURITE_ACCOUNT" "$table" "$AZURITE_ACCOUNT"
}

# start_maildev SMTP_PORT WEB_PORT LOG_DIR
start_maildev() {
  local smtp=$1 web=$2 logdir=$3
  mkdir -p "$logdir"
  "$ROOT/node_modules/.bin/maildev" --ip 127.0.0.1 --smtp "$smtp" --web "$web" >"$logdir/maildev.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$smtp" maildev && wait_for_port "$web" maildev
}

stop_started() {
  local pid _
  for pid in "${STARTED_PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null || true
  done
  # Give each a few seconds to exit cleanly, then insist.
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${STARTED_PIDS[@]:-}"; do
      [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    [[ $alive -eq 0 ]] && break
    sleep 0.1
  done
  for pid in "${STARTED_PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}

# start_local_partner_center PORT LOG_DIR: the local Partner Center (local/Tier2.LocalPartnerCenter; build it first)
# on 127.0.0.1:PORT with its default options (tenant, client id and secret in LocalPartnerCenterOptions.cs; override
# with LocalPartnerCenter__* environment variables). Admin API under /_local/ (see its README).
start_local_partner_center() {
  local port=$1 logdir=$2
  mkdir -p "$logdir"
  dotnet "$ROOT/local/Tier2.LocalPartnerCenter/bin/Debug/net10.0/Tier2.LocalPartnerCenter.dll" --urls "http://127.0.0.1:$port" \
    >"$logdir/partner-center.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$port" "the local Partner Center"
}

# partner_center_settings BASE_URL: the PartnerCenter__* app settings (a JSON object) that point Tier2 at the local Partner
# Center running at BASE_URL (started with its default client secret), including the events it signs: its signing
# certificate is served on 127.0.0.1 (over http, which Tier2 allows only for a loopback certificate host), its subject
# names the server's WebhookSigningOrganization, and it chains to the root the server made at start, which Tier2 trusts in
# place of Microsoft's; that root publishes no revocation list, hence CheckRevocation=false. The sample's
# PartnerCenter__Events__* stay Microsoft's (the production defaults): only the app's local copy gets these.
partner_center_settings() {
  local base=$1 endpoints root
  endpoints=$(curl -sS -f "$base/_local/endpoints") || { log "the local Partner Center at $base did not answer /_local/endpoints"; return 1; }
  root=$(curl -sS -f "$base/_local/webhook-root.pem") || { log "the local Partner Center at $base did not answer /_local/webhook-root.pem"; return 1; }
  python3 - "$base" "$endpoints" "$root" <<'PY'
import json, sys
base, endpoints, root = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
tenant = endpoints["tenantId"]
print(json.dumps({
    "PartnerCenter__BaseUrl": base,
    "PartnerCenter__TokenEndpoint": f"{base}/{tenant}/oauth2/token",
    "PartnerCenter__AuthorizeEndpoint": f"{base}/{tenant}/oauth2/authorize",
    "PartnerCenter__TenantId": tenant,
    "PartnerCenter__ClientId": endpoints["clientId"],
    "PartnerCenter__ClientSecret": "local-partner-center-secret",
    "PartnerCenter__Events__CertificateHost": "127.0.0.1",
    "PartnerCenter__Events__CertificateOrganization": endpoints["webhookSigningOrganization"],
    "PartnerCenter__Events__TrustedRootCertificates": root,
    "PartnerCenter__Events__CheckRevocation": "false",
}))
PY
}
