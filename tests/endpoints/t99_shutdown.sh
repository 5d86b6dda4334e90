#!/usr/bin/env bash
# t99_shutdown.sh: SIGTERM under load: the child finishes what it holds and exits; nothing fails.
. "$(dirname "$0")/lib.sh"
: "${CONNECTOR_LOG:?CONNECTOR_LOG is not set: run through scripts/stack test}"

pids=($(fcgi_pids))
ok "$([ "${#pids[@]}" -ge 2 ]; echo $?)" "at least two connector-fcgi processes run"
victim=${pids[0]}

# 400 requests from 8 clients; one process gets SIGTERM half-way through.
seq 1 400 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$BASE_URL/readyz" >"$T_DIR/codes" &
load=$!
sleep 0.3
kill -TERM "$victim"
gone=no
for i in $(seq 1 50); do
	if ! kill -0 "$victim" 2>/dev/null; then gone=yes; break; fi
	sleep 0.1
done
is "$gone" yes "the process exits within 5 s of SIGTERM (threads do not hang in accept)"
wait $load
is "$(wc -l <"$T_DIR/codes" | tr -d ' ')" 400 "every request got an answer"
is "$(grep -vc '^200$' "$T_DIR/codes")" 0 "every answer is 200: the other process took over"
like "$(grep "msg=stopped pid=$victim\b" "$CONNECTOR_LOG")" 'stopped' "the process logged a clean stop"

# Put the stack back as it was for anything that runs after.
"$STACK" up >/dev/null 2>&1
req GET /readyz
is "$STATUS" 200 "the stack is back up"
done_testing
