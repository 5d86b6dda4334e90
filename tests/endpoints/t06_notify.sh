#!/usr/bin/env bash
# t06_notify.sh: POST /api/v1/notifications: API key, validation, fan-out, idempotency, 28 KB cards.
. "$(dirname "$0")/lib.sh"
: "${API_KEY:?API_KEY is not set: run through scripts/stack test}"
: "${SINK_URL:?SINK_URL is not set: run through scripts/stack test}"

page_token
token=$CSRF_TOKEN
# save ENTITY WEBHOOK EVENTS-JSON: a configuration through the real Save endpoint.
save() {
	req POST /Connector/Save -H 'Content-Type: application/json' -H "Origin: $BASE_URL" \
		-H "X-CSRF-Token: $token" --data "{\"entityId\":\"$1\",\"configName\":\"notify test\",
		\"contentUrl\":\"$BASE_URL/Connector/Edit?entityId=$1\",\"webhookUrl\":\"$2\",
		\"appType\":\"teams\",\"userObjectId\":\"$(new_uuid)\",\"events\":$3}"
}
notify() {	# notify JSON [curl args]: posts with the API key
	local body=$1
	shift
	req POST /api/v1/notifications -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $API_KEY" --data-binary "$body" "$@"
}
count() { sql "SELECT count(*) FROM $1"; }

# Three channels: two on deployments (connector and Workflows kinds), one on builds only.
e1=$(new_uuid) e2=$(new_uuid) e3=$(new_uuid)
save "$e1" "$SINK_URL/webhookb2/t06-$e1" '["deployments","incidents"]'
is "$STATUS" 200 "first configuration saved"
save "$e2" "$SINK_URL/workflows/t06-$e2" '["deployments"]'
is "$STATUS" 200 "second configuration (Workflows) saved"
save "$e3" "$SINK_URL/webhookb2/t06-$e3" '["builds"]'
is "$STATUS" 200 "third configuration saved"

key=t06-$(new_uuid)
body="{\"event\":\"deployments\",\"title\":\"Deployed v1.2\",\"text\":\"All green\",
	\"facts\":[{\"name\":\"Service\",\"value\":\"api\"}],\"url\":\"https://example.com/d/1\",
	\"severity\":\"success\",\"idempotencyKey\":\"$key\"}"
notify "$body"
is "$STATUS" 202 "a notification is accepted with 202"
nid=$(jf .notificationId)
like "$nid" '^[0-9a-f-]{36}$' "the answer carries a notificationId"
is "$(jf .deliveries)" 2 "two subscribed channels get a delivery"
is "$(sql "SELECT count(*) FROM deliveries WHERE notification_id = '$nid'")" 2 "two outbox rows"
is "$(sql "SELECT string_agg(entity_id::text, ',' ORDER BY entity_id) FROM deliveries WHERE notification_id = '$nid'")" \
	"$(printf '%s\n%s\n' "$e1" "$e2" | sort | paste -sd,)" "exactly the deployments subscribers"

before=$(count deliveries)
notify "$body"
is "$STATUS" 202 "the same idempotency key answers 202 again"
is "$(jf .notificationId)" "$nid" "with the first notificationId"
is "$(jf .deliveries)" 2 "and the first delivery count"
is "$(header Idempotent-Replayed)" true "marked as a replay"
is "$(count deliveries)" "$before" "and nothing new is created"
notify "${body/Deployed v1.2/Deployed v9}"
problem 409 idempotencyKey "the same key with another body"

notify "{\"event\":\"incidents\",\"title\":\"Only one\",\"idempotencyKey\":\"t06-$(new_uuid)\",\"entityId\":\"$e1\"}"
is "$STATUS" 202 "a notification for one entity"
is "$(jf .deliveries)" 1 "goes to that entity only"
notify "{\"event\":\"incidents\",\"title\":\"x\",\"idempotencyKey\":\"t06-$(new_uuid)\",\"entityId\":\"$(new_uuid)\"}"
problem 404 entityId "an unknown entityId"
notify "{\"event\":\"incidents\",\"title\":\"Nobody\",\"idempotencyKey\":\"t06-$(new_uuid)\",\"entityId\":\"$e3\"}"
is "$(jf .deliveries)" 0 "an entity not subscribed to the event gets nothing"

# Authentication: missing, wrong, wrong scheme; nothing is recorded.
n_before=$(count notifications)
req POST /api/v1/notifications -H 'Content-Type: application/json' --data '{}'
problem 401 Authorization "no API key"
is "$(header WWW-Authenticate)" Bearer "401 names the Bearer scheme"
req POST /api/v1/notifications -H 'Content-Type: application/json' -H 'Authorization: Bearer nope' --data "$body"
problem 401 Authorization "a wrong API key"
req POST /api/v1/notifications -H 'Content-Type: application/json' -H "Authorization: Basic $API_KEY" --data "$body"
problem 401 Authorization "the key under another scheme"
is "$(count notifications)" "$n_before" "refused requests record nothing"

# Validation: each bad input names its field and changes nothing.
d_before=$(count deliveries)
bad() {	# bad FIELD JSON NAME
	notify "$2"
	problem 400 "$1" "$3"
}
k() { echo "\"idempotencyKey\":\"t06-$(new_uuid)\""; }
bad event "{\"title\":\"t\",$(k)}" "missing event"
bad event "{\"event\":\"parties\",\"title\":\"t\",$(k)}" "unknown event"
bad title "{\"event\":\"builds\",$(k)}" "missing title"
bad title "{\"event\":\"builds\",\"title\":\"\",$(k)}" "empty title"
bad title "{\"event\":\"builds\",\"title\":\"$(head -c 257 /dev/zero | tr '\0' t)\",$(k)}" "title over 256"
bad title "{\"event\":\"builds\",\"title\":5,$(k)}" "title not a string"
bad idempotencyKey "{\"event\":\"builds\",\"title\":\"t\"}" "missing idempotencyKey"
bad idempotencyKey "{\"event\":\"builds\",\"title\":\"t\",\"idempotencyKey\":\"has space\"}" "idempotencyKey with a space"
bad severity "{\"event\":\"builds\",\"title\":\"t\",\"severity\":\"apocalyptic\",$(k)}" "unknown severity"
bad url "{\"event\":\"builds\",\"title\":\"t\",\"url\":\"javascript:alert(1)\",$(k)}" "a javascript: url"
bad facts "{\"event\":\"builds\",\"title\":\"t\",\"facts\":{\"a\":1},$(k)}" "facts not an array"
bad facts "{\"event\":\"builds\",\"title\":\"t\",\"facts\":[{\"value\":\"v\"}],$(k)}" "a fact without name"
bad facts "{\"event\":\"builds\",\"title\":\"t\",\"facts\":[{\"name\":\"n\",\"value\":\"v\",\"x\":1}],$(k)}" "a fact with an extra member"
bad entityId "{\"event\":\"builds\",\"title\":\"t\",\"entityId\":\"nope\",$(k)}" "a malformed entityId"
bad text "{\"event\":\"builds\",\"title\":\"t\",\"text\":[],$(k)}" "text not a string"
bad colour "{\"event\":\"builds\",\"title\":\"t\",\"colour\":\"red\",$(k)}" "an unknown member"
o='{"type":"openUrl","name":"Docs","url":"https://example.com/docs"}'
bad 'actions[1].url' "{\"event\":\"builds\",\"title\":\"t\",\"actions\":[$o,{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"ftp://example.com/\"}],$(k)}" "an action with an ftp url"
bad 'actions[0].style' "{\"event\":\"builds\",\"title\":\"t\",\"actions\":[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"A\",\"style\":\"positive\"}],$(k)}" "an action with an unknown member"
bad 'actions[1].id' "{\"event\":\"builds\",\"title\":\"t\",\"actions\":[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"A\"},{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"B\"}],$(k)}" "two actions with one id"
bad actions "{\"event\":\"builds\",\"title\":\"t\",\"url\":\"https://example.com/\",\"actions\":[$o,$o,$o,$o],$(k)}" "four actions and a url: five buttons"
like "$(jf .detail)" 'at most 3 entries when url is given' "  ...the detail says why"
req POST /api/v1/notifications -H "Authorization: Bearer $API_KEY" -H 'Content-Type: text/plain' --data '{}'
problem 415 Content-Type "wrong content type"
is "$(count deliveries)" "$d_before" "no bad request created a delivery"

# A card over 28 KB: accepted, and the card that reaches Teams is cut to fit.
big=$(printf '\xc3\xa9%.0s' $(seq 1 19000))
notify "{\"event\":\"builds\",\"title\":\"Big\",\"text\":\"$big\",\"entityId\":\"$e3\",$(k)}"
is "$STATUS" 202 "a 38 KB text is accepted (the card will be cut)"

# connectorctl send: the same checks and the same statement as the API.
CTL="$(dirname "$0")/../../fcgi/connectorctl"
ckey=t06-ctl-$(new_uuid)
out=$("$CTL" send --event incidents --title 'From ops' --fact Host=db1 --severity warning \
	--idempotency-key "$ckey" --entity "$e1" 2>&1); rc=$?
is "$rc" 0 "connectorctl send succeeds"
like "$out" '"deliveries":1' "and creates the delivery"
cnid=$(sed -n 's/.*"notificationId":"\([^"]*\)".*/\1/p' <<<"$out")
is "$(sql "SELECT payload->>'severity' || ' ' || (payload->'facts'->0->>'value') FROM notifications WHERE id = '$cnid'")" \
	"warning db1" "with its severity and facts stored"
out=$("$CTL" send --event incidents --title 'From ops' --fact Host=db1 --severity warning \
	--idempotency-key "$ckey" --entity "$e1" 2>&1)
like "$out" "\"notificationId\":\"$cnid\"" "the same key gives the first answer"
out=$("$CTL" send --event incidents --title 'Other' --idempotency-key "$ckey" --entity "$e1" 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "the same key with another notification fails"
like "$out" 'different notification' "and says why"
out=$("$CTL" send --event nope --title t --idempotency-key "t06-$(new_uuid)" 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "an unknown event fails"
like "$out" 'event must be one of' "and names the rule"
out=$("$CTL" send --title t 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "a missing event fails"
out=$("$CTL" send --event incidents --title 'With a button' --idempotency-key "t06-$(new_uuid)" \
	--entity "$e1" --actions '[{"type":"httpPost","id":"ack","name":"Acknowledge"}]' 2>&1); rc=$?
is "$rc" 0 "connectorctl send --actions succeeds"
anid=$(sed -n 's/.*"notificationId":"\([^"]*\)".*/\1/p' <<<"$out")
is "$(sql "SELECT payload->'actions'->0->>'id' FROM notifications WHERE id = '$anid'")" ack \
	"  ...and the action is stored"
out=$("$CTL" send --event incidents --title t --idempotency-key "t06-$(new_uuid)" \
	--actions '[{"type":"openUrl","name":"Go","url":"ftp://x"}]' 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "an action with a bad url fails"
like "$out" 'actions\[0\]\.url' "  ...naming actions[0].url"
out=$("$CTL" send --event incidents --title t --idempotency-key "t06-$(new_uuid)" --actions '[' 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "--actions that is not JSON fails"

req GET /metrics
is "$STATUS" 200 "/metrics answers"
like "$(header Content-Type)" '^text/plain' "in Prometheus text format"
like "$BODY" 'connector_deliveries\{state="pending"\} [0-9]+' "deliveries by state"
like "$BODY" 'connector_oldest_pending_age_seconds [0-9.]+' "oldest pending age"
like "$BODY" 'connector_delivery_attempt_duration_seconds_count [0-9]+' "attempt latency histogram"
like "$BODY" 'connector_card_actions_total [0-9]+' "card clicks"
like "$BODY" 'connector_action_callbacks\{state="delivered"\} [0-9]+' "forwarded clicks by state"

sql "DELETE FROM configurations WHERE entity_id IN ('$e1', '$e2', '$e3')" >/dev/null
done_testing
