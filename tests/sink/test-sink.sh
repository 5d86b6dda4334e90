#!/usr/bin/env bash
# tests/sink/test-sink.sh: TAP test of the local Teams webhook sink (tests/sink/sink.js), using curl and jq.
set -u
cd "$(dirname "$0")" || exit 1
SINK=$PWD/sink.js
SLOW_MS=1500

for tool in node curl jq; do
	command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

T_DIR=$(mktemp -d)
# shellcheck source=../tap.sh
. ../tap.sh
SINK_PID=""
cleanup() {
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	rm -rf "$T_DIR"
}
trap cleanup EXIT

# start_sink PORT-FROM PIDFILE LOG [ARGS...]: starts on the first free port from PORT-FROM; sets PORT and STARTED_PID.
start_sink() {
	local from=$1 pidfile=$2 log=$3 p i
	shift 3
	for p in $(seq "$from" $((from + 20))); do
		rm -f "$pidfile"
		node "$SINK" --port "$p" --pidfile "$pidfile" "$@" >"$log" 2>"$log.err" &
		STARTED_PID=$!
		# The sink writes its pidfile once listening; an early exit means the port was taken.
		for i in $(seq 50); do
			[ -s "$pidfile" ] && { PORT=$p; return 0; }
			kill -0 "$STARTED_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$STARTED_PID" 2>/dev/null
		wait "$STARTED_PID" 2>/dev/null
	done
	return 1
}

# req METHOD PATH [CURL-ARGS...]: sets STATUS, BODY, RC; headers land in $T_DIR/hdr.
req() {
	local method=$1 path=$2
	shift 2
	: >"$T_DIR/hdr"
	: >"$T_DIR/body"
	STATUS=$(curl -s -X "$method" -o "$T_DIR/body" -D "$T_DIR/hdr" -w '%{http_code}' --max-time 10 "$@" "$BASE$path")
	RC=$?
	BODY=$(cat "$T_DIR/body")
}
DEFAULT_CARD='{"text":"hello"}'
post() {	# post PATH [DATA]: a JSON post as the connector makes it; DATA may be empty
	req POST "$1" -H 'Content-Type: application/json' -A 'teams-connector-test/1' --data-binary "${2-$DEFAULT_CARD}"
}
header() {
	sed -n "s/^$1: *//Ip" "$T_DIR/hdr" | tr -d '\r' | tail -n 1
}
received() {	# received [QUERY]: the records, as JSON
	curl -s --max-time 10 "$BASE/_received${1:+?$1}"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- refuses to face a network ---
node "$SINK" --port 18555 --host 0.0.0.0 >/dev/null 2>"$T_DIR/host.err"
is "$?" 2 "--host other than 127.x.x.x is refused"
node "$SINK" >/dev/null 2>&1
is "$?" 2 "--port is required"

if ! start_sink 18555 "$T_DIR/pid" "$T_DIR/log" --slow-ms "$SLOW_MS"; then
	echo "Bail out! the sink did not start"; cat "$T_DIR/log.err"; exit 1
fi
SINK_PID=$STARTED_PID
BASE="http://127.0.0.1:$PORT"
is "$(tr -d '\n' <"$T_DIR/pid")" "$SINK_PID" "--pidfile holds the sink's pid"
like "$(head -n 1 "$T_DIR/log")" "^sink listening on 127\.0\.0\.1:$PORT\$" "listens on 127.0.0.1"

# --- health and routing ---
req GET /_health
is "$STATUS $BODY" "200 ok" "GET /_health answers 200 ok"

post /webhookb2/aaaa-bbbb@cccc/IncomingWebhook/dddd/eeee
is "$STATUS" 200 "connector webhook answers 200"
is "$BODY" 1 "connector webhook body is 1"
like "$(header Content-Type)" '^text/plain' "connector webhook answers text/plain"

post '/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s3cr3t'
is "$STATUS" 202 "workflows webhook answers 202"
is "$(wc -c <"$T_DIR/body" | tr -d ' ')" 0 "workflows webhook body is empty"

post /webhook/old-style
is "$STATUS" 404 "an unknown path answers 404"
post /webhookb2/
is "$STATUS" 404 "/webhookb2/ with nothing after it answers 404"
req GET /webhookb2/abc
is "$STATUS" 405 "GET on a webhook path answers 405"

# --- failure modes, connector paths ---
post '/webhookb2/m?mode=throttle'
is "$STATUS" 200 "connector throttle answers HTTP 200"
like "$BODY" '^Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,' "connector throttle embeds 429 in the body"
post '/webhookb2/m?mode=gone'
is "$STATUS" 410 "gone answers 410"
post '/webhookb2/m?mode=error'
is "$STATUS" 500 "error answers 500"
post '/webhookb2/m?mode=retryafter'
is "$STATUS $(header Retry-After)" "429 2" "retryafter answers 429 with Retry-After 2 by default"
post '/webhookb2/m?mode=retryafter&after=7'
is "$STATUS $(header Retry-After)" "429 7" "retryafter takes &after=7"
post '/webhookb2/m?mode=badrequest'
is "$STATUS" 200 "connector badrequest answers HTTP 200"
like "$BODY" 'returned HTTP error 400 with ContextId ' "connector badrequest embeds 400 in the body"
post '/webhookb2/m?mode=nosuchmode'
is "$STATUS $BODY" "200 1" "an unknown mode answers normally"

# --- failure modes, workflows paths ---
post '/workflows/w?mode=throttle'
is "$STATUS $(header Retry-After)" "429 2" "workflows throttle answers a real 429 with Retry-After 2"
post '/workflows/w?mode=gone'
is "$STATUS" 410 "workflows gone answers 410"
post '/workflows/w?mode=error'
is "$STATUS" 500 "workflows error answers 500"
post '/workflows/w?mode=retryafter&after=11'
is "$STATUS $(header Retry-After)" "429 11" "workflows retryafter answers 429 with Retry-After 11"
post '/workflows/w?mode=badrequest'
is "$STATUS" 400 "workflows badrequest answers 400"

# --- reset: the connection drops without an answer ---
post '/webhookb2/r?mode=reset'
ok "$([ "$RC" = 52 ] || [ "$RC" = 56 ]; echo $?)" "reset closes the connection (curl exit $RC)"
is "$(received 'path=/webhookb2/r' | jq -r '.[0].answered')" reset "a reset post is recorded as answered reset"

# --- slow: the answer comes only after --slow-ms ---
t0=$(now_ms)
post '/webhookb2/s?mode=slow'
elapsed=$(($(now_ms) - t0))
is "$STATUS $BODY" "200 1" "slow answers normally in the end"
ok "$([ "$elapsed" -ge "$SLOW_MS" ]; echo $?)" "slow waits at least $SLOW_MS ms (took $elapsed ms)"
t0=$(now_ms)
post '/workflows/s?mode=slow'
elapsed=$(($(now_ms) - t0))
ok "$([ "$STATUS" = 202 ] && [ "$elapsed" -ge "$SLOW_MS" ]; echo $?)" "slow workflows answers 202 after $SLOW_MS ms (took $elapsed ms)"
curl -s -o /dev/null --max-time 0.5 -X POST --data-binary '{}' "$BASE/webhookb2/s2?mode=slow"
is "$?" 28 "a client with a shorter timeout than --slow-ms times out"
is "$(received 'path=/webhookb2/s2' | jq -r '.[0].answered')" aborted "a post its client gave up on is recorded as aborted"
curl -s -o /dev/null --max-time 10 -X POST --data-binary '{}' "$BASE/webhookb2/s3?mode=slow" &
bg=$!
sleep 0.4
is "$(received 'path=/webhookb2/s3' | jq -c '[length, .[0].answered]')" '[1,null]' "a pending slow post is already recorded, unanswered"
wait "$bg"

# --- times=N fails the first N posts to that exact path+query, then lets them through ---
got=""
for i in 1 2 3 4; do
	post '/webhookb2/t1?mode=throttle&times=2'
	case $BODY in 1) got="$got ok" ;; Webhook*429*) got="$got 429" ;; *) got="$got ?" ;; esac
done
is "${got# }" "429 429 ok ok" "connector throttle&times=2 fails twice, then succeeds"
got=""
for i in 1 2 3; do post '/workflows/t1?mode=error&times=2'; got="$got $STATUS"; done
is "${got# }" "500 500 202" "workflows error&times=2 fails twice, then succeeds"
post '/webhookb2/t2?mode=throttle&times=2'
like "$BODY" 'HTTP error 429' "another path has its own count"
post '/webhookb2/t1?mode=throttle&times=2&x=1'
like "$BODY" 'HTTP error 429' "another query on the same path has its own count"
got=""
for i in 1 2; do post '/webhookb2/t3?mode=reset&times=1'; got="$got $RC:$STATUS"; done
like "${got# }" '^(52|56):000 0:200$' "reset&times=1 drops once, then answers (got $got)"
got=""
for i in 1 2; do post '/workflows/t4?mode=retryafter&after=1&times=1'; got="$got $STATUS"; done
is "${got# }" "429 202" "retryafter&times=1 fails once, then succeeds"

# --- body size and JSON ---
big=$T_DIR/big.json
{ printf '{"t":"'; head -c $((1048576 - 8)) /dev/zero | tr '\0' a; printf '"}'; } >"$big"
is "$(wc -c <"$big" | tr -d ' ')" 1048576 "the 1 MiB test body is exactly 1 MiB"
req POST /webhookb2/size -H 'Content-Type: application/json' --data-binary "@$big"
is "$STATUS $BODY" "200 1" "a 1 MiB JSON body is accepted"
printf ' ' >>"$big"
req POST /webhookb2/size -H 'Content-Type: application/json' --data-binary "@$big"
is "$STATUS" 413 "a body over 1 MiB answers 413"
is "$(received 'path=/webhookb2/size' | jq -c '[.[] | [.answered, .size, (.body | length)]]')" \
	'[[200,1048576,1048576],[413,1048577,0]]' "the oversized body is counted but not kept"
post /webhookb2/notjson 'this is {not json'
is "$STATUS" 400 "a body that is not JSON answers 400"
is "$(received 'path=/webhookb2/notjson' | jq -c '.[0] | [.body, .json, .answered]')" \
	'["this is {not json",null,400]' "a body that is not JSON is still recorded, json null"
post /workflows/notjson ''
is "$STATUS" 400 "an empty workflows body answers 400"

# --- /_received ---
req DELETE /_received
is "$STATUS" 204 "DELETE /_received answers 204"
is "$(received | jq -c .)" '[]' "DELETE /_received clears the records"
before=$(now_ms)
post '/webhookb2/r1?mode=throttle&sig=abc' '{"n":1}'
sleep 0.05
mid=$(now_ms)
post /workflows/r2 '{"n":2}'
post /webhookb2/r1 '{"n":3}'
after=$(now_ms)
all=$(received)
is "$(jq -c '[.[] | .json.n]' <<<"$all")" '[1,2,3]' "/_received lists posts in arrival order"
is "$(jq -c '.[0] | [.path, .query, .body, .json, .answered, .headers["content-type"], .headers["user-agent"]]' <<<"$all")" \
	'["/webhookb2/r1","mode=throttle&sig=abc","{\"n\":1}",{"n":1},200,"application/json","teams-connector-test/1"]' \
	"a record has path, query, raw body, json, answered and headers"
is "$(jq -r --argjson b "$before" --argjson a "$after" \
	'all(.[]; .arrivedMs >= $b and .arrivedMs <= $a)' <<<"$all")" true "arrivedMs is the arrival time in ms"
is "$(jq -r '.[1].answered' <<<"$all")" 202 "answered holds the status code"
is "$(received 'path=/webhookb2/r1' | jq -c '[.[] | .json.n]')" '[1,3]' "?path= keeps only that exact path"
is "$(received 'path=/webhookb2' | jq -c .)" '[]' "?path= does not match a prefix"
is "$(received "since=$mid" | jq -c '[.[] | .json.n]')" '[2,3]' "?since= keeps posts that arrived at or after it"
is "$(received "path=/webhookb2/r1&since=$mid" | jq -c '[.[] | .json.n]')" '[3]' "?path= and ?since= combine"
req GET '/_received?since=yesterday'
is "$STATUS" 400 "a bad ?since= answers 400"

# --- /_reset clears records and counters ---
post '/webhookb2/c?mode=gone&times=1'
post '/webhookb2/c?mode=gone&times=1'
is "$STATUS" 200 "before /_reset the times=1 count is used up"
req POST /_reset
is "$STATUS" 204 "POST /_reset answers 204"
is "$(received | jq -c .)" '[]' "POST /_reset clears the records"
post '/webhookb2/c?mode=gone&times=1'
is "$STATUS" 410 "POST /_reset clears the per-path counters"
post '/webhookb2/c?mode=gone&times=1'
req DELETE /_received
post '/webhookb2/c?mode=gone&times=1'
is "$STATUS" 410 "DELETE /_received clears the per-path counters too"

# --- the log: one line per request, no secrets ---
secret_path=/webhookb2/11111111-2222-3333-4444-555555555555@66666666-7777-8888-9999-000000000000/IncomingWebhook/SECRETSECRETSECRET/abcd
post "$secret_path?mode=error&times=1&sig=TOPSECRETSIG"
post '/workflows/x?api-version=1&sig=TOPSECRETSIG2&mode=retryafter&after=3'
received "path=$secret_path" >/dev/null
sleep 0.2
log=$(tail -n +2 "$T_DIR/log")
n_lines=$(printf '%s\n' "$log" | wc -l | tr -d ' ')
ok "$([ "$n_lines" -ge 60 ]; echo $?)" "the log has a line per request ($n_lines lines)"
is "$(printf '%s\n' "$log" | grep -cvE '^[A-Z]+ [^ ]+ ([0-9]{3}|reset|aborted)$')" 0 "every log line is: method path status"
like "$log" '^POST /webhookb2/11111111-2222-3333-4444-55\.\.\.\?mode=error&times=1 500$' \
	"a long path is cut to 40 characters, the query to mode/times"
like "$log" 'POST /workflows/x\?mode=retryafter&after=3 429' "other query keys are left out of the log"
ok "$(! grep -qE 'SECRETSECRET|TOPSECRETSIG|66666666' "$T_DIR/log"; echo $?)" "secrets in paths and queries never reach the log"
is "$(printf '%s\n' "$log" | awk '{ p = $2; sub(/\?.*/, "", p); if (length(p) > 40) n++ } END { print n + 0 }')" 0 \
	"no logged path is longer than 40 characters"
like "$log" 'POST /webhookb2/r\?mode=reset reset' "a reset post is logged as reset"
like "$log" 'GET /_health 200' "control requests are logged too"

# --- signals ---
curl -s -o /dev/null --max-time 10 -X POST --data-binary '{}' "$BASE/webhookb2/pending?mode=slow" &
bg=$!
sleep 0.3
t0=$(now_ms)
kill -TERM "$SINK_PID"
wait "$SINK_PID"
rc=$?
elapsed=$(($(now_ms) - t0))
SINK_PID=""
wait "$bg" 2>/dev/null
is "$rc" 0 "SIGTERM stops the sink with exit status 0"
ok "$([ "$elapsed" -lt 1000 ]; echo $?)" "SIGTERM does not wait for a pending slow post (took $elapsed ms)"
ok "$([ ! -e "$T_DIR/pid" ]; echo $?)" "the pidfile is removed on exit"
curl -s -o /dev/null --max-time 2 "$BASE/_health"
ok "$([ "$?" -ne 0 ]; echo $?)" "the port is closed after SIGTERM"

if start_sink "$((PORT + 1))" "$T_DIR/pid2" "$T_DIR/log2"; then
	kill -INT "$STARTED_PID"
	wait "$STARTED_PID"
	is "$?" 0 "SIGINT stops the sink with exit status 0"
else
	ok 1 "a second sink starts for the SIGINT check"
fi

echo "1..$T_N"
[ "$T_FAILED" -eq 0 ]
