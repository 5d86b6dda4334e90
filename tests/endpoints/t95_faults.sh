#!/usr/bin/env bash
# t95_faults.sh: under load, PostgreSQL stopped, a FastCGI child killed (and replaced), a slow or resetting sink: nothing crashes, nothing is lost.
. "$(dirname "$0")/lib.sh"
: "${STACK:?STACK is not set: run through scripts/stack test}"
: "${API_KEY:?API_KEY is not set: run through scripts/stack test}"
: "${SINK_URL:?SINK_URL is not set: run through scripts/stack test}"
: "${CONNECTOR_CONFIG:?CONNECTOR_CONFIG is not set: run through scripts/stack test}"
: "${WORKER_PIDFILE:?WORKER_PIDFILE is not set: run through scripts/stack test}"
: "${CONNECTOR_LOG:?CONNECTOR_LOG is not set: run through scripts/stack test}"

run=t95-$(new_uuid | cut -c1-8)
page_token
# The database must be back and every row this test made gone, even if it stops half-way:
# later tests count configurations and deliveries.
at_exit '"$STACK" db-start >/dev/null 2>&1'
cleanup_rows() { sql "DELETE FROM configurations WHERE config_name LIKE '$run%'" >/dev/null; }
at_exit cleanup_rows

# --- Background load -----------------------------------------------------------------------
# load_client KIND OUT: requests until the stop file appears, one line per answer in OUT:
# "KIND STATUS ENTITY START_MS END_MS" (ENTITY is - for GETs; STATUS 000 when curl gave up).
# --max-time turns a hang into an answer of its own instead of a stuck test.
load_client() {
	local kind=$1 out=$2 id=- code t0 body
	while [ -d "$T_DIR" ] && [ ! -e "$T_DIR/stop" ]; do
		t0=$(now_ms)
		case $kind in
		save)
			read -r id </proc/sys/kernel/random/uuid
			body=$(save_body "$id" "$run-load" "$SINK_URL/webhookb2/$run-load-$id")
			code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' -X POST \
				"$BASE_URL/Connector/Save" -H 'Content-Type: application/json' \
				-H "Origin: $BASE_URL" -H "X-CSRF-Token: $CSRF_TOKEN" --data-binary "$body") ;;
		setup) code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$BASE_URL/Connector/Setup") ;;
		readyz) code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$BASE_URL/readyz") ;;
		esac
		echo "$kind $code $id $t0 $(now_ms)" >>"$out"
	done
}
LOAD_PIDS=()
start_load() {	# start_load OUT KIND...: one client per KIND
	local out=$1 k
	shift
	rm -f "$T_DIR/stop"
	: >"$out"
	for k in "$@"; do
		load_client "$k" "$out" &
		LOAD_PIDS+=($!)
	done
}
stop_load() {
	touch "$T_DIR/stop"
	wait "${LOAD_PIDS[@]}"
	LOAD_PIDS=()
}
# Clients left running would write into a removed directory: stop them first.
at_exit '[ ${#LOAD_PIDS[@]} -eq 0 ] || { touch "$T_DIR/stop"; wait "${LOAD_PIDS[@]}"; }'

# saved_ids LOAD-FILE OUT: the entity ids of the Saves answered 200; prints how many.
saved_ids() {
	awk '$1 == "save" && $2 == 200 { print $3 }' "$1" >"$2"
	wc -l <"$2" | tr -d ' '
}

# ===== 1. PostgreSQL stopped under load =====================================================
load=$T_DIR/load-db
start_load "$load" save save save save readyz
sleep 1
pids_before=$(fcgi_pids)
"$STACK" db-stop >/dev/null 2>&1
db_stopped=$(now_ms)

# A few Saves of our own while it is down: each a complete 503 problem with Retry-After.
for i in 1 2 3; do
	id=$(new_uuid)
	post_json /Connector/Save "$(save_body "$id" "$run-down" "$SINK_URL/webhookb2/$run-down-$i")" \
		-H 'Content-Type: application/json' -H "Origin: $BASE_URL" -H "X-CSRF-Token: $CSRF_TOKEN" \
		--max-time 5
	ct=$(header Content-Type)
	is "$STATUS ${ct%%;*} $(header Retry-After | grep -Ec '^[0-9]+$') $(jf .status) $(jf .type)" \
		"503 application/problem+json 1 503 urn:teams-connector:problem:database-unavailable" \
		"Save $i with PostgreSQL stopped: 503 problem+json with Retry-After"
done
req GET /readyz --max-time 5
is "$STATUS" 503 "readyz answers 503 while PostgreSQL is stopped"
sleep 1

"$STACK" db-start >/dev/null 2>&1
db_started=$(now_ms)
# Bounded wait, polled every 50 ms, so the figure says how long the service took to come back.
back=no
while [ $(($(now_ms) - db_started)) -lt 5000 ]; do
	if [ "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "$BASE_URL/readyz")" = 200 ]; then
		back=yes
		break
	fi
	sleep 0.05
done
ready_at=$(now_ms)
recovery=$((ready_at - db_started))
ok "$([ "$back" = yes ] && [ "$recovery" -lt 2000 ]; echo $?)" \
	"readyz is 200 again ${recovery} ms after PostgreSQL's start returned (within 2000 ms, no restart)"
sleep 1.5
stop_load

n_save=$(awk '$1 == "save"' "$load" | wc -l)
n_200=$(awk '$1 == "save" && $2 == 200' "$load" | wc -l)
n_503=$(awk '$1 == "save" && $2 == 503' "$load" | wc -l)
odd=$(awk '$2 != 200 && $2 != 503 { print $1, $2 }' "$load" | sort | uniq -c | tr -s ' \n' ' ')
is "$odd" "" "the load's $n_save Saves and its readyz checks got only 200 or 503 ($n_200 x 200, $n_503 x 503 Saves; no 5xx else, no timeout)"
ok "$([ "$n_503" -gt 0 ]; echo $?)" "the load did meet the outage ($n_503 Saves answered 503)"
ok "$([ "$(awk -v t="$db_stopped" '$1 == "save" && $2 == 200 && $5 < t' "$load" | wc -l)" -gt 0 ] &&
	[ "$(awk -v t="$ready_at" '$1 == "save" && $2 == 200 && $4 > t' "$load" | wc -l)" -gt 0 ]; echo $?)" \
	"Saves were answered 200 both before the outage and after it"
late=$(awk -v t="$ready_at" '$1 == "save" && $4 > t && $2 != 200 { print $2 }' "$load" | sort | uniq -c | tr -s ' \n' ' ')
is "$late" "" "every Save sent after readyz recovered answered 200"
is "$(fcgi_pids)" "$pids_before" "no connector-fcgi process died or restarted"
n=$(saved_ids "$load" "$T_DIR/ok-ids")
is "$(missing_ids "$T_DIR/ok-ids")" 0 "every Save answered 200 has its row: none of $n lost"

# ===== 2. A FastCGI child killed under load, and replaced by the supervisor ==================
# The curl clients time every answer; wrk keeps all four threads busy with Saves (most of a
# Save is waiting for PostgreSQL), so that the kill finds the victim in the middle of requests.
ensure_wrk
ok $? "wrk is installed"
fcgi_supervised
ok $? "connector-fcgi runs supervised (processes > 1)"
load=$T_DIR/load-kill
read -ra pids <<<"$(fcgi_pids)"
ok "$([ "${#pids[@]}" -ge 2 ]; echo $?)" "the supervisor keeps ${#pids[@]} children (at least two)"
supervisor=$(fcgi_supervisor)
victim=${pids[0]}
start_load "$load" setup setup save save save save
wrk_save() {	# wrk_save OUT: 2 s of new Saves from 16 connections, named $run-wrk
	wrk -t1 -c16 -d2s --timeout 5s -s "$(dirname "$0")/wrk_save.lua" "$BASE_URL/Connector/Save" \
		-- "$(new_uuid | cut -c1-8)" "$BASE_URL" "$CSRF_TOKEN" "$SINK_URL" "$run-wrk" >"$1" 2>&1
}
wrk_save "$T_DIR/wrk-kill" &
wrk_pid=$!
sleep 1
killed_at=$(now_ms)
kill -9 "$victim"
# The supervisor forks a replacement: as many children again, the victim not among them.
replaced=no
while [ $(($(now_ms) - killed_at)) -lt 5000 ]; do
	now=$(fcgi_pids)
	if [ "$(wc -w <<<"$now")" -eq "${#pids[@]}" ] && ! grep -qw -- "$victim" <<<"$now"; then
		replaced=yes
		break
	fi
	sleep 0.02
done
replaced_ms=$(($(now_ms) - killed_at))
wait "$wrk_pid"
# This run starts when the first ends, a second after the kill at the earliest.
wrk_save "$T_DIR/wrk-after"
stop_load

ok "$(! kill -0 "$victim" 2>/dev/null; echo $?)" "the killed child is gone"
ok "$([ "$replaced" = yes ] && [ "$replaced_ms" -lt 3000 ]; echo $?)" \
	"a new child took its place within 3 s (${replaced_ms} ms): ${#pids[@]} children again"
read -ra pids_now <<<"$(fcgi_pids)"
others=yes
for p in "${pids[@]:1}"; do grep -qw -- "$p" <<<"${pids_now[*]}" || others=no; done
is "$others" yes "the other children still run, untouched"
is "$(fcgi_supervisor)" "$supervisor" "the supervisor still runs, the same process"
newborn=""
for p in "${pids_now[@]}"; do
	[[ " ${pids[*]} " == *" $p "* ]] || newborn=$p
done
like "$(grep -E "msg=\"child ended\" pid=$victim .*signal=9" "$CONNECTOR_LOG")" 'restart_in_ms=0' \
	"the supervisor logged the child's death by signal 9 and restarted it at once"
like "$(grep -E "msg=\"child respawned\" pid=${newborn:-none} " "$CONNECTOR_LOG")" "replaces=$victim" \
	"and logged the new child ($newborn) replacing it"
wrk_summary "$T_DIR/wrk-kill"
kill_reqs=$WRK_REQUESTS kill_bad=$WRK_NON2XX kill_unanswered=$WRK_UNANSWERED
echo "# wrk at the kill: $kill_reqs requests, non-2xx $kill_bad, socket errors: $WRK_ERRORS"
wrk_summary "$T_DIR/wrk-after"
echo "# wrk from 1 s after: $WRK_REQUESTS requests, non-2xx $WRK_NON2XX, socket errors: $WRK_ERRORS"
after=$(awk -v t="$killed_at" '$4 > t && $2 ~ /^2/' "$load" | wc -l)
ok "$([ "$after" -gt 0 ] && [ "$WRK_REQUESTS" -gt 0 ]; echo $?)" \
	"the load kept getting answers after the kill ($after from the clients, $WRK_REQUESTS from wrk)"
# What the web server answers when its connection to the dying child breaks: nginx says 502,
# Apache's mod_proxy_fcgi 503.
broken=502
[ "${STACK_SERVER:-nginx}" = apache ] && broken=503
bad=$(awk '$2 !~ /^2/' "$load" | wc -l)
bad_kinds=$(awk -v b="$broken" '$2 !~ /^2/ && $2 != b { print $2 }' "$load" | sort | uniq -c | tr -s ' \n' ' ')
is "$bad_kinds" "" "$((bad + kill_bad)) non-2xx answers at the kill ($bad of $(wc -l <"$load" | tr -d ' ') from the clients, all $broken: the web server's connection to the dying child broke; $kill_bad of $kill_reqs from wrk)"
# Socket read errors are not counted: Apache resets a few busy keep-alive connections anyway.
is "$kill_unanswered" 0 "no request went unanswered at the kill: the web server answered each"
late=$(awk -v t=$((killed_at + 1000)) '$4 > t && $2 !~ /^2/ { print $1, $2 }' "$load" | sort | uniq -c | tr -s ' \n' ' ')
is "$late $WRK_NON2XX $WRK_UNANSWERED" " 0 0" "from 1 s after the kill on, every answer is 2xx ($WRK_REQUESTS by wrk)"
n=$(saved_ids "$load" "$T_DIR/ok-ids")
is "$(missing_ids "$T_DIR/ok-ids")" 0 "every Save answered 200 has its row: none of $n lost"
# wrk names no ids, but each of its 2xx answers is a new row; requests cut off when it stopped
# may add a few more.
wrk_ok=$((kill_reqs - kill_bad + WRK_REQUESTS - WRK_NON2XX))
rows=$(sql "SELECT count(*) FROM configurations WHERE config_name = '$run-wrk'")
ok "$([ "$rows" -ge "$wrk_ok" ]; echo $?)" "and so has each Save wrk got 2xx for ($rows rows for $wrk_ok answers)"

# The new child serves: with every other child stopped (SIGSTOP), requests still get answers.
for p in "${pids_now[@]}"; do [ "$p" = "$newborn" ] || kill -STOP "$p"; done
at_exit 'for p in '"${pids_now[*]}"'; do kill -CONT "$p" 2>/dev/null; done'
codes=""
for i in $(seq 1 10); do
	codes+="$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$BASE_URL/readyz") "
	codes+="$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$BASE_URL/Connector/Setup") "
done
for p in "${pids_now[@]}"; do kill -CONT "$p"; done
is "$(tr ' ' '\n' <<<"$codes" | grep -v '^$' | sort | uniq -c | tr -s ' \n' ' ')" " 20 200 " \
	"the new child alone answers readyz and Setup (20 of 20 200, the others stopped)"
is "$(fcgi_pids)" "$(printf '%s\n' "${pids_now[@]}" | sort | tr '\n' ' ')" \
	"no restart was needed: the same children serve for what runs next"

# ===== 3. The sink slow (past send_timeout) or resetting connections ======================
conf_value() {	# conf_value KEY DEFAULT: a setting of the running configuration
	local v
	v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p" "$CONNECTOR_CONFIG" | tail -n 1)
	echo "${v:-$2}"
}
conc=$(conf_value worker_concurrency 64)
timeout_ms=$(($(conf_value send_timeout 15) * 1000))
workers=0
while read -r p; do kill -0 "$p" 2>/dev/null && workers=$((workers + 1)); done <"$WORKER_PIDFILE"
cap=$((conc * workers))

# channel KIND PATH-AND-QUERY: a configuration named $run-KIND whose webhook is the sink there.
channel() {
	local id
	id=$(new_uuid)
	curl -s -o /dev/null -X POST "$BASE_URL/Connector/Save" -H 'Content-Type: application/json' \
		-H "Origin: $BASE_URL" -H "X-CSRF-Token: $CSRF_TOKEN" \
		--data-binary "$(save_body "$id" "$run-$1" "$SINK_URL$2")"
	echo "$id"
}
send() {	# send ENTITY: one notification to that channel only
	curl -s -o /dev/null -X POST "$BASE_URL/api/v1/notifications" -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $API_KEY" --data "{\"event\":\"deployments\",\"title\":\"$run\",
		\"idempotencyKey\":\"$run-$(new_uuid)\",\"entityId\":\"$1\"}"
}
send_all() {	# send_all ENTITY...: in parallel, so the slow ones are in flight together
	local e n=0
	for e in "$@"; do
		send "$e" &
		n=$((n + 1))
		[ $((n % 20)) -eq 0 ] && wait
	done
	wait
}
of() {	# of KIND: SQL condition for the deliveries of this run's channels of that kind
	echo "entity_id IN (SELECT entity_id FROM configurations WHERE config_name = '$run-$1')"
}
slow_arrivals() {	# the sink's arrival times (ms) of the posts to this run's slow channels, sorted
	curl -s "$SINK_URL/_received" |
		jq -c --arg p "/webhookb2/$run-slow-" '[.[] | select(.path | startswith($p)) | .arrivedMs] | sort'
}

slow_a=() reset=()
for i in $(seq 1 40); do slow_a+=("$(channel slow "/webhookb2/$run-slow-a$i?mode=slow")"); done
for i in $(seq 1 20); do reset+=("$(channel reset "/webhookb2/$run-reset-$i?mode=reset&times=1")"); done
healthy=$(channel ok "/webhookb2/$run-ok")
send_all "${slow_a[@]}" "${reset[@]}"
# Wait until the slow posts hang in the sink, then a healthy channel must not queue behind them.
for i in $(seq 1 50); do [ "$(slow_arrivals | jq length)" -ge 40 ] && break; sleep 0.1; done
send "$healthy"
is "$(wait_for "EXISTS (SELECT 1 FROM deliveries WHERE $(of ok) AND state = 'delivered')" 10)" t \
	"a healthy channel is delivered while 40 slow posts hang"
wait_for "EXISTS (SELECT 1 FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE $(of slow)))" 10 >/dev/null
is "$(sql "SELECT (SELECT delivered_at FROM deliveries WHERE $(of ok)) <
	(SELECT min(attempted_at) FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE $(of slow)))")" t \
	"it was delivered before the slow posts' first timeout"

# More slow channels than the workers may have in flight together.
slow_b=()
for i in $(seq 1 $((cap + 32))); do slow_b+=("$(channel slow "/webhookb2/$run-slow-b$i?mode=slow")"); done
send_all "${slow_b[@]}"
n_slow=$((40 + ${#slow_b[@]}))
is "$(wait_for "(SELECT count(DISTINCT d.id) FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id WHERE d.$(of slow)) = $n_slow" 60)" t \
	"each of the $n_slow slow deliveries had an attempt"
# A slow post stays open at the sink until the worker gives up at send_timeout, so posts that
# arrive within half of it were all in flight together.
window=$((timeout_ms / 2))
peak=$(slow_arrivals | jq --argjson w "$window" \
	'. as $a | [range(0; length) as $i | [$a[] | select(. >= $a[$i] and . < $a[$i] + $w)] | length] | max // 0')
ok "$([ "$peak" -le "$cap" ]; echo $?)" \
	"in-flight limit: at most $cap slow posts at once ($conc x $workers workers; peak $peak arrivals within $window ms, $n_slow slow deliveries)"
read -r dmin dmax nret nall <<<"$(sql "SELECT min(duration_ms), max(duration_ms),
	count(*) FILTER (WHERE outcome = 'retry'), count(*) FROM delivery_attempts
	WHERE delivery_id IN (SELECT id FROM deliveries WHERE $(of slow))" | tr '|' ' ')"
ok "$([ "$dmin" -ge $((timeout_ms - 100)) ] && [ "$dmax" -lt $((timeout_ms * 2)) ]; echo $?)" \
	"every slow attempt ended at the timeout ($nall attempts, ${dmin}-${dmax} ms; send_timeout ${timeout_ms} ms)"
is "$nret" "$nall" "and each is recorded as one to retry"

is "$(wait_for "(SELECT count(*) FROM deliveries WHERE $(of reset) AND state = 'delivered') = 20" 20)" t \
	"every delivery whose connection was reset once ends delivered (20 of 20)"
is "$(sql "SELECT count(*) FROM deliveries WHERE $(of slow) AND NOT (state = 'dead' OR (state = 'pending' AND attempts >= 1))")" 0 \
	"every slow delivery is still pending with attempts, or dead: none dropped"
is "$(curl -s "$SINK_URL/_received" | jq --arg p "/webhookb2/$run-slow-" \
	'[.[] | select(.path | startswith($p)) | .path] | unique | length')" "$n_slow" \
	"the sink saw a post for each of the $n_slow slow channels"

# Stop the retries now: the slow channels would keep the workers busy for what runs next.
sql "UPDATE configurations SET disabled_at = now(), disabled_reason = 'test done' WHERE config_name LIKE '$run%'" >/dev/null
done_testing
