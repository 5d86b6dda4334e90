#!/usr/bin/env bash
# t02_save.sh: POST /Connector/Save stores exactly what it is given, and refuses every bad input without touching the table.
. "$(dirname "$0")/lib.sh"

port=${BASE_URL##*:}
SINK="http://127.0.0.1:$((port + 1))"	# the extra webhook host of the local stack

at_exit forget_rows	# refused saves get ids from fresh too, in case one is wrongly accepted

workflow_url() {	# workflow_url VAR: a fresh URL shaped like a Workflows (Logic Apps) trigger
	local w s
	w=$(rand_hex 16) s=$(rand_hex 20)
	printf -v "$1" '%s' "https://prod-27.westeurope.logic.azure.com:443/workflows/$w/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=$s"
	SECRETS+=("${!1}" "$w" "$s")
}

fast_sessions
page_token
like "$CSRF_TOKEN" '^[0-9]+\.[0-9a-f]{32}\.[0-9a-f]{64}$' "Setup gives a CSRF token"

# --- A connector webhook: every column as sent -----------------------------------------------
fresh E1; connector_url W1; user_id U1
save_json "$(config_body "$E1" "Deploys to prod" "$W1" teams "$U1" '["deployments","builds"]')"
is "$STATUS" 200 "save a new configuration: 200"
like "$(header Content-Type)" '^application/json' "save answers JSON"
is "$(jf 'keys | join(",")')" "configName,entityId,events" "the answer has entityId, configName, events only"
is "$(jf .entityId)" "$E1" "the answer gives the entityId"
is "$(jf .configName)" "Deploys to prod" "the answer gives the configName"
is "$(jf '.events | join(",")')" "deployments,builds" "the answer gives the events in order"
lacks "$BODY" "$W1" "the answer does not hold the webhook URL"
lacks "$BODY" "$U1" "the answer does not hold the userObjectId"
lacks "$(cat "$HEADERS")" "$W1" "the answer headers do not hold the webhook URL"
is "$(row "$E1" 'count(*)')" 1 "one row for the entity"
is "$(row "$E1" config_name)" "Deploys to prod" "config_name stored"
is "$(row "$E1" content_url)" "$BASE_URL/Connector/Edit?entityId=$E1" "content_url stored"
is "$(row "$E1" "webhook_url = '$W1'")" t "webhook_url stored as sent"
is "$(row "$E1" webhook_kind)" connector "a /webhookb2/ URL is a connector webhook"
is "$(row "$E1" app_type)" teams "app_type stored"
is "$(row "$E1" "user_object_id = '$U1'")" t "user_object_id stored"
is "$(row "$E1" events)" "{deployments,builds}" "events stored"
is "$(row "$E1" "disabled_at IS NULL AND disabled_reason IS NULL")" t "a new configuration is active"
is "$(row "$E1" "created_at = updated_at")" t "created_at and updated_at start equal"

# --- Workflows webhooks (nothing listens there: only the validator is asked) ----------------
fresh E2; workflow_url W2; user_id U2
save_json "$(config_body "$E2" "Incidents" "$W2" groups "$U2" '["incidents"]')"
is "$STATUS" 200 "save with a logic.azure.com Workflows URL: 200"
lacks "$BODY" "$W2" "the answer does not hold the Workflows URL"
is "$(row "$E2" webhook_kind)" workflow "a logic.azure.com URL is a workflow webhook"
is "$(row "$E2" "webhook_url = '$W2'")" t "the Workflows URL is stored with its query intact"
is "$(row "$E2" app_type)" groups "app_type groups stored"
is "$(row "$E2" events)" "{incidents}" "one event stored"

fresh E3; user_id U3
pp=$(rand_hex 16)
W3="https://default$(rand_hex 8).02.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/$pp/triggers/manual/paths/invoke?api-version=1"
SECRETS+=("$W3" "$pp")
save_json "$(config_body "$E3" "Builds" "$W3" mail "$U3" '["builds"]')"
is "$STATUS" 200 "save with an api.powerplatform.com URL: 200"
is "$(row "$E3" webhook_kind)" workflow "an api.powerplatform.com URL is a workflow webhook"
is "$(row "$E3" app_type)" mail "app_type mail stored"

# The local sink is allowed over plain http; its kind comes from the path.
fresh E4; user_id U4; s4=$(rand_hex 16); W4="$SINK/webhookb2/$s4"; SECRETS+=("$W4" "$s4")
save_json "$(config_body "$E4" "Sink" "$W4" teams "$U4" '["builds"]')"
is "$STATUS" 200 "save with the configured extra host over http: 200"
is "$(row "$E4" webhook_kind)" connector "the extra host with /webhookb2/ is a connector webhook"
fresh E5; user_id U5; s5=$(rand_hex 16); W5="$SINK/workflows/$s5"; SECRETS+=("$W5" "$s5")
save_json "$(config_body "$E5" "Sink flow" "$W5" teams "$U5" '["builds"]')"
is "$STATUS" 200 "save with the extra host and /workflows/: 200"
is "$(row "$E5" webhook_kind)" workflow "the extra host with /workflows/ is a workflow webhook"

fresh E8; user_id U8; s8=$(rand_hex 16); W8="https://outlook.office.com/webhook/$s8"; SECRETS+=("$W8" "$s8")
save_json "$(config_body "$E8" "Outlook" "$W8" mail "$U8" '["incidents"]')"
is "$STATUS" 200 "save with an outlook.office.com URL: 200"
is "$(row "$E8" webhook_kind)" connector "an outlook.office.com URL is a connector webhook"

# Ids may come in upper case; they are stored and answered in lower case.
fresh E6; connector_url W6; user_id U6
upper6=$(printf '%s' "$E6" | tr a-f A-F)
save_json "$(config_body "$upper6" "Upper" "$W6" teams "$(printf '%s' "$U6" | tr a-f A-F)" '["builds"]')"
is "$STATUS" 200 "save with upper-case entityId and userObjectId: 200"
is "$(jf .entityId)" "$E6" "the answer gives the entityId in lower case"
is "$(row "$E6" 'count(*)')" 1 "the row is found under the lower-case id"
is "$(row "$E6" "user_object_id = '$U6'")" t "the upper-case userObjectId is the same GUID"
lacks "$BODY" "$U6" "the answer does not hold the upper-case userObjectId"

# Length counts characters, not bytes: 100 two-byte characters are fine.
fresh E7; connector_url W7; user_id U7
name100=$(jq -nr '"é" * 100')
save_json "$(config_body "$E7" "$name100" "$W7" teams "$U7" '["builds"]')"
is "$STATUS" 200 "a configName of 100 'é' (200 bytes) is accepted"
is "$(row "$E7" 'char_length(config_name)')" 100 "all 100 characters are stored"
is "$(jf .configName)" "$name100" "the answer gives the name back intact"

# --- Saving again updates the same row -------------------------------------------------------
created=$(row "$E1" created_at)
updated=$(row "$E1" updated_at)
user_id U1b
save_json "$(config_body "$E1" "Deploys, renamed" "$W1" mail "$U1b" '["incidents"]')" \
	-H 'Content-Type: application/json; charset=utf-8'
is "$STATUS" 200 "save again with the same webhook: 200"
is "$(jf '.events | join(",")')" "incidents" "the answer gives the new events"
lacks "$BODY" "$U1b" "the answer does not hold the new userObjectId"
is "$(row "$E1" 'count(*)')" 1 "still one row for the entity"
is "$(row "$E1" created_at)" "$created" "created_at is kept"
is "$(row "$E1" "updated_at > '$updated'")" t "updated_at moves forward"
is "$(row "$E1" config_name)" "Deploys, renamed" "the new name is stored"
is "$(row "$E1" events)" "{incidents}" "the new events are stored"
is "$(row "$E1" app_type)" mail "the new app_type is stored"
is "$(row "$E1" "user_object_id = '$U1b'")" t "the new user_object_id is stored"
is "$(row "$E1" "webhook_url = '$W1'")" t "the webhook URL is unchanged"

# Another webhook for an existing entity is refused: only Remove may drop the old one.
connector_url W1other
expect_refused 403 webhookUrl "save an existing entity with another webhook" \
	save_json "$(config_body "$E1" "Hijack" "$W1other" teams "$U1" '["builds"]')"
lacks "$BODY" "$W1other" "the refusal does not echo the webhook URL"
is "$(row "$E1" config_name)" "Deploys, renamed" "the row keeps its name after the refusal"

# --- Bad inputs: each refused with a problem naming the field; no row changes -----------------
connector_url WB; user_id UB
mark=$(rand_hex 8)	# in every bad webhook URL below, so the log check covers them too
SECRETS+=("$mark")
# The control: the body every case below alters is itself accepted, so each refusal comes
# from its one change.
fresh EC
save_json "$(config_body "$EC" Refused "$WB" teams "$UB" '["builds"]')"
is "$STATUS" 200 "control: the unaltered body of the bad cases is accepted"
# bad NAME FIELD JQ-FILTER [STATUS]: a save of a fresh entity, altered by FILTER, must be refused.
# The filter sees $base (our public base URL), $id (the entity), $other (another UUID), $mark
# and $sink. Cases are collected, their bodies made by one jq run, then sent by run_bad.
B_NAME=() B_FIELD=() B_FILTER=() B_STATUS=() B_ID=()
bad() {
	local id
	fresh id
	B_NAME+=("$1") B_FIELD+=("$2") B_FILTER+=("$3") B_STATUS+=("${4:-400}") B_ID+=("$id")
}
run_bad() {
	local i n=${#B_NAME[@]} prog="" ids bodies
	for ((i = 0; i < n; i++)); do
		prog+="${prog:+, }(\$ids[$i] as \$id | base(\$id) | ${B_FILTER[$i]})"
	done
	ids=$(printf '"%s",' "${B_ID[@]}")
	mapfile -t bodies < <(jq -nc --argjson ids "[${ids%,}]" --arg base "$BASE_URL" \
		--arg other "$(new_uuid)" --arg mark "$mark" --arg sink "$SINK" \
		--argjson tmpl "$(config_body 00000000-0000-0000-0000-000000000000 Refused "$WB" teams \
			"$UB" '["builds"]')" \
		"def base(\$id): \$tmpl | .entityId = \$id |
			.contentUrl = (\$base + \"/Connector/Edit?entityId=\" + \$id); $prog")
	is "${#bodies[@]}" "$n" "every bad body was made"
	for ((i = 0; i < n; i++)); do
		expect_refused "${B_STATUS[$i]}" "${B_FIELD[$i]}" "${B_NAME[$i]}" save_json "${bodies[$i]}"
	done
	B_NAME=() B_FIELD=() B_FILTER=() B_STATUS=() B_ID=()
}

for f in entityId configName contentUrl webhookUrl appType userObjectId events; do
	bad "missing $f" "$f" "del(.$f)"
done
bad "null configName" configName '.configName = null'
for f in entityId configName contentUrl webhookUrl appType userObjectId; do
	bad "number for $f" "$f" ".$f = 42"
done
bad "boolean for configName" configName '.configName = true'
bad "object for webhookUrl" webhookUrl '.webhookUrl = {url: "x"}'
bad "string for events" events '.events = "builds"'
bad "object for events" events '.events = {builds: true}'
bad "number in events" events '.events = [1]'
bad "null in events" events '.events = ["builds", null]'
bad "array in events" events '.events = [["builds"]]'

bad "configName of 101 characters" configName '.configName = ("a" * 101)'
bad "configName of 101 'é'" configName '.configName = ("é" * 101)'
bad "empty configName" configName '.configName = ""'
bad "blank configName" configName '.configName = "    "'
bad "configName with a control character" configName '.configName = "a\u0001b"'
bad "configName with a newline" configName '.configName = "line\nbreak"'
bad "configName with a tab" configName '.configName = "a\tb"'
bad "configName with DEL" configName '.configName = "a\u007fb"'
bad "configName with NUL" configName '.configName = "a\u0000b"'

bad "entityId not a UUID" entityId '.entityId = "not-a-uuid"'
bad "entityId without dashes" entityId '.entityId = ($id | gsub("-"; ""))'
bad "entityId with a non-hex digit" entityId '.entityId = ("g" + $id[1:])'
bad "entityId one digit too long" entityId '.entityId = ($id + "0")'
bad "entityId in braces" entityId '.entityId = ("{" + $id + "}")'
bad "entityId with spaces around" entityId '.entityId = (" " + $id)'
bad "userObjectId not a GUID" userObjectId '.userObjectId = "me"'
bad "userObjectId with a non-hex digit" userObjectId '.userObjectId = ("z" + $other[1:])'
bad "userObjectId one digit short" userObjectId '.userObjectId = $other[:35]'

bad "unknown appType" appType '.appType = "chat"'
bad "appType in another case" appType '.appType = "Teams"'
bad "empty appType" appType '.appType = ""'

bad "unknown category" events '.events = ["builds", "payroll"]'
bad "category in another case" events '.events = ["Builds"]'
bad "repeated category" events '.events = ["builds", "builds"]'
bad "repeated category among others" events '.events = ["builds", "incidents", "builds"]'
bad "more events than categories" events '.events = ["builds", "incidents", "deployments", "builds"]'
bad "empty events" events '.events = []'

bad "contentUrl for another entity" contentUrl \
	'.contentUrl = ($base + "/Connector/Edit?entityId=" + $other)'
bad "contentUrl on another host" contentUrl \
	'.contentUrl = ("https://evil.example.com/Connector/Edit?entityId=" + $id)'
bad "contentUrl with the id in upper case" contentUrl \
	'.contentUrl = ($base + "/Connector/Edit?entityId=" + ($id | ascii_upcase))'
bad "contentUrl with more query" contentUrl '.contentUrl += "&x=1"'
bad "contentUrl of another page" contentUrl \
	'.contentUrl = ($base + "/Connector/Setup?entityId=" + $id)'

bad "http webhook on a Teams host" webhookUrl '.webhookUrl |= sub("^https:"; "http:")'
bad "https webhook on a Teams host with another port" webhookUrl \
	'.webhookUrl |= sub("\\.com/"; ".com:8443/")'
bad "webhook on a foreign host" webhookUrl '.webhookUrl = ("https://evil.example.com/webhookb2/" + $mark)'
bad "webhook with user info" webhookUrl '.webhookUrl = ("https://a@x.webhook.office.com/webhookb2/" + $mark)'
bad "webhook with user and password" webhookUrl \
	'.webhookUrl = ("https://a:b@x.webhook.office.com/webhookb2/" + $mark)'
bad "webhook host ending in a Teams host name" webhookUrl \
	'.webhookUrl = ("https://x.webhook.office.com.evil.example.com/webhookb2/" + $mark)'
bad "webhook on a look-alike host" webhookUrl \
	'.webhookUrl = ("https://evilwebhook.office.com/webhookb2/" + $mark)'
bad "webhook on the bare suffix host" webhookUrl \
	'.webhookUrl = ("https://webhook.office.com/webhookb2/" + $mark)'
bad "webhook without a path" webhookUrl '.webhookUrl = "https://x.webhook.office.com"'
bad "webhook with a fragment" webhookUrl '.webhookUrl = ("https://x.webhook.office.com/webhookb2/" + $mark + "#f")'
bad "webhook with a space" webhookUrl '.webhookUrl = ("https://x.webhook.office.com/webhook b2/" + $mark)'
bad "webhook of another scheme" webhookUrl '.webhookUrl = ("ftp://x.webhook.office.com/webhookb2/" + $mark)'
bad "javascript: webhook" webhookUrl '.webhookUrl = "javascript:alert(1)"'
bad "webhook on the extra host's other port" webhookUrl \
	'.webhookUrl = ($sink | sub(":[0-9]+$"; ":1")) + "/webhookb2/" + $mark'
bad "webhook on the extra host without its port" webhookUrl \
	'.webhookUrl = "http://127.0.0.1/webhookb2/" + $mark'
bad "webhook on localhost instead of the extra host" webhookUrl \
	'.webhookUrl = ($sink | sub("127.0.0.1"; "localhost")) + "/webhookb2/" + $mark'
bad "webhook over 2048 characters" webhookUrl \
	'.webhookUrl = ("https://x.webhook.office.com/webhookb2/" + $mark + ("a" * 2048))'

run_bad

# The client's field name is only quoted in the detail.
bad "unknown extra field" "" '.extra = 1'
run_bad
like "$(jf .field)" '.' "unknown extra field: the problem has a field member"
like "$(jf .detail)" '"extra"' "unknown extra field: the detail names it"

# --- The page's guards: Origin, CSRF token, media type, body ----------------------------------
fresh EG
good=$(config_body "$EG" "Guarded" "$WB" teams "$UB" '["builds"]')
json=(-H 'Content-Type: application/json')
mac=${CSRF_TOKEN##*.}
rest=${CSRF_TOKEN%.*}
nonce=${rest#*.}
flip() {	# flip HEX: HEX with its first digit changed
	local c=${1:0:1}
	[ "$c" = 0 ] && c=1 || c=0
	printf '%s%s' "$c" "${1:1}"
}
expect_refused 403 X-CSRF-Token "save without a CSRF token" \
	post_json /Connector/Save "$good" "${json[@]}" -H "Origin: $BASE_URL"
expect_refused 403 X-CSRF-Token "save with an empty CSRF token" \
	post_json /Connector/Save "$good" "${json[@]}" -H "Origin: $BASE_URL" -H 'X-CSRF-Token;'
expect_refused 403 X-CSRF-Token "save with one hex digit of the signature changed" \
	post_json /Connector/Save "$good" "${json[@]}" -H "Origin: $BASE_URL" \
	-H "X-CSRF-Token: $rest.$(flip "$mac")"
expect_refused 403 X-CSRF-Token "save with one hex digit of the nonce changed" \
	post_json /Connector/Save "$good" "${json[@]}" -H "Origin: $BASE_URL" \
	-H "X-CSRF-Token: ${rest%%.*}.$(flip "$nonce").$mac"
expect_refused 403 X-CSRF-Token "save with an expired-looking token" \
	post_json /Connector/Save "$good" "${json[@]}" -H "Origin: $BASE_URL" \
	-H "X-CSRF-Token: 1000000000.$nonce.$mac"
expect_refused 403 X-CSRF-Token "save with a token expiring far in the future" \
	post_json /Connector/Save "$good" "${json[@]}" -H "Origin: $BASE_URL" \
	-H "X-CSRF-Token: 99999999999.$nonce.$mac"
expect_refused 403 X-CSRF-Token "save with an upper-cased signature" \
	post_json /Connector/Save "$good" "${json[@]}" -H "Origin: $BASE_URL" \
	-H "X-CSRF-Token: $rest.$(printf '%s' "$mac" | tr a-f A-F)"
expect_refused 403 X-CSRF-Token "save with a garbage token" \
	post_json /Connector/Save "$good" "${json[@]}" -H "Origin: $BASE_URL" -H 'X-CSRF-Token: abc'
expect_refused 403 Origin "save without an Origin" \
	post_json /Connector/Save "$good" "${json[@]}" -H "X-CSRF-Token: $CSRF_TOKEN"
expect_refused 403 Origin "save from another Origin" \
	post_json /Connector/Save "$good" "${json[@]}" -H "X-CSRF-Token: $CSRF_TOKEN" \
	-H 'Origin: https://evil.example.com'
expect_refused 403 Origin "save from Origin null" \
	post_json /Connector/Save "$good" "${json[@]}" -H "X-CSRF-Token: $CSRF_TOKEN" -H 'Origin: null'
expect_refused 403 Origin "save from our Origin with a path" \
	post_json /Connector/Save "$good" "${json[@]}" -H "X-CSRF-Token: $CSRF_TOKEN" \
	-H "Origin: $BASE_URL/"
expect_refused 403 Origin "save from our host on another port" \
	post_json /Connector/Save "$good" "${json[@]}" -H "X-CSRF-Token: $CSRF_TOKEN" \
	-H "Origin: ${BASE_URL%:*}:$((port + 1))"
page=(-H "X-CSRF-Token: $CSRF_TOKEN" -H "Origin: $BASE_URL")
expect_refused 415 Content-Type "save as text/plain" \
	post_json /Connector/Save "$good" "${page[@]}" -H 'Content-Type: text/plain'
expect_refused 415 Content-Type "save as a form" \
	post_json /Connector/Save "$good" "${page[@]}" -H 'Content-Type: application/x-www-form-urlencoded'
expect_refused 415 Content-Type "save as JSON in another charset" \
	post_json /Connector/Save "$good" "${page[@]}" -H 'Content-Type: application/json; charset=latin1'
expect_refused 400 body "save with malformed JSON" save_json '{"entityId": '
expect_refused 400 body "save with data after the JSON object" save_json "$good{}"
expect_refused 400 body "save with an empty body" save_json ''
expect_refused 400 body "save with a JSON array" save_json "[$good]"
expect_refused 400 body "save with a JSON string" save_json '"hello"'
expect_refused 400 body "save with NaN" save_json "${good%\}},\"n\":NaN}"
expect_refused 400 body "save with Infinity" save_json "${good%\}},\"n\":-Infinity}"
expect_refused 400 body "save with invalid UTF-8" save_json "${good%\}},\"n\":\"$(printf '\xff\xfe')\"}"
expect_refused 400 body "save with JSON nested too deep" \
	save_json "${good%\}},\"n\":$(printf '[%.0s' {1..40})$(printf ']%.0s' {1..40})}"
big=$(jq -nc --arg pad "$(head -c 70000 /dev/zero | tr '\0' a)" '{pad: $pad}')
is "$(( ${#big} > 65536 ))" 1 "the oversize body is above 65536 bytes"
expect_refused 413 body "save with a 70000-byte body" save_json "$big"
is "$(jf .type)" "urn:teams-connector:problem:body-too-large" "the oversize body is refused as too large"

is "$(row "$EG" 'count(*)')" 0 "no refused save stored its entity"

# --- Nothing secret reached the logs ------------------------------------------------------------
sleep 0.2	# nginx writes its access line once the answer is sent
like "$(grep -c "entity=$E1" "$CONNECTOR_LOG")" '^[1-9]' "the connector log is the one this stack writes"
logs_lack "no webhook URL or user object id of this test is in the connector or nginx logs" \
	"${SECRETS[@]}"

forget_rows
is "$(row "$E1" 'count(*)')" 0 "the rows of this test are gone"
done_testing
