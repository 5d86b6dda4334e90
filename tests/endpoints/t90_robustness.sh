#!/usr/bin/env bash
# t90_robustness.sh: malformed requests never crash connector-fcgi nor grow its memory across requests.
. "$(dirname "$0")/lib.sh"

pids=$(fcgi_pids)
ok "$([ -n "$pids" ]; echo $?)" "connector-fcgi processes are running"
rss() { local t=0 p; for p in $pids; do t=$((t + $(awk '/^VmRSS/ {print $2}' /proc/$p/status))); done; echo $t; }

page_token
token=$CSRF_TOKEN
big=$T_DIR/big.json
{ printf '{"configName":"'; head -c 60000 /dev/zero | tr '\0' 'x'; printf '"}'; } >"$big"
# One round of good and bad requests, through nginx as a browser or a script would send them.
round() {
	curl -s -o /dev/null "$BASE_URL/healthz"
	curl -s -o /dev/null "$BASE_URL/Connector/Setup"
	curl -s -o /dev/null "$BASE_URL/Connector/Edit?entityId=not-a-uuid"
	curl -s -o /dev/null "$BASE_URL/Connector/Edit?entityId=%ff%fe"
	curl -s -o /dev/null "$BASE_URL/Connector/Edit?$(head -c 3000 /dev/zero | tr '\0' 'a')=1"
	curl -s -o /dev/null -X POST "$BASE_URL/Connector/Save" -H 'Content-Type: application/json' \
		-H "Origin: $BASE_URL" -H "X-CSRF-Token: $token" --data-binary @"$big"
	curl -s -o /dev/null -X POST "$BASE_URL/Connector/Save" -H 'Content-Type: application/json' \
		-H "Origin: $BASE_URL" -H "X-CSRF-Token: $token" --data-binary $'{"configName":"\xff"}'
	curl -s -o /dev/null -X POST "$BASE_URL/Connector/Save" -H 'Content-Type: application/json' \
		-H "Origin: $BASE_URL" -H "X-CSRF-Token: $token" --data-binary '[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]'
	curl -s -o /dev/null -X POST "$BASE_URL/Connector/Remove" -H 'Content-Type: application/json' \
		-H "Origin: $BASE_URL" -H "X-CSRF-Token: $token" --data-binary '{"entityId":1,"webhookUrl":null}'
	curl -s -o /dev/null -X PATCH "$BASE_URL/Connector/Save"
}
for i in $(seq 1 30); do round; done
before=$(rss)
for i in $(seq 1 150); do round; done
after=$(rss)
growth=$((after - before))
echo "# resident memory of all connector-fcgi processes: ${before} kB -> ${after} kB"
if [ -n "${STACK_SANITIZED:-}" ]; then
	# ASan keeps freed memory in quarantine, so resident size says nothing; LeakSanitizer
	# checks these processes for leaks when they exit instead.
	T_N=$((T_N + 1))
	echo "ok $T_N - memory growth # SKIP sanitizer build: LeakSanitizer checks leaks at exit"
else
	ok "$([ "$growth" -lt 1024 ]; echo $?)" \
		"1500 mixed requests grow resident memory by less than 1 MB (grew ${growth} kB)"
fi

# Bytes no browser sends, straight to nginx: the answers are 4xx, never a crash.
for r in 'GET /Connector/Setup%00 HTTP/1.0\r\n\r\n' 'GET /%ff%fe HTTP/1.0\r\n\r\n' \
	'FOO /healthz HTTP/1.0\r\n\r\n' 'GET /healthz?a=%%%%% HTTP/1.0\r\n\r\n' \
	'POST /Connector/Save HTTP/1.0\r\nOrigin: '"$BASE_URL"'\r\nX-CSRF-Token: '"$token"'\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n{"a"' \
	'POST /Connector/Save HTTP/1.0\r\nOrigin: '"$BASE_URL"'\r\nX-CSRF-Token: '"$token"'\r\nContent-Type: application/json; charset=latin1\r\nContent-Length: 2\r\n\r\n{}'; do
	answer=$(raw "$r" | head -n 1 | tr -d '\r')
	like "$answer" '^HTTP/1\.[01] 4[0-9][0-9]' "raw request answered 4xx: $(printf '%s' "$r" | head -c 30 | tr -d '\\')"
done
is "$(fcgi_pids)" "$pids" "no connector-fcgi process died or restarted"
req GET /healthz
is "$STATUS" 200 "still healthy"
done_testing
