#!/usr/bin/env bash
# t99_shutdown.sh: SIGTERM to a child under load (it drains, is replaced), SIGHUP, SIGTERM or kill -9 to the supervisor, stack down: no failure, no orphan.
. "$(dirname "$0")/lib.sh"
: "${CONNECTOR_LOG:?CONNECTOR_LOG is not set: run through scripts/stack test}"
: "${STACK:?STACK is not set: run through scripts/stack test}"

# alive PID...: the pids of the list that still run, one line.
alive() {
	local p
	for p in "$@"; do kill -0 "$p" 2>/dev/null && printf '%s ' "$p"; done
}
# wait_gone SECONDS PID...: true once none of the pids runs.
wait_gone() {
	local n=$(($1 * 10)) i
	shift
	for i in $(seq 1 "$n"); do
		[ -z "$(alive "$@")" ] && return 0
		sleep 0.1
	done
	return 1
}
# The stack must be whole again for what runs after, even if this test stops half-way.
at_exit '[ -n "$(fcgi_pids)" ] || "$STACK" up >/dev/null 2>&1'

# ===== 1. SIGTERM to one child under load ====================================================
pids=($(fcgi_pids))
ok "$([ "${#pids[@]}" -ge 2 ]; echo $?)" "at least two connector-fcgi processes serve"
victim=${pids[0]}
supervisor=$(fcgi_supervisor)

# 400 requests from 8 clients; one process gets SIGTERM half-way through.
seq 1 400 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$BASE_URL/readyz" >"$T_DIR/codes" &
load=$!
sleep 0.3
kill -TERM "$victim"
gone=no
wait_gone 5 "$victim" && gone=yes
is "$gone" yes "the process exits within 5 s of SIGTERM (threads do not hang in accept)"
wait $load
is "$(wc -l <"$T_DIR/codes" | tr -d ' ')" 400 "every request got an answer"
is "$(grep -vc '^200$' "$T_DIR/codes")" 0 "every answer is 200: the other process took over"
like "$(grep "msg=stopped pid=$victim\b" "$CONNECTOR_LOG")" 'stopped' "the process logged a clean stop"
# The supervisor alone decides how many children serve: a child stopped by someone else is
# replaced like one that died.
now=$(wait_children "${#pids[@]}")
ok "$([ "$(wc -w <<<"$now")" -eq "${#pids[@]}" ] && ! grep -qw -- "$victim" <<<"$now"; echo $?)" \
	"the supervisor replaced it: ${#pids[@]} children again ($now)"
like "$(grep -E "msg=\"child ended\" pid=$victim " "$CONNECTOR_LOG")" 'status=0 ' \
	"and logged that the child ended with status 0"

# ===== 2. SIGHUP to the supervisor ==========================================================
# Forwarded to every child (which reads nothing again yet); nobody stops.
before=$(fcgi_pids)
hups=$(grep -c 'SIGHUP forwarded' "$CONNECTOR_LOG")
kill -HUP "$supervisor"
for i in $(seq 1 20); do
	[ "$(grep -c 'SIGHUP forwarded' "$CONNECTOR_LOG")" -gt "$hups" ] && break
	sleep 0.1
done
ok "$([ "$(grep -c 'SIGHUP forwarded' "$CONNECTOR_LOG")" -gt "$hups" ]; echo $?)" \
	"SIGHUP to the supervisor: it forwards it to the children"
sleep 0.5
is "$(fcgi_pids)" "$before" "no child stopped or restarted for SIGHUP"
is "$(alive "$supervisor")" "$supervisor " "nor the supervisor"
req GET /readyz
is "$STATUS" 200 "and they serve"

# ===== 3. SIGTERM to the supervisor under load ==============================================
read -ra kids <<<"$(fcgi_pids)"
seq 1 200 | xargs -P 4 -I{} curl -s -o /dev/null --max-time 10 -w '%{http_code}\n' "$BASE_URL/readyz" \
	>"$T_DIR/codes" &
load=$!
sleep 0.3
mark=$(wc -l <"$CONNECTOR_LOG")
kill -TERM "$supervisor"
gone=no
wait_gone 5 "$supervisor" "${kids[@]}" && gone=yes
is "$gone" yes "SIGTERM to the supervisor: it and its ${#kids[@]} children exit within 5 s"
wait $load
# Accepted requests finish; once no process listens the web server answers by itself (nginx
# 502, Apache 503); never a hang.
broken=502
[ "${STACK_SERVER:-nginx}" = apache ] && broken=503
is "$(grep -vEc "^(200|$broken)$" "$T_DIR/codes")" 0 \
	"every answer is 200 or the web server's $broken: $(sort "$T_DIR/codes" | uniq -c | tr -s ' \n' ' ')"
ok "$(grep -q '^200$' "$T_DIR/codes"; echo $?)" "requests were answered until the stop"
tail -n +"$((mark + 1))" "$CONNECTOR_LOG" >"$T_DIR/stop.log"
stopped=0 last_child=0
for p in "${kids[@]}"; do
	n=$(grep -n "msg=stopped pid=$p\b" "$T_DIR/stop.log" | cut -d: -f1)
	[ -n "$n" ] && stopped=$((stopped + 1)) && [ "$n" -gt "$last_child" ] && last_child=$n
done
is "$stopped" "${#kids[@]}" "each child logged a clean stop"
n=$(grep -n "msg=\"supervisor stopped\" pid=$supervisor\b" "$T_DIR/stop.log" | cut -d: -f1)
ok "$([ -n "$n" ] && [ "$n" -gt "$last_child" ]; echo $?)" "and the supervisor logged its stop after theirs"
ok "$(! grep -qE 'msg="child (ended|respawned)"' "$T_DIR/stop.log"; echo $?)" \
	"nothing was respawned during the stop"

# ===== 4. kill -9 of the supervisor ===========================================================
"$STACK" up >/dev/null 2>&1
read -ra kids <<<"$(wait_children "${#pids[@]}")"
supervisor=$(fcgi_supervisor)
is "${#kids[@]}" "${#pids[@]}" "stack up: a new supervisor with ${#pids[@]} children"
kill -KILL "$supervisor"
gone=no
wait_gone 5 "${kids[@]}" && gone=yes
is "$gone" yes "kill -9 of the supervisor: its children stop by themselves within 5 s (no orphans)"
stopped=0
for p in "${kids[@]}"; do grep -q "msg=stopped pid=$p\b" "$CONNECTOR_LOG" && stopped=$((stopped + 1)); done
is "$stopped" "${#kids[@]}" "each finished its requests and logged a clean stop"

# ===== 5. stack down ========================================================================
"$STACK" up >/dev/null 2>&1
read -ra kids <<<"$(wait_children "${#pids[@]}")"
supervisor=$(fcgi_supervisor)
"$STACK" down >/dev/null 2>&1
is "$(alive "$supervisor" "${kids[@]}")" "" "stack down leaves neither the supervisor nor a child running"
is "$(pgrep -f "connector-fcgi -c $CONNECTOR_CONFIG" | tr '\n' ' ')" "" \
	"nor any connector-fcgi of this stack"

# Put the stack back as it was for anything that runs after.
"$STACK" up >/dev/null 2>&1
req GET /readyz
is "$STATUS" 200 "the stack is back up"
is "$(wait_children "${#pids[@]}" | wc -w)" "${#pids[@]}" "with ${#pids[@]} children"
done_testing
