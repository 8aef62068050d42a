#!/usr/bin/env bash
# The seed document's two procedures against a running Tier2 (scripts/run.sh), step by step, with curl:
#   1. request a partnership (invite draft), the reseller accepts on the invite page, it is in the resellers list;
#   2. add a customer on the reseller's behalf (order, review, submit, confirmation with the one-time password),
#      find it in the customers list filtered by the reseller, buy more licenses, move the partner of record to a second
#      reseller, designate the support contact.
# With PartnerCenter__Mode=Enabled (local.settings.sample.json), the procedures happen in the local Partner Center
# (TIER2_PARTNER_CENTER_URL, default http://127.0.0.1:7073, as scripts/run.sh starts it): the demo connects the
# provider's account through the connect flow, partners the reseller there (its admin API, standing in for the
# portal-only partnership request), shows the Partner Center ids on Tier2's order, customer and subscriptions and what
# Partner Center answered to each subscription change, then registers Tier2's event endpoint there and makes a change in
# "Partner Center's portal" (the local server's admin API), whose signed subscription-updated event updates Tier2.
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

# accept_invite LINK MPN TENANT NAME TAG: the reseller opens the invite link and accepts (the form carries an anti-forgery
# token and its cookie); the answer page is left in $work/answer.html.
accept_invite() {
  local link=$1 mpn=$2 tenant=$3 name=$4 tag=$5 af status
  curl -sS -c "$work/cookies" "$link" -o "$work/page.html"
  af=$(python3 -c 'import re,sys; print(re.search(r"name=\"__af\" value=\"([^\"]+)\"", open(sys.argv[1]).read()).group(1))' "$work/page.html")
  status=$(curl -sS -b "$work/cookies" -o "$work/answer.html" -w '%{http_code}' "$link" \
    --data-urlencode "__af=$af" --data-urlencode "action=accept" --data-urlencode "companyName=$name" \
    --data-urlencode "mpnId=$mpn" --data-urlencode "tenantId=$tenant" \
    --data-urlencode "contactName=Ada Lovelace" --data-urlencode "contactEmail=ada$tag@fabrikam.example")
  [[ "$status" == 200 ]] || { echo "the invite page answered $status" >&2; exit 1; }
}
# active_reseller NAME: waits (bounded) until the reseller named NAME is Active; prints its list item.
active_reseller() {
  local found
  for _ in $(seq 1 60); do
    found=$(call GET "/resellers?status=Active&search=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")")
    [[ $(json items <<<"$found") != "[]" ]] && { json items.0 <<<"$found"; return 0; }
    sleep 0.5
  done
  echo "reseller $1 did not become Active: $found" >&2; exit 1
}
# settled CUSTOMER SUBSCRIPTION: waits (bounded) until Partner Center answered the subscription's change; prints the subscription.
settled() {
  local read
  for _ in $(seq 1 120); do
    read=$(call GET "/customers/$1/subscriptions/$2")
    [[ $(json pendingChange <<<"$read" 2>/dev/null || echo None) == None ]] && { echo "$read"; return 0; }
    sleep 0.5
  done
  echo "Partner Center did not answer the change of subscription $2: $read" >&2; exit 1
}
# answered SUBSCRIPTION_JSON: one line of what Partner Center answered to the last change (partnerCenterSync).
answered() {
  python3 -c 'import json,sys
s = json.load(sys.stdin); a = s.get("partnerCenterSync") or {}
print("Partner Center answered %s: quantity %s, partner of record %s, support contact %s" % (a.get("outcome"), a.get("quantity"), a.get("partnerId"), a.get("supportMpnId")))
r = a.get("refusal")
if r: print("  refused (%s %s, field %s, Partner Center code %s): %s" % (r["status"], r["type"], r["field"], r.get("partnerCenterCode"), r["detail"]))'
}

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
accept_invite "$link" "$mpn" "$tenant" "Fabrikam $suffix" "$suffix"
python3 -c 'import re,sys,html; t=open(sys.argv[1]).read(); t=re.sub(r"(?s)<(head|style)[^>]*>.*?</\1>"," ",t); t=re.sub(r"<[^>]+>"," ",t); print(" ".join(html.unescape(t).split())[:300])' "$work/answer.html"

step "3. The reseller is in the indirect resellers list, Active"
reseller_id=$(active_reseller "Fabrikam $suffix" | json id); echo "reseller $reseller_id, MPN ID $mpn"

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

step "8. A second reseller, partnered the same way (steps 0 to 3 without the commentary)"
mpn2=$((mpn + 1)); tenant2=$(python3 -c 'import uuid; print(uuid.uuid4())')
if [[ "$pc_mode" == Enabled ]]; then
  curl -sS -f -X POST -H 'Content-Type: application/json' "$PC/_local/resellers" \
    --data "{\"tenantId\":\"$tenant2\",\"mpnId\":\"$mpn2\",\"name\":\"Northwind $suffix\"}" >/dev/null
fi
invite=$(call POST /resellers/invites "{\"email\":\"owner$suffix@northwind.example\",\"companyName\":\"Northwind $suffix\",\"delivery\":\"Draft\"}")
accept_invite "$(json draft.link <<<"$invite")" "$mpn2" "$tenant2" "Northwind $suffix" "n$suffix"
reseller2_id=$(active_reseller "Northwind $suffix" | json id); echo "reseller $reseller2_id, MPN ID $mpn2"

step "9. Buy more licences (20 -> 22), move the partner of record to the second reseller, designate the first as support contact (If-Match from the read)"
subscriptions=$(call GET "/customers/$customer_id/subscriptions")
subscription_id=$(json items.0.id <<<"$subscriptions")
call GET "/customers/$customer_id/subscriptions/$subscription_id" >/dev/null; etag=$(header ETag)
call PATCH "/customers/$customer_id/subscriptions/$subscription_id" "{\"quantity\":22,\"partnerOfRecordResellerId\":\"$reseller2_id\",\"supportContactResellerId\":\"$reseller_id\"}" -H "If-Match: $etag"; echo

if [[ "$pc_mode" == Enabled ]]; then
  step "9b. In Partner Center (202 above: the change is applied there by an orchestration; the subscription says what Partner Center answered)"
  subscription=$(settled "$customer_id" "$subscription_id")
  answered <<<"$subscription"
  pc_customer=$(json partnerCenterId <<<"$(call GET "/customers/$customer_id")")
  pc_subscription=$(json partnerCenterSubscriptionId <<<"$subscription")
  pc_path="/v1/customers/$pc_customer/subscriptions/$pc_subscription"
  curl -sS -f "$PC/_local/patches" | python3 -c 'import json,sys
p = [x for x in json.load(sys.stdin) if x["subscriptionId"] == sys.argv[1]][-1]; b = json.loads(p["body"])
print("the local Partner Center received the whole resource: quantity %s, partnerId %s, autoRenewEnabled %s (auto-renew kept: %s)" % (b.get("quantity"), b.get("partnerId"), b.get("autoRenewEnabled"), not p["autoRenewTurnedOff"]))' "$pc_subscription"

  step "9c. The support contact: the local Partner Center refuses it on new-commerce subscriptions, as Microsoft documented in 2023 (current status UNVERIFIED); switch that off (PUT /_local/settings) and ask again"
  curl -sS -f -X PUT -H 'Content-Type: application/json' "$PC/_local/settings" --data '{"refuseSupportContactForNce":false}'
  call GET "/customers/$customer_id/subscriptions/$subscription_id" >/dev/null; etag=$(header ETag)
  call PATCH "/customers/$customer_id/subscriptions/$subscription_id" "{\"supportContactResellerId\":\"$reseller_id\"}" -H "If-Match: $etag" >/dev/null
  subscription=$(settled "$customer_id" "$subscription_id")
  curl -sS -f -X PUT -H 'Content-Type: application/json' "$PC/_local/settings" --data '{"refuseSupportContactForNce":true}'
  answered <<<"$subscription"
  [[ $(json partnerCenterSync.supportMpnId <<<"$subscription") == "$mpn" ]] || { echo "the support contact did not reach Partner Center" >&2; exit 1; }
  curl -sS -f "$PC/_local/requests?path=$pc_path/supportcontact" | python3 -c 'import json,sys
print("the local Partner Center answered its support contact PUTs: %s" % ", ".join(str(r["status"]) for r in json.load(sys.stdin) if r["method"] == "PUT"))'

  step "10. Register Tier2's event endpoint with Partner Center (PUT /partner-center/webhooks)"
  call PUT /partner-center/webhooks ""; echo

  step "11. In Partner Center's portal, someone sets 24 licences: its signed subscription-updated event reaches Tier2, which re-reads the subscription"
  curl -sS -f -X PATCH -H 'Content-Type: application/json' "$PC/_local/customers/$pc_customer/subscriptions/$pc_subscription" --data '{"quantity":24}' >/dev/null
  for _ in $(seq 1 120); do
    quantity=$(json quantity <<<"$(call GET "/customers/$customer_id/subscriptions/$subscription_id")")
    [[ "$quantity" == 24 ]] && break
    sleep 0.5
  done
  curl -sS -f "$PC/_local/webhook-deliveries" | python3 -c 'import json,sys
d = json.load(sys.stdin)[-1]; e = json.loads(d["body"])
print("the local Partner Center sent %s for %s to %s: %s after %s attempt(s), answer %s" % (e["EventName"], e["ResourceUri"], d["webhookUrl"], d["status"], d["attempts"], d["lastStatus"]))'
  echo "Tier2's subscription now has $quantity licences"
  [[ "$quantity" == 24 ]] || { echo "the event did not update Tier2" >&2; exit 1; }
  call GET "/audit?entity=subscription&id=$customer_id/$subscription_id" | python3 -c 'import json,sys
a = [x for x in json.load(sys.stdin)["items"] if x.get("action") == "changed-in-partner-center"]
print("audit: %s by %s" % (a[0]["action"], a[0]["actor"]) if a else "audit: no changed-in-partner-center row")'
fi

step "Done: reseller $reseller_id, customer $customer_id, order $order_id"
