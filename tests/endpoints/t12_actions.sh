#!/usr/bin/env bash
# t12_actions.sh: card buttons: a click replayed as Teams sends it is verified, recorded, answered and forwarded signed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/jwt.sh"
: "${API_KEY:?API_KEY is not set: run through scripts/stack test}"
: "${SINK_URL:?SINK_URL is not set: run through scripts/stack test}"

JWKS=$(conf_value action_jwks_file)
SECRET=$(conf_value csrf_secret)
WHSEC=$(conf_value action_callback_secret)
ISS=https://substrate.office.com/sts/
APPID=48af08dc-f6d2-435f-b2a7-069abd99c086
run=t12-$(new_uuid | cut -c1-8)

# Keys made here; the service learns them from its JWKS file on SIGHUP.
jwt_keygen "$T_DIR/k1.pem"
jwt_keygen "$T_DIR/k2.pem"
jwt_keygen "$T_DIR/other.pem"
openssl rsa -in "$T_DIR/k1.pem" -pubout -out "$T_DIR/k1.pub" 2>/dev/null
jwt_jwks "$JWKS" "$T_DIR/k1.pem:k1-$run"
at_exit 'echo "{\"keys\":[]}" >"$JWKS"'
hup_fcgi; ok $? "SIGHUP: every connector-fcgi process reloads its key files"

now=$(date +%s)
# claims [JQ-UPDATES]: the claims of a valid click token, changed by jq expressions.
user=$(new_uuid)
claims() {
	jq -nc --arg iss "$ISS" --arg aud "$BASE_URL" --arg appid "$APPID" --arg sub "$user" \
		--argjson now "$now" "{iss: \$iss, aud: \$aud, appid: \$appid, sub: \$sub,
		tid: \"72f988bf-86f1-41af-91ab-2d7cd011db47\", iat: (\$now - 5), nbf: (\$now - 5),
		exp: (\$now + 600)} ${1:+| $1}"
}
HDR="{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1-$run\"}"
token() { jwt_rs256 "$T_DIR/k1.pem" "$HDR" "$(claims "${1:-}")"; }

# A channel on the sink, and a notification with three buttons.
page_token
e=$(new_uuid)
req POST /Connector/Save -H 'Content-Type: application/json' -H "Origin: $BASE_URL" \
	-H "X-CSRF-Token: $CSRF_TOKEN" --data "$(config_body "$e" "$run" "$SINK_URL/webhookb2/$run" \
	teams "$(new_uuid)" '["incidents"]')"
is "$STATUS" 200 "a channel whose webhook is the sink"
at_exit "sql \"DELETE FROM configurations WHERE entity_id = '$e'\" >/dev/null"
req POST /api/v1/notifications -H 'Content-Type: application/json' \
	-H "Authorization: Bearer $API_KEY" --data "$(jq -nc --arg e "$e" --arg k "$run" '{
	event: "incidents", entityId: $e, idempotencyKey: $k, title: "Disk full on db-1",
	text: "95% used", actions: [
	  {type: "httpPost", id: "ack", name: "Acknowledge", status: "Acknowledged",
	   updateCard: true},
	  {type: "httpPost", id: "comment", name: "Comment", input: {title: "Your comment"}},
	  {type: "openUrl", name: "Runbook", url: "https://example.com/runbook"}]}')"
is "$STATUS" 202 "a notification with actions is accepted"
n=$(jf .notificationId)
is "$(wait_for "(SELECT state FROM deliveries WHERE notification_id = '$n') = 'delivered'")" t \
	"its card is delivered"
card=$(curl -s "$SINK_URL/_received?path=/webhookb2/$run" | jq -c '.[0].json')
ack_body=$(jq -r '.potentialAction[] | select(."@type" == "HttpPOST") | .body' <<<"$card")
comment_body=$(jq -r '.potentialAction[] | select(."@type" == "ActionCard") | .actions[0].body' <<<"$card")
is "$(jq -r '.potentialAction[] | select(."@type" == "HttpPOST") | .target' <<<"$card")" \
	"$BASE_URL/Connector/Action" "the button posts to /Connector/Action"
like "$comment_body" '\{\{input\.value\}\}' "the comment button carries the typed input"

actions() { sql "SELECT count(*) FROM card_actions WHERE notification_id = '$n'"; }
# click BODY [curl args...]: posts a click as Teams does.
click() {
	local body=$1
	shift
	post_json /Connector/Action "$body" -H 'Content-Type: application/json' "$@"
}

# --- Every bad token: 401, WWW-Authenticate, a problem naming the header, nothing recorded ----
refused() {	# refused NAME CURL-ARGS...: the click is refused with 401 and records nothing
	local name=$1
	shift
	click "$ack_body" "$@"
	is "$STATUS" 401 "$name: 401"
	is "$(jf .field)" Authorization "$name: the problem names the header"
	like "$(header WWW-Authenticate)" '^Bearer' "$name: WWW-Authenticate: Bearer"
	is "$(actions)" 0 "$name: nothing recorded"
}
refused "no token"
refused "expired" -H "Authorization: Bearer $(token '.exp = ($now - 600) | .iat = ($now - 1200) | .nbf = ($now - 1200)')"
refused "not yet valid" -H "Authorization: Bearer $(token '.nbf = ($now + 900)')"
refused "wrong issuer" -H "Authorization: Bearer $(token '.iss = "https://sts.windows.net/evil/"')"
refused "wrong audience" -H "Authorization: Bearer $(token '.aud = "https://other.example.com"')"
refused "wrong app id" -H "Authorization: Bearer $(token '.appid = "00000000-0000-0000-0000-000000000000"')"
refused "no sub" -H "Authorization: Bearer $(token 'del(.sub)')"
refused "bad signature (another key, same kid)" \
	-H "Authorization: Bearer $(jwt_rs256 "$T_DIR/other.pem" "$HDR" "$(claims)")"
t=$(token)
refused "a changed claim under a valid signature" \
	-H "Authorization: Bearer ${t%%.*}.$(claims '.sub = "someone-else"' | b64url).${t##*.}"
refused "alg none" -H "Authorization: Bearer $(jwt_unsigned '{"alg":"none","kid":"k1-'"$run"'"}' "$(claims)")"
refused "HS256 keyed with the public key" \
	-H "Authorization: Bearer $(jwt_hs256 "$T_DIR/k1.pub" '{"alg":"HS256","kid":"k1-'"$run"'"}' "$(claims)")"
refused "a missing kid" -H "Authorization: Bearer $(jwt_rs256 "$T_DIR/k1.pem" '{"alg":"RS256"}' "$(claims)")"
refused "an unknown kid" -H "Authorization: Bearer $(jwt_rs256 "$T_DIR/k1.pem" '{"alg":"RS256","kid":"nope"}' "$(claims)")"
refused "a garbage token" -H "Authorization: Bearer not.a.token"
refused "a token in the wrong header" -H "X-Authorization: Bearer $(token)"
refused "a token under another scheme" -H "Authorization: Token $(token)"
like "$(header WWW-Authenticate)" '^Bearer$' "no token at all: a bare Bearer challenge"
click "$ack_body" -H "Authorization: Bearer $(token '.exp = ($now - 600)')"
like "$(jf .detail)" 'expired' "the problem says why (expired)"

# --- A valid click ----------------------------------------------------------------------------
since=$(now_ms)
click "$ack_body" -H "Authorization: Bearer $(token)"
is "$STATUS" 200 "a valid click: 200"
is "$(header CARD-ACTION-STATUS)" Acknowledged "CARD-ACTION-STATUS carries the action's status"
is "$(header CARD-UPDATE-IN-BODY)" true "the action asked for an updated card: CARD-UPDATE-IN-BODY"
is "$(jf '."@type"')" MessageCard "the body is the updated MessageCard"
is "$(jf '[.potentialAction[]? | select(."@type" == "HttpPOST" or ."@type" == "ActionCard")] | length')" 0 \
	"the updated card has no buttons to click again"
like "$BODY" 'Acknowledged' "the updated card shows the status"
is "$(actions)" 1 "the click is recorded"
is "$(sql "SELECT action_id || ' ' || user_id || ' ' || entity_id || ' ' || coalesce(input, '-') FROM card_actions WHERE notification_id = '$n'")" \
	"ack $user $e -" "with the action, the user (sub), the channel, and no input"
aid=$(sql "SELECT id FROM card_actions WHERE notification_id = '$n'")

# Forwarded to the owner, signed the Standard Webhooks way.
is "$(wait_for "(SELECT state FROM action_callbacks WHERE card_action_id = '$aid') = 'delivered'")" t \
	"the click is forwarded to the owning service"
cb=$(curl -s "$SINK_URL/_received?path=/callbacks/owner&since=$since" | jq -c '.[0]')
cb_body=$(jq -r '.body' <<<"$cb")
cb_id=$(jq -r '.headers["webhook-id"]' <<<"$cb")
cb_ts=$(jq -r '.headers["webhook-timestamp"]' <<<"$cb")
is "$cb_id" "$aid" "webhook-id is the action's id"
[ $((cb_ts - $(date +%s))) -le 5 ] && [ $(($(date +%s) - cb_ts)) -le 60 ]; ok $? "webhook-timestamp is now"
is "$(jq -r '.headers["webhook-signature"]' <<<"$cb")" "$(whsig "$WHSEC" "$cb_id" "$cb_ts" "$cb_body")" \
	"webhook-signature verifies with the shared secret"
unlike "$(jq -r '.headers["webhook-signature"]' <<<"$cb")" "$(whsig "whsec_$(head -c 32 /dev/urandom | base64 -w0)" "$cb_id" "$cb_ts" "$cb_body" | cut -c4-)" \
	"  ...and not with another"
is "$(jq -r '.type + " " + .data.actionId + " " + .data.notificationId + " " + .data.entityId + " " + .data.user.id + " " + .data.idempotencyKey + " " + .data.event' <<<"$cb_body")" \
	"card.action ack $n $e $user $run incidents" "the forwarded body names the click, card, channel, user and event"

# Action-Authorization (the card blanked Authorization) is read too; the typed input is kept,
# even when Teams pastes a quote into the JSON unescaped.
typed='Looks fine, "db-1" is back'
click "${comment_body//\{\{input.value\}\}/$typed}" -H "Action-Authorization: Bearer $(token)"
is "$STATUS" 200 "a click with Action-Authorization: 200"
is "$(header CARD-ACTION-STATUS)" "Comment: sent" "no status given: the button's name and sent"
is "$(header CARD-UPDATE-IN-BODY)" "" "no updated card unless the action asks"
is "$(sql "SELECT input FROM card_actions WHERE notification_id = '$n' AND action_id = 'comment'")" \
	"$typed" "the typed input, quotes and all, is recorded"

# --- Bodies that are not ours ------------------------------------------------------------------
before=$(actions)
forged=$(jq -c '.actionId = "comment"' <<<"$ack_body")
click "$forged" -H "Authorization: Bearer $(token)"
is "$STATUS" 403 "a body whose sig is for another button: 403"
is "$(jf .field)" sig "  ...naming sig"
other=$(new_uuid)
sig=$(printf 'card-action\n%s\n%s\n%s' "$other" "$e" ack | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
click "{\"notificationId\":\"$other\",\"entityId\":\"$e\",\"actionId\":\"ack\",\"sig\":\"$sig\"}" \
	-H "Authorization: Bearer $(token)"
is "$STATUS" 410 "a signed click for a notification that does not exist: 410"
click '{"notificationId":"x"}' -H "Authorization: Bearer $(token)"
is "$STATUS:$(jf .field)" 400:notificationId "a malformed body: 400 naming the field"
post_json /Connector/Action "$ack_body" -H "Authorization: Bearer $(token)" -H 'Content-Type: text/plain'
is "$STATUS" 415 "a body that is not JSON: 415"
click '{"notificationId":' -H "Authorization: Bearer $(token)"
is "$STATUS" 400 "broken JSON: 400"
is "$(actions)" "$before" "none of these recorded anything"

# --- Key rotation: SIGHUP loads the new file; a broken file keeps the keys loaded ----------------
jwt_jwks "$JWKS" "$T_DIR/k2.pem:k2-$run"
hup_fcgi; ok $? "SIGHUP after rotating the key file"
click "$ack_body" -H "Authorization: Bearer $(token)"
is "$STATUS" 401 "the retired key no longer verifies"
click "$ack_body" -H "Authorization: Bearer $(jwt_rs256 "$T_DIR/k2.pem" "{\"alg\":\"RS256\",\"kid\":\"k2-$run\"}" "$(claims)")"
is "$STATUS" 200 "the new key does"
echo '{"keys": broken' >"$JWKS"
for p in $(fcgi_pids); do kill -HUP "$p"; done
sleep 0.5
click "$ack_body" -H "Authorization: Bearer $(jwt_rs256 "$T_DIR/k2.pem" "{\"alg\":\"RS256\",\"kid\":\"k2-$run\"}" "$(claims)")"
is "$STATUS" 200 "a broken key file is not loaded: the keys before it stay"
like "$(grep 'keys not reloaded' "$CONNECTOR_LOG" | tail -n 1)" 'action_jwks_file' \
	"  ...and the log says which file failed"

# --- connectorctl jwks fetch: an OpenID configuration followed to its JWKS, checked, written ----
www=$T_DIR/www
mkdir -p "$www"
port=$((${BASE_URL##*:} + 7))
jwt_jwks "$www/keys.json" "$T_DIR/k1.pem:k1-$run" "$T_DIR/k2.pem:k2-$run"
echo "{\"issuer\":\"$ISS\",\"jwks_uri\":\"http://127.0.0.1:$port/keys.json\"}" >"$www/openid-configuration"
echo '{"not":"keys"}' >"$www/bad.json"
python3 -m http.server --bind 127.0.0.1 --directory "$www" "$port" >/dev/null 2>&1 &
web=$!
at_exit "kill $web 2>/dev/null"
for i in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
ctl() { "${STACK_BIN:-$(dirname "$0")/../../fcgi}/connectorctl" "$@"; }
out=$(ctl jwks fetch "http://127.0.0.1:$port/openid-configuration" --out "$T_DIR/fetched.json" --allow-http 2>&1)
ok $? "jwks fetch: exit 0"
like "$out" 'following jwks_uri' "  ...it followed the OpenID configuration's jwks_uri"
is "$(jq -r '[.keys[].kid] | join(" ")' "$T_DIR/fetched.json")" "k1-$run k2-$run" "  ...and wrote both keys"
ctl jwks fetch "http://127.0.0.1:$port/bad.json" --out "$T_DIR/fetched.json" --allow-http >/dev/null 2>&1
is "$?" 1 "jwks fetch of something that is not a JWKS: exit 1"
is "$(jq -r '.keys | length' "$T_DIR/fetched.json")" 2 "  ...and the file is left as it was"
ctl jwks fetch "http://127.0.0.1:$port/keys.json" --out "$T_DIR/fetched.json" >/dev/null 2>&1
is "$?" 1 "jwks fetch refuses http:// unless --allow-http"

logs_lack "no token or callback secret in any log" "$(token)" "${WHSEC#whsec_}" "$user"
done_testing
