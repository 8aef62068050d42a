#!/usr/bin/env bash
# The seed document's two procedures against a running Tier2 (scripts/run.sh), step by step, with curl:
#   1. request a partnership (invite draft), the reseller accepts on the invite page, it is in the resellers list;
#   2. add a customer on the reseller's behalf (order, review, submit, confirmation with the one-time password),
#      find it in the customers list filtered by the reseller, buy more licenses, designate the support contact.
# With PartnerCenter__Mode=Enabled (local.settings.sample.json), the procedures happen in the local Partner Center
# (TIER2_PARTNER_CENTER_URL, default http://127.0.0.1:7073, as scripts/run.sh starts it): the demo connects the
# provider's account through the connect flow, partners the reseller there (its admin API, standing in for the
# portal-only partnership request), and shows the Partner Center ids on Tier2's order, customer and subscriptions.
# Usage: scripts/demo.sh [API base URL, default http://localhost:7071/api]
# Needs curl and python3 (for reading JSON). Prints each step; exits non-zero on the first unexpected answer.
set -euo pipefail
cd "$(dirname "$0")/.."
API="${1:-${API:-http://localhost:7071/api}}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tier2-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if k.isdigit() else v[k]
print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1"; }
# call METHOD PATH [BODY] [extra curl args...]: prints the body, fails unless the status is 2xx.
call() {
  local method=$1 path=$2 body=${3:-}; shift 3 || shift $#
  local args=(-sS -X "$method" -H "Authorization: Bearer $TOKEN" -D "$work/headers" -o "$work/body" -w '%{http_code}')
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data "$body")
  local status; status=$(curl "${args[@]}" "$@" "$API$path")
  if [[ "$status" != 2* ]]; then echo "$method $path answered $status:" >&2; cat "$work/body" >&2; echo >&2; exit 1; fi
  cat "$work/body"
}
header() { grep -i "^$1:" "$work/headers" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }

TOKEN=$(scripts/token.sh --role provider-admin)
suffix=$RANDOM$RANDOM
mpn=$((1000000 + RANDOM * 30 + RANDOM % 30))
tenant=$(python3 -c 'import uuid; print(uuid.uuid4())')
PC="${TIER2_PARTNER_CENTER_URL:-http://127.0.0.1:7073}"
# PartnerCenter__Mode as the connection resource reports it (its name, or the enum's number Enabled = 1).
pc_mode=$(call GET /partner-center/connection | python3 -c 'import json,sys; m=json.load(sys.stdin)["mode"]; print("Enabled" if m in ("Enabled", 1) else "Disabled")')

if [[ "$pc_mode" == Enabled ]]; then
  step "0. Partner Center: connect the provider's account (the connect flow; the local Partner Center signs its integration user in) and partner the reseller"
  # Always (again): a local Partner Center restarted since the last connect forgot the refresh token Tier2 stored.
  authorize=$(call GET /partner-center/connect "" -H "Accept: application/json" | json authorizeUrl)
  curl -sS -L -o "$work/connected.html" "$authorize"
  connection=$(call GET /partner-center/connection)
  [[ $(json connected <<<"$connection") == True ]] || { echo "Partner Center is not connected: $connection" >&2; exit 1; }
  echo "connected as $(json account <<<"$connection")"
  curl -sS -f -X POST -H 'Content-Type: application/json' "$PC/_local/resellers" \
    --data "{\"tenantId\":\"$tenant\",\"mpnId\":\"$mpn\",\"name\":\"Fabrikam $suffix\"}" >/dev/null
  echo "reseller tenant $tenant, PartnerID $mpn partnered in Partner Center ($PC)"
fi

step "1. Request a partnership: the draft email with its personalized link (delivery \"Email\" would send it)"
invite=$(call POST /resellers/invites "{\"email\":\"owner$suffix@fabrikam.example\",\"companyName\":\"Fabrikam $suffix\",\"delivery\":\"Draft\"}")
link=$(json draft.link <<<"$invite"); invite_id=$(json id <<<"$invite")
echo "invite $invite_id, link $link"

step "2. The reseller opens the link and accepts (PartnerID and tenant; the form carries an anti-forgery token)"
curl -sS -c "$work/cookies" "$link" -o "$work/page.html"
af=$(python3 -c 'import re,sys; print(re.search(r"name=\"__af\" value=\"([^\"]+)\"", open(sys.argv[1]).read()).group(1))' "$work/page.html")
status=$(curl -sS -b "$work/cookies" -o "$work/answer.html" -w '%{http_code}' "$link" \
  --data-urlencode "__af=$af" --data-urlencode "action=accept" --data-urlencode "companyName=Fabrikam $suffix" \
  --data-urlencode "mpnId=$mpn" --data-urlencode "tenantId=$tenant" \
  --data-urlencode "contactName=Ada Lovelace" --data-urlencode "contactEmail=ada$suffix@fabrikam.example")
[[ "$status" == 200 ]] || { echo "the invite page answered $status" >&2; exit 1; }
python3 -c 'import re,sys,html; t=open(sys.argv[1]).read(); t=re.sub(r"(?s)<(head|style)[^>]*>.*?</\1>"," ",t); t=re.sub(r"<[^>]+>"," ",t); print(" ".join(html.unescape(t).split())[:300])' "$work/answer.html"

step "3. The reseller is in the indirect resellers list, Active"
for _ in $(seq 1 60); do
  reseller=$(call GET "/resellers?status=Active&search=Fabrikam%20$suffix")
  [[ $(json items <<<"$reseller") != "[]" ]] && break
  sleep 0.5
done
reseller_id=$(json items.0.id <<<"$reseller"); echo "reseller $reseller_id, MPN ID $mpn"

step "4. New customer on the reseller's behalf, with a subscription (a draft order answers its review)"
order=$(call POST /orders "{\"resellerId\":\"$reseller_id\",\"customer\":{\"companyName\":\"Tailspin $suffix\",\"domainPrefix\":\"tailspin$suffix\",\"email\":\"it@tailspin$suffix.example\",\"culture\":\"en-US\",\"language\":\"en\",\"address\":{\"addressLine1\":\"1 Main St\",\"city\":\"Redmond\",\"state\":\"WA\",\"postalCode\":\"98052\",\"country\":\"US\"},\"contact\":{\"firstName\":\"Grace\",\"lastName\":\"Hopper\",\"email\":\"grace@tailspin$suffix.example\"}},\"lineItems\":[{\"offerId\":\"m365-business-premium\",\"quantity\":20,\"termDuration\":\"P1Y\",\"billingCycle\":\"monthly\"}]}")
order_id=$(json id <<<"$order"); etag=$(header ETag)
echo "order $order_id, ETag $etag, review: canSubmit=$(json canSubmit <<<"$order"), problems $(json problems <<<"$order")"

step "5. Submit (If-Match: the ETag just read; Idempotency-Key makes a retry safe): 202 and the status URL"
call POST "/orders/$order_id/submit" "" -H "If-Match: $etag" -H "Idempotency-Key: demo-$order_id" >/dev/null
echo "Location: $(header Location)"
for _ in $(seq 1 120); do
  order=$(call GET "/orders/$order_id"); state=$(json status <<<"$order")
  [[ "$state" == Completed || "$state" == Failed || "$state" == Cancelled ]] && break
  sleep 0.5
done
echo "order $state"; [[ "$state" == Completed ]] || exit 1
customer_id=$(json customerId <<<"$order")

step "6. Confirmation: the admin user name and temporary password, exactly once"
call GET "/orders/$order_id/setup-info"; echo
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$API/orders/$order_id/setup-info")
echo "read again: $status"; [[ "$status" == 410 ]] || exit 1

if [[ "$pc_mode" == Enabled ]]; then
  step "6b. In Partner Center: the customer, its agreement, the order with the reseller as partner of record, the subscriptions"
  echo "order's Partner Center side: $(json partnerCenter <<<"$order")"
  customer=$(call GET "/customers/$customer_id")
  echo "customer $customer_id = Partner Center customer $(json partnerCenterId <<<"$customer")"
  python3 -c 'import json,sys
for s in json.load(sys.stdin)["subscriptions"]:
    print("subscription %s (%s x %s) = Partner Center subscription %s, order %s, partner of record %s" % (s["id"], s["offerName"], s["quantity"], s["partnerCenterSubscriptionId"], s["partnerCenterOrderId"], s["partnerIdOnRecord"]))' <<<"$customer"
  echo "the local Partner Center holds: $(curl -sS -f "$PC/_local/state")"
fi

step "7. The customers of this reseller"
call GET "/customers?resellerId=$reseller_id"; echo

step "8. Buy more licenses and designate the reseller as support contact (If-Match from the read)"
subscriptions=$(call GET "/customers/$customer_id/subscriptions")
subscription_id=$(json items.0.id <<<"$subscriptions")
call GET "/customers/$customer_id/subscriptions/$subscription_id" >/dev/null; etag=$(header ETag)
call PATCH "/customers/$customer_id/subscriptions/$subscription_id" "{\"quantity\":25,\"supportContactResellerId\":\"$reseller_id\"}" -H "If-Match: $etag"; echo

step "Done: reseller $reseller_id, customer $customer_id, order $order_id"
