#!/usr/bin/env bash
# t07_delivery.sh: cards reach the sink, and every Teams answer class ends the delivery as it should.
. "$(dirname "$0")/lib.sh"
: "${API_KEY:?API_KEY is not set: run through scripts/stack test}"
: "${SINK_URL:?SINK_URL is not set: run through scripts/stack test}"

page_token
token=$CSRF_TOKEN
run=t07-$(new_uuid | cut -c1-8)
# channel PATH-AND-QUERY EVENT: saves a configuration whose webhook is the sink at that path.
channel() {
	local id
	id=$(new_uuid)
	req POST /Connector/Save -H 'Content-Type: application/json' -H "Origin: $BASE_URL" \
		-H "X-CSRF-Token: $token" --data "{\"entityId\":\"$id\",\"configName\":\"$run\",
		\"contentUrl\":\"$BASE_URL/Connector/Edit?entityId=$id\",\"webhookUrl\":\"$SINK_URL$1\",
		\"appType\":\"teams\",\"userObjectId\":\"$(new_uuid)\",\"events\":[\"${2:-incidents}\"]}"
	[ "$STATUS" = 200 ] || echo "# channel: save answered $STATUS: $BODY" >&2
	echo "$id"
}
# send ENTITY TITLE: one notification to that channel; prints the delivery id.
send() {
	req POST /api/v1/notifications -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $API_KEY" --data "{\"event\":\"incidents\",\"title\":\"$2\",
		\"text\":\"Something happened\",\"facts\":[{\"name\":\"Run\",\"value\":\"$run\"}],
		\"url\":\"https://example.com/i/1\",\"severity\":\"critical\",
		\"idempotencyKey\":\"$run-$(new_uuid)\",\"entityId\":\"$1\"}"
	sql "SELECT d.id FROM deliveries d WHERE d.notification_id = '$(jf .notificationId)'"
}
field() { sql "SELECT $2 FROM deliveries WHERE id = $1"; }
received() { curl -s "$SINK_URL/_received?path=$(jq -rn --arg p "$1" '$p|@uri')"; }

# A connector webhook gets a MessageCard and answers 200 "1": delivered.
e=$(channel "/webhookb2/$run-ok")
d=$(send "$e" "$run connector")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'delivered'")" t "connector webhook: delivered"
card=$(received "/webhookb2/$run-ok" | jq -c '.[0].json')
is "$(jq -r '."@type"' <<<"$card")" MessageCard "a MessageCard reached the sink"
is "$(jq -r '."@context"' <<<"$card")" https://schema.org/extensions "with the MessageCard context"
is "$(jq -r '.title' <<<"$card")" "$run connector" "with the title"
is "$(jq -r '.themeColor' <<<"$card")" D13438 "critical severity colours the card"
is "$(jq -r '.sections[0].facts[0].value' <<<"$card")" "$run" "facts go into a section"
is "$(jq -r '.potentialAction[0].targets[0].uri' <<<"$card")" https://example.com/i/1 "an open-link action"
is "$(field "$d" "attempts || ' ' || last_status")" "1 200" "one attempt, status 200"
is "$(sql "SELECT outcome || ' ' || http_status FROM delivery_attempts WHERE delivery_id = $d")" \
	"delivered 200" "the attempt is recorded"

# A Workflows webhook gets an Adaptive Card in the message envelope and answers 202: delivered.
e=$(channel "/workflows/$run-ok")
d=$(send "$e" "$run workflow")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'delivered'")" t "Workflows webhook: 202 counts as delivered"
msg=$(received "/workflows/$run-ok" | jq -c '.[0].json')
is "$(jq -r '.type' <<<"$msg")" message "the message envelope"
is "$(jq -r '.attachments[0].contentType' <<<"$msg")" application/vnd.microsoft.card.adaptive "holds an Adaptive Card"
is "$(jq -r '.attachments[0].contentUrl' <<<"$msg")" null "contentUrl is null"
is "$(jq -r '.attachments[0].content.version' <<<"$msg")" 1.4 "version 1.4"
is "$(jq -r '.attachments[0].content.actions[0].type' <<<"$msg")" Action.OpenUrl "an OpenUrl action"
is "$(jq -r '.attachments[0].content.body[0].color' <<<"$msg")" Attention "critical is Attention"

# 200 carrying "HTTP error 429" is a throttle, not a success: retried no sooner than
# retry_throttle (60 s by default; the stack sets 4 s so the tests do not wait a minute).
e=$(channel "/webhookb2/$run-throttle?mode=throttle")
d=$(send "$e" "$run throttled")
is "$(wait_for "(SELECT attempts FROM deliveries WHERE id = $d) = 1 AND (SELECT lease_until IS NULL AND last_status = 200 FROM deliveries WHERE id = $d)")" t \
	"a throttled answer is recorded"
is "$(field "$d" state)" pending "a 200 with an error inside is not delivered"
is "$(sql "SELECT outcome FROM delivery_attempts WHERE delivery_id = $d")" throttled "classified as throttled"
is "$(field "$d" "next_attempt_at >= last_attempt_at + interval '3.9 seconds'")" t \
	"the next attempt waits at least retry_throttle"

# 200 carrying "HTTP error 400": a permanent failure, never retried.
e=$(channel "/webhookb2/$run-bad?mode=badrequest")
d=$(send "$e" "$run bad")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'failed'")" t "Teams error 400 inside a 200 fails for good"
like "$(field "$d" last_error)" '400' "the reason names the embedded status"

# A Workflows 400: permanent too.
e=$(channel "/workflows/$run-bad?mode=badrequest")
d=$(send "$e" "$run bad wf")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'failed'")" t "Workflows 400 fails for good"

# 410 Gone: the configuration is disabled and its pending deliveries end.
e=$(channel "/webhookb2/$run-gone?mode=gone")
sql "UPDATE configurations SET events = events WHERE entity_id = '$e'" >/dev/null
d=$(send "$e" "$run gone")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'cancelled'")" t "410: the delivery is cancelled"
is "$(sql "SELECT disabled_at IS NOT NULL FROM configurations WHERE entity_id = '$e'")" t "and the configuration disabled"
like "$(sql "SELECT disabled_reason FROM configurations WHERE entity_id = '$e'")" '410' "with the reason stored"
req POST /api/v1/notifications -H 'Content-Type: application/json' -H "Authorization: Bearer $API_KEY" \
	--data "{\"event\":\"incidents\",\"title\":\"after gone\",\"idempotencyKey\":\"$run-$(new_uuid)\",\"entityId\":\"$e\"}"
is "$(jf .deliveries)" 0 "a disabled configuration gets no new deliveries"
req GET "/Connector/Edit?entityId=$e"
like "$BODY" 'Delivery to this channel has stopped' "the Edit page says delivery stopped"

# 500 once, then fine: retried after the backoff and delivered on the second attempt.
e=$(channel "/webhookb2/$run-err?mode=error&times=1")
d=$(send "$e" "$run retry")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'delivered'" 15)" t "a 500 is retried and then delivered"
is "$(field "$d" attempts)" 2 "on the second attempt"
is "$(sql "SELECT string_agg(outcome, ',' ORDER BY attempt) FROM delivery_attempts WHERE delivery_id = $d")" \
	"retry,delivered" "both attempts recorded"

# The connection reset by the peer, once: retried.
e=$(channel "/webhookb2/$run-reset?mode=reset&times=1")
d=$(send "$e" "$run reset")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'delivered'" 15)" t "a reset connection is retried and delivered"
is "$(received "/webhookb2/$run-reset" | jq -r '.[0].answered')" reset "the sink did reset the first post"

# An answer slower than the timeout: abandoned at send_timeout, retried.
e=$(channel "/webhookb2/$run-slow?mode=slow&times=1")
d=$(send "$e" "$run slow")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'delivered'" 20)" t "a timed-out attempt is retried and delivered"
dur=$(sql "SELECT duration_ms FROM delivery_attempts WHERE delivery_id = $d AND attempt = 1")
ok "$([ "$dur" -ge 2900 ] && [ "$dur" -lt 6000 ]; echo $?)" "the slow attempt ended at the timeout (${dur} ms)"

# Retry-After is honoured: a Workflows 429 asking for 7 s (more than backoff and throttle).
e=$(channel "/workflows/$run-ra?mode=retryafter&after=7&times=1")
d=$(send "$e" "$run retry-after")
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'delivered'" 20)" t "429 with Retry-After, then delivered"
gap=$(received "/workflows/$run-ra" | jq '.[1].arrivedMs - .[0].arrivedMs')
ok "$([ "${gap:-0}" -ge 7000 ]; echo $?)" "the retry came after Retry-After (${gap} ms)"

# After max_attempts (5 in the stack) the delivery is dead.
e=$(channel "/webhookb2/$run-dead?mode=error")
d=$(send "$e" "$run dead")
wait_for "(SELECT attempts FROM deliveries WHERE id = $d) >= 1 AND (SELECT lease_until IS NULL FROM deliveries WHERE id = $d)" >/dev/null
sql "UPDATE deliveries SET attempts = 4, next_attempt_at = now() WHERE id = $d" >/dev/null
sql "NOTIFY deliveries" >/dev/null
is "$(wait_for "(SELECT state FROM deliveries WHERE id = $d) = 'dead'" 10)" t "the fifth failed attempt makes it dead"
out=$("$(dirname "$0")/../../fcgi/connectorctl" deliveries replay "$d")
is "$out" "1 delivery queued again" "connectorctl deliveries replay queues it again"
is "$(wait_for "(SELECT count(*) FROM delivery_attempts WHERE delivery_id = $d) = 6" 10)" t \
	"and a worker attempts it once more"
list=$("$(dirname "$0")/../../fcgi/connectorctl" deliveries --state pending --limit 1000)
like "$list" "^$d +pending" "connectorctl deliveries lists it"
unlike "$list" "$run-dead" "with the webhook URL redacted"
sql "UPDATE configurations SET disabled_at = now(), disabled_reason = 'test done' WHERE entity_id = '$e'" >/dev/null

# Actions: a connector card carries signed HttpPOST buttons (the signature computed here with
# openssl from the configured csrf_secret); a Workflows card gets only links.
secret=$(sed -n 's/^csrf_secret *= *//p' "$CONNECTOR_CONFIG")
base=$(sed -n 's/^public_base_url *= *//p' "$CONNECTOR_CONFIG")
sig() { printf 'card-action\n%s\n%s\n%s' "$1" "$2" "$3" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //'; }
actions='[{"type":"openUrl","name":"Runbook","url":"https://wiki.example.com/rb"},
	{"type":"httpPost","id":"ack","name":"Acknowledge"},
	{"type":"httpPost","id":"note","name":"Add a note","input":{"title":"Your note","multiline":true},
	 "url":"https://ops.example.com/n"}]'
# send_actions ENTITY TITLE: a notification with a url and the actions; prints its id.
send_actions() {
	req POST /api/v1/notifications -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $API_KEY" --data "{\"event\":\"incidents\",\"title\":\"$2\",
		\"url\":\"https://example.com/i/1\",\"actions\":$actions,
		\"idempotencyKey\":\"$run-$(new_uuid)\",\"entityId\":\"$1\"}"
	jf .notificationId
}
e=$(channel "/webhookb2/$run-actions")
nid=$(send_actions "$e" "$run actions")
like "$nid" '^[0-9a-f-]{36}$' "a notification with actions is accepted"
is "$(sql "SELECT payload->'actions'->1->>'status' FROM notifications WHERE id = '$nid'")" \
	"Acknowledge: sent" "its actions are stored, normalised (a default status)"
is "$(wait_for "(SELECT state FROM deliveries WHERE notification_id = '$nid') = 'delivered'")" t \
	"the card with actions is delivered"
card=$(received "/webhookb2/$run-actions" | jq -c '.[0].json')
is "$(jq -r '[.potentialAction[] | ."@type"] | join(",")' <<<"$card")" \
	"OpenUri,OpenUri,HttpPOST,ActionCard" "the MessageCard has Open, the link, an HttpPOST, an ActionCard"
post=$(jq -c '.potentialAction[2]' <<<"$card")
is "$(jq -r '.target' <<<"$post")" "$base/Connector/Action" "the HttpPOST posts to /Connector/Action"
is "$(jq -r '.bodyContentType' <<<"$post")" application/json "as JSON"
body=$(jq -r '.body' <<<"$post")
is "$(jq -r '.notificationId' <<<"$body")" "$nid" "its body names the notification"
is "$(jq -r '.entityId' <<<"$body")" "$e" "and the channel"
is "$(jq -r '.actionId' <<<"$body")" ack "and the button"
is "$(jq -r '.sig' <<<"$body")" "$(sig "$nid" "$e" ack)" "signed: HMAC-SHA256 with csrf_secret"
inner=$(jq -c '.potentialAction[3]' <<<"$card")
is "$(jq -r '.inputs[0].id + " " + (.inputs[0].isMultiline | tostring)' <<<"$inner")" "input true" \
	"the ActionCard has a multiline TextInput"
body=$(jq -r '.actions[0].body' <<<"$inner")
is "$(jq -r '.input' <<<"$body")" '{{input.value}}' "its HttpPOST body carries the input placeholder"
is "$(jq -r '.sig' <<<"$body")" "$(sig "$nid" "$e" note)" "and its own signature"

e=$(channel "/workflows/$run-actions")
nid=$(send_actions "$e" "$run actions wf")
is "$(wait_for "(SELECT state FROM deliveries WHERE notification_id = '$nid') = 'delivered'")" t \
	"Workflows: the card with actions is delivered"
msg=$(received "/workflows/$run-actions" | jq -c '.[0].json')
is "$(jq -r '[.attachments[0].content.actions[] | .type + ":" + .title] | join(",")' <<<"$msg")" \
	"Action.OpenUrl:Open,Action.OpenUrl:Runbook,Action.OpenUrl:Add a note" \
	"Workflows get links only: the httpPost with a url becomes one, the other is left out"
is "$(jq -r '.attachments[0].content.actions[2].url' <<<"$msg")" https://ops.example.com/n \
	"the httpPost's link goes to its url"
unlike "$msg" 'Action.Submit|HttpPOST|Connector/Action' "nothing in it tries to post back"

# No webhook URL ever reaches the workers' log.
unlike "$(cat "$WORKER_LOG")" "$run" "the worker log never holds a webhook URL"

# channel runs in $(...), a subshell: find this run's rows by name, not by a list.
sql "DELETE FROM configurations WHERE config_name = '$run'" >/dev/null
done_testing
