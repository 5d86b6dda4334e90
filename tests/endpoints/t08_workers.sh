#!/usr/bin/env bash
# t08_workers.sh: two workers never double-send, a kill -9 loses nothing, rate limits and the SSRF guard hold.
. "$(dirname "$0")/lib.sh"
: "${API_KEY:?API_KEY is not set: run through scripts/stack test}"
: "${WORKER_PIDFILE:?WORKER_PIDFILE is not set: run through scripts/stack test}"

page_token
token=$CSRF_TOKEN
run=t08-$(new_uuid | cut -c1-8)
channel() {	# channel WEBHOOK-URL: prints the new entity id
	local id
	id=$(new_uuid)
	curl -s -o /dev/null -X POST "$BASE_URL/Connector/Save" -H 'Content-Type: application/json' \
		-H "Origin: $BASE_URL" -H "X-CSRF-Token: $token" --data "{\"entityId\":\"$id\",
		\"configName\":\"$run\",\"contentUrl\":\"$BASE_URL/Connector/Edit?entityId=$id\",
		\"webhookUrl\":\"$1\",\"appType\":\"teams\",\"userObjectId\":\"$(new_uuid)\",\"events\":[\"builds\"]}"
	echo "$id"
}
send() {	# send ENTITY TITLE
	curl -s -o /dev/null -X POST "$BASE_URL/api/v1/notifications" -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $API_KEY" --data "{\"event\":\"builds\",\"title\":\"$2\",
		\"idempotencyKey\":\"$run-$(new_uuid)\",\"entityId\":\"$1\"}"
}
mine="entity_id IN (SELECT entity_id FROM configurations WHERE config_name = '$run')"
cleanup_rows() { sql "DELETE FROM configurations WHERE config_name = '$run'" >/dev/null; }
at_exit cleanup_rows

# The SSRF guard: a webhook host allowed by name but resolving to a refused address.
e=$(channel "http://127.0.0.2:${SINK_URL##*:}/webhookb2/$run-ssrf")
send "$e" "$run ssrf"
is "$(wait_for "EXISTS (SELECT 1 FROM deliveries WHERE entity_id = '$e' AND state = 'failed')")" t \
	"a webhook resolving to a refused address fails for good"
like "$(sql "SELECT last_error FROM deliveries WHERE entity_id = '$e'")" 'address not allowed' \
	"the reason says the address was not allowed"
is "$(curl -s "$SINK_URL/_received?path=/webhookb2/$run-ssrf" | jq length)" 0 "nothing reached it"

# Rate limit: 12 cards to one webhook arrive at most 4 in any second.
e=$(channel "$SINK_URL/webhookb2/$run-rate")
for i in $(seq 1 12); do send "$e" "$run rate $i"; done
is "$(wait_for "(SELECT count(*) FROM deliveries WHERE entity_id = '$e' AND state = 'delivered') = 12" 20)" t \
	"12 cards to one webhook are all delivered, none dropped"
times=$(curl -s "$SINK_URL/_received?path=/webhookb2/$run-rate" | jq '[.[].arrivedMs] | sort')
closest=$(jq '[range(0; length - 4) as $i | .[$i + 4] - .[$i]] | min' <<<"$times")
ok "$([ "$closest" -ge 950 ]; echo $?)" "no 5 arrivals within a second (closest 5: ${closest} ms apart)"
span=$(jq '.[-1] - .[0]' <<<"$times")
ok "$([ "$span" -ge 1900 ]; echo $?)" "12 cards at 4/s take at least 2 s (${span} ms)"

# Two workers share 300 deliveries over 100 webhooks: each card arrives exactly once.
ids=()
for i in $(seq 1 100); do ids+=("$(channel "$SINK_URL/webhookb2/$run-many-$i")"); done
for i in $(seq 1 100); do
	for j in 1 2 3; do send "${ids[$((i - 1))]}" "$run many $i.$j" & done
	wait
done
is "$(wait_for "(SELECT count(*) FROM deliveries WHERE $mine AND state = 'delivered' AND entity_id <> '$e') >= 300" 30)" t \
	"300 deliveries delivered"
got=$(curl -s "$SINK_URL/_received" | jq --arg r "$run many " '[.[] | select(.json.title? // "" | startswith($r))]')
is "$(jq length <<<"$got")" 300 "the sink got exactly 300 cards"
is "$(jq '[.[].json.title] | unique | length' <<<"$got")" 300 "no card arrived twice"
is "$(sql "SELECT count(DISTINCT worker) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.$mine")" 2 \
	"both workers took part"

# kill -9 a worker while its requests are in flight (the sink holds them past the timeout).
victim=$(head -n 1 "$WORKER_PIDFILE")
for i in $(seq 1 40); do
	k=$(channel "$SINK_URL/webhookb2/$run-kill-$i?mode=slow&times=1")
	send "$k" "$run kill $i" &
done
wait
sleep 1
kill -9 "$victim"
is "$(wait_for "(SELECT count(*) FROM deliveries d JOIN configurations c USING (entity_id) WHERE c.config_name = '$run' AND c.webhook_url LIKE '%-kill-%' AND d.state = 'delivered') = 40" 40)" t \
	"after kill -9, every delivery still ends delivered"
kills=$(curl -s "$SINK_URL/_received" | jq --arg r "$run kill " '[.[] | select(.json.title? // "" | startswith($r))]')
is "$(jq '[.[] | select(.answered == 200) | .json.title] | unique | length' <<<"$kills")" 40 "each card was accepted once"
is "$(jq '[.[] | select(.answered == 200)] | length' <<<"$kills")" 40 "and none was accepted twice"

"$STACK" up >/dev/null 2>&1
is "$(wc -l <"$WORKER_PIDFILE" | tr -d ' ')" 2 "the workers are back"

# SIGTERM: the workers finish the requests in flight, record them, give up their leases, exit.
slow=()
for i in $(seq 1 10); do
	k=$(channel "$SINK_URL/webhookb2/$run-term-$i?mode=slow&times=1")
	slow+=("'$k'")
	send "$k" "$run term $i" &
done
wait
in_term="entity_id IN ($(IFS=,; echo "${slow[*]}"))"
wait_for "(SELECT count(*) FROM deliveries WHERE $in_term AND lease_until IS NOT NULL) = 10" 5 >/dev/null
workers=$(cat "$WORKER_PIDFILE")
t0=$(date +%s%N)
kill -TERM $workers
for p in $workers; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
ms=$((($(date +%s%N) - t0) / 1000000))
ok "$([ "$ms" -ge 1000 ] && [ "$ms" -lt 8000 ]; echo $?)" "SIGTERM waits for the requests in flight, then exits (${ms} ms)"
is "$(sql "SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.$in_term")" 10 \
	"every request in flight was recorded before exiting"
is "$(sql "SELECT count(*) FROM deliveries WHERE $in_term AND lease_until IS NULL AND state = 'pending'")" 10 \
	"their leases are released and they wait for a retry"
"$STACK" up >/dev/null 2>&1
is "$(wait_for "(SELECT count(*) FROM deliveries WHERE $in_term AND state = 'delivered') = 10" 20)" t \
	"new workers deliver them"
done_testing
