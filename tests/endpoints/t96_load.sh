#!/usr/bin/env bash
# t96_load.sh: wrk at 64 connections, 30 s twice each, on Setup and Save: every answer 2xx, no FastCGI memory growth.
. "$(dirname "$0")/lib.sh"
: "${FCGI_PIDFILE:?FCGI_PIDFILE is not set: run through scripts/stack test}"
: "${SINK_URL:?SINK_URL is not set: run through scripts/stack test}"

SECONDS_PER_RUN=30
CONNECTIONS=64
# Allowed growth of all connector-fcgi processes together between two runs: allocator noise,
# far below what a leak of a few tens of bytes per request would add over 30 s of requests.
GROWTH_MAX_KB=2048

ensure_wrk
ok $? "wrk is installed"

run=t96-$(new_uuid | cut -c1-8)
cleanup_rows() { sql "DELETE FROM configurations WHERE config_name = '$run'" >/dev/null; }
at_exit cleanup_rows
page_token
pids=$(fcgi_pids)

rss() {	# rss: "PID:KB ..." for every connector-fcgi process, then the total in kB
	local p kb total=0 out=""
	for p in $pids; do
		kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		out="$out$p:${kb:-gone} "
		total=$((total + ${kb:-0}))
	done
	echo "$out$total"
}

# load NAME URL [wrk options...] [-- script arguments...]: one wrk run; asserts every answer
# was 2xx and every request answered. Sets REQUESTS.
load() {
	local name=$1 url=$2 out=$T_DIR/wrk opts=()
	shift 2
	# wrk wants the URL before the script's arguments.
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --timeout 10s "${opts[@]}" "$url" "$@" >"$out" 2>&1
	wrk_summary "$out"
	REQUESTS=$WRK_REQUESTS
	echo "# $name: $REQUESTS requests in ${SECONDS_PER_RUN} s (${WRK_RATE:-?}/s), non-2xx $WRK_NON2XX, socket errors: $WRK_ERRORS"
	ok "$([ "$REQUESTS" -gt 0 ]; echo $?)" "$name: wrk ran ($REQUESTS requests)"
	is "$WRK_NON2XX" 0 "$name: no non-2xx answer (no 5xx) among $REQUESTS"
	# Read errors are left out: Apache resets a few of 64 busy keep-alive connections in 30 s
	# even when it serves a static file, so they say nothing of connector-fcgi, whose own
	# failures the web server turns into 5xx answers. A refused connection or a request
	# unanswered for 10 s would be a hang.
	is "$WRK_UNANSWERED" 0 "$name: no connection refused, no request left unanswered"
	[ "$REQUESTS" -gt 0 ] || sed 's/^/#   /' "$out"
}

# growth NAME BEFORE AFTER: the memory of the FastCGI processes did not grow between two runs.
growth() {
	local before=${2##* } after=${3##* }
	echo "# $1 VmRSS kB (pid:kB ... total): after run 1: $2; after run 2: $3"
	if [ -n "${STACK_SANITIZED:-}" ]; then
		# ASan keeps freed memory in quarantine, so resident size says nothing; LeakSanitizer
		# checks these processes for leaks when they exit instead.
		T_N=$((T_N + 1))
		echo "ok $T_N - $1: memory growth # SKIP sanitizer build: LeakSanitizer checks leaks at exit"
		return
	fi
	ok "$([ $((after - before)) -lt "$GROWTH_MAX_KB" ]; echo $?)" \
		"$1: the FastCGI processes' memory grew by less than $GROWTH_MAX_KB kB between two runs ($before -> $after kB, $((after - before)) kB)"
}

load "GET /Connector/Setup run 1" "$BASE_URL/Connector/Setup"
setup1=$(rss)
load "GET /Connector/Setup run 2" "$BASE_URL/Connector/Setup"
setup2=$(rss)
growth "GET /Connector/Setup" "$setup1" "$setup2"

# save_args: SAVE_ARGS becomes the wrk script and its arguments, with a new id prefix so that
# each run inserts rows rather than updating the last run's.
save_args() {
	SAVE_ARGS=(-s "$(dirname "$0")/wrk_save.lua" -- "$(new_uuid | cut -c1-8)" "$BASE_URL" \
		"$CSRF_TOKEN" "$SINK_URL" "$run")
}
save_args
load "POST /Connector/Save run 1" "$BASE_URL/Connector/Save" "${SAVE_ARGS[@]}"
saved=$REQUESTS
save1=$(rss)
save_args
load "POST /Connector/Save run 2" "$BASE_URL/Connector/Save" "${SAVE_ARGS[@]}"
saved=$((saved + REQUESTS))
save2=$(rss)
growth "POST /Connector/Save" "$save1" "$save2"

# Each answered Save is a new row; requests cut off when wrk stopped may add a few more.
rows=$(sql "SELECT count(*) FROM configurations WHERE config_name = '$run'")
ok "$([ "$rows" -ge "$saved" ]; echo $?)" "every Save answered under load has its row ($rows rows for $saved answers)"
is "$(fcgi_pids)" "$pids" "no connector-fcgi process died or restarted"
done_testing
