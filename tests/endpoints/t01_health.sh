#!/usr/bin/env bash
# t01_health.sh: /healthz, /readyz (with the database stopped and started again), 404, 405, HEAD.
. "$(dirname "$0")/lib.sh"

req GET /healthz
is "$STATUS" 200 "healthz answers 200"
is "$(jf .status)" ok "healthz says ok"
like "$(header Content-Type)" '^application/json' "healthz is JSON"
is "$(header X-Content-Type-Options)" nosniff "nosniff on every answer"
like "$(header X-Request-Id)" '^[0-9a-f]{16}$' "a request id is made when none is given"

req GET /healthz -H 'X-Request-Id: trace-abc-12345'
is "$(header X-Request-Id)" trace-abc-12345 "a plain client request id is kept"
req GET /healthz -H 'X-Request-Id: bad id <script>'
like "$(header X-Request-Id)" '^[0-9a-f]{16}$' "an odd client request id is replaced"

req HEAD /healthz
is "$STATUS" 200 "HEAD /healthz answers 200"
answer=$(raw 'HEAD /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' | tr -d '\r')
is "$(printf '%s' "$answer" | sed '1,/^$/d')" "" "HEAD has no body on the wire"
like "$answer" 'Content-Length: 15' "HEAD announces the GET length"

req GET /readyz
is "$STATUS" 200 "readyz answers 200 with the database up"
is "$(jf .status)" ready "readyz says ready"

req GET /no/such/thing
problem 404 "" "unknown path"
req GET '/healthz/../readyz'
ok "$([ "$STATUS" = 200 ] || [ "$STATUS" = 404 ]; echo $?)" "dot segments never reach a 5xx"

req POST /healthz -H 'Content-Type: application/json' --data '{}'
problem 405 "" "POST /healthz"
is "$(header Allow)" "GET, HEAD" "405 says Allow: GET, HEAD"
req DELETE /readyz
problem 405 "" "DELETE /readyz"

req GET /healthz --data-binary 'x=1' -H 'Content-Type: text/plain'
problem 400 body "a GET with a body"

req GET '/healthz?a=%zz'
problem 400 query "a bad query escape"

# Larger than nginx's own limit: nginx answers, with the same kind of problem body.
head -c 1100000 /dev/zero | tr '\0' 'a' >"$T_DIR/huge"
req POST /readyz -H 'Content-Type: application/json' --data-binary @"$T_DIR/huge"
problem 413 body "a body above the web server's limit"

# The database goes away: readyz says 503 with Retry-After, healthz stays 200, nothing restarts.
pids_before=$(fcgi_pids)
"$STACK" db-stop >/dev/null 2>&1
req GET /readyz
problem 503 "" "readyz with the database stopped"
like "$(header Retry-After)" '^[0-9]+$' "503 carries Retry-After"
req GET /healthz
is "$STATUS" 200 "healthz stays 200 with the database stopped"
"$STACK" db-start >/dev/null 2>&1
back=no
for i in $(seq 1 20); do
	req GET /readyz
	if [ "$STATUS" = 200 ]; then back=yes; break; fi
	sleep 0.1
done
is "$back" yes "readyz recovers once the database is back"
is "$(fcgi_pids)" "$pids_before" \
	"no connector-fcgi process restarted"

# One log line per request, with method, path, status, duration and request id.
if [ -n "${CONNECTOR_LOG:-}" ]; then
	req GET '/healthz?secret=hunter2' -H 'X-Request-Id: logcheck-0001'
	sleep 0.2
	line=$(grep 'rid=logcheck-0001' "$CONNECTOR_LOG" | tail -n 1)
	like "$line" 'msg=request .*method=GET path=/healthz status=200 dur_ms=[0-9.]+' \
		"the request is logged as one structured line"
	unlike "$line" 'hunter2' "query strings stay out of the log"
else
	ok 1 "CONNECTOR_LOG is set by scripts/stack"
fi
done_testing
