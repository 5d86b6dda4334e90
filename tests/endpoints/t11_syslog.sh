#!/usr/bin/env bash
# t11_syslog.sh: log_file = syslog sends the log lines to syslog(3), which is how they reach the journal.
. "$(dirname "$0")/lib.sh"
: "${CONNECTOR_CONFIG:?CONNECTOR_CONFIG is not set: run through scripts/stack test}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The worker gets no database, so it claims nothing from the stack's outbox while it logs.

if [ -e /dev/log ]; then
	# A real syslog daemon or journald owns /dev/log: read what it got from the journal.
	command -v journalctl >/dev/null || { echo "# /dev/log exists but journalctl does not"; }
	since=$(date '+%Y-%m-%d %H:%M:%S')
	env CONNECTOR_LOG_FILE=syslog CONNECTOR_DATABASE_URL="host=/nonexistent dbname=none" "$ROOT/fcgi/connector-worker" -c "$CONNECTOR_CONFIG" &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	sleep 1
	got=$(journalctl -q --no-pager --since "$since" -t connector-worker 2>&1)
else
	# No syslog here: listen on /dev/log ourselves for the length of the test.
	python3 - "$T_DIR/syslog.txt" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(0.2)
out = open(sys.argv[1], "a")
end = time.time() + 6
while time.time() < end:
    try:
        out.write(s.recv(65536).decode("utf-8", "replace") + "\n")
        out.flush()
    except socket.timeout:
        pass
PY
	listener=$!
	for i in $(seq 1 20); do [ -S /dev/log ] && break; sleep 0.1; done
	env CONNECTOR_LOG_FILE=syslog CONNECTOR_DATABASE_URL="host=/nonexistent dbname=none" "$ROOT/fcgi/connector-worker" -c "$CONNECTOR_CONFIG" &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	sleep 0.5
	kill "$listener" 2>/dev/null
	wait "$listener" 2>/dev/null
	rm -f /dev/log
	got=$(cat "$T_DIR/syslog.txt" 2>/dev/null)
fi
like "$got" "connector-worker\\[$pid\\]: level=info msg=\"worker started\"" \
	"the worker's start reaches syslog, tagged with its name and pid"
like "$got" "msg=\"worker stopped\"" "and so does its stop"
unlike "$got" 'ts=20' "without a timestamp of its own (syslog stamps it)"
done_testing
