#!/usr/bin/env bash
# bench/fcgi.sh: connector-fcgi Setup and Save requests/s against minimal libfcgi baselines behind one nginx, and connector-fcgi memory, as a table.
#
# Runs its own stack (STACK_STATE=.stack-bench-fcgi, port BENCH_PORT, 2 children x 2 threads, no
# workers) and a second nginx of its own on BENCH_PORT+5 (2 workers, no access log) in front of
# everything measured, so every path pays the same web server:
#   /static-setup.html  nginx serving a copy of the Setup page as a file (the web server's ceiling)
#   /minimal-page       bench/minimal_page.c: the same bytes and headers from the smallest libfcgi program
#   /minimal-upsert     bench/minimal_upsert.c: the same JSON body upserted with one prepared statement
#   /Connector/, /      the stack's connector-fcgi socket
# The baselines run in the same process model as the stack (2 processes x 2 FCGX_Accept_r
# threads on one socket: spawn-fcgi -F 2 forks theirs, connector-fcgi's supervisor the stack's),
# measured in the same run; targets are ratios to them, never times.
# Each measure is BENCH_SECONDS (10) cut into BENCH_ROUNDS (5) slices taken in turns with the
# others of its group, and the CPU time of the FastCGI processes per request is reported too:
# it holds still when other work on the machine moves requests/s.
# Exits 1 when any run had non-2xx answers or socket errors (not a valid result), never for a
# missed target. Environment: BENCH_PORT (8380), BENCH_SECONDS, BENCH_ROUNDS, BENCH_WARMUP (2).
set -euo pipefail
shopt -s inherit_errexit
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export STACK_STATE=$ROOT/.stack-bench-fcgi STACK_PORT=${BENCH_PORT:-8380} STACK_WORKERS=0
export STACK_SERVER=nginx STACK_CHILDREN=2 STACK_THREADS=2
SECONDS_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS="16 64"
PORT2=$((STACK_PORT + 5))
B=$STACK_STATE/bench-fcgi	# everything of this script's own: binaries, nginx, sockets, outputs
URL2=http://127.0.0.1:$PORT2

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# stop_pids FILE SIGNAL: stops the processes listed in FILE, by pid, then forgets them.
stop_pids() {
	local f=$1 sig=$2 p alive pids
	[ -f "$f" ] || return 0
	# Read once: nginx removes its own pid file as it exits.
	pids=$(cat "$f")
	for p in $pids; do kill -"$sig" "$p" 2>/dev/null || true; done
	for _ in $(seq 1 50); do
		alive=no
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive=yes; done
		[ "$alive" = yes ] || break
		sleep 0.1
	done
	for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
	rm -f "$f"
}

# Everything this script started, whatever state a failure left: also what a killed earlier
# run left behind (its pid files), before starting again.
cleanup() {
	set +e
	trap '' INT TERM	# a second ^C must not cut the cleanup short
	stop_pids "$B/nginx.pid" QUIT
	stop_pids "$B/minimal-page.pid" TERM
	stop_pids "$B/minimal-upsert.pid" TERM
	rm -f "$B/minimal-page.sock" "$B/minimal-upsert.sock"
	"$ROOT/scripts/stack" down >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$B"
cleanup
set -e
trap 'exit 130' INT TERM

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || exit 1; }
for p in gcc pkg-config spawn-fcgi nginx curl psql; do
	command -v "$p" >/dev/null || die "$p is missing (scripts/stack up installs the stack's packages)"
done

# --- the stack -------------------------------------------------------------------------------
say "starting the stack on 127.0.0.1:$STACK_PORT"
"$ROOT/scripts/stack" up >/dev/null
set -a
. "$STACK_STATE/env"
set +a
psql() { command psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }
# connector-fcgi's own connection string (the unix socket), so the baseline talks to PostgreSQL
# the same way; a superuser one for CHECKPOINT (the stack's cluster trusts local users).
DB_CONNINFO=$(sed -n 's/^database_url = //p' "$CONNECTOR_CONFIG")
DB_SUPER=${DB_CONNINFO/user=connector/user=postgres}

# --- the baselines ---------------------------------------------------------------------------
say "building bench/minimal_page.c and bench/minimal_upsert.c"
CFLAGS=(-O2 -Wall -Wextra -Werror -pthread)
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
gcc "${CFLAGS[@]}" -o "$B/minimal_page" "$ROOT/bench/minimal_page.c" $(pkg-config --cflags --libs fcgi)
# shellcheck disable=SC2046
gcc "${CFLAGS[@]}" -o "$B/minimal_upsert" "$ROOT/bench/minimal_upsert.c" \
	$(pkg-config --cflags --libs fcgi libpq json-c)

# The exact bytes connector-fcgi answers for the Setup page (only the CSRF token and request id
# differ between requests, not the size), and one CSRF token for the Save runs.
code=$(curl -s -D "$B/setup.headers" -o "$B/static-setup.html" -w '%{http_code}' "$BASE_URL/Connector/Setup")
[ "$code" = 200 ] || die "GET /Connector/Setup answered $code"
PAGE_BYTES=$(wc -c <"$B/static-setup.html")
TOKEN=$(sed -n 's/.*<meta name="csrf-token" content="\([^"]*\)".*/\1/p' "$B/static-setup.html" | head -n 1)
[ -n "$TOKEN" ] || die "no CSRF token in the Setup page"
# The minimal page's answer: connector-fcgi's own headers (not the web server's), the same body.
{
	printf 'Status: 200 OK\r\n'
	tr -d '\r' <"$B/setup.headers" |
		grep -viE '^(HTTP/|server:|date:|connection:|content-length:|transfer-encoding:|keep-alive:|$)' |
		sed 's/$/\r/'
	printf 'Content-Length: %s\r\n\r\n' "$PAGE_BYTES"
	cat "$B/static-setup.html"
} >"$B/minimal-page.response"
mkdir -p "$B/www"
cp "$B/static-setup.html" "$B/www/static-setup.html"

say "spawn-fcgi: the baselines, $STACK_CHILDREN children x $STACK_THREADS threads each"
spawn-fcgi -s "$B/minimal-page.sock" -M 0600 -F "$STACK_CHILDREN" -P "$B/minimal-page.pid" -- \
	"$B/minimal_page" "$B/minimal-page.response" "$STACK_THREADS" >/dev/null
spawn-fcgi -s "$B/minimal-upsert.sock" -M 0600 -F "$STACK_CHILDREN" -P "$B/minimal-upsert.pid" -- \
	"$B/minimal_upsert" "$DB_CONNINFO" "$STACK_THREADS" "$B/minimal-upsert.log" >/dev/null

# --- the second nginx ------------------------------------------------------------------------
mkdir -p "$B/nginx/tmp"
user=""
[ "$(id -u)" -eq 0 ] && user="user root root;"	# workers must reach the 0600 sockets
fcgi_loc() {	# fcgi_loc SOCKET: the FastCGI part of a location, as the stack's site has it
	cat <<EOF
        include /etc/nginx/fastcgi_params;
        fastcgi_param HTTP_PROXY "";
        fastcgi_pass unix:$1;
        fastcgi_keep_conn off;
        fastcgi_read_timeout 30s;
EOF
}
cat >"$B/nginx/nginx.conf" <<EOF
# Generated by bench/fcgi.sh: one web server in front of every path it measures.
$user
daemon on;
worker_processes 2;
pid $B/nginx.pid;
error_log $B/nginx-error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path $B/nginx/tmp/body;
    fastcgi_temp_path $B/nginx/tmp/fastcgi;
    proxy_temp_path $B/nginx/tmp/proxy;
    uwsgi_temp_path $B/nginx/tmp/uwsgi;
    scgi_temp_path $B/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT2;
        server_name 127.0.0.1;
        server_tokens off;
        client_max_body_size 1m;
        location = /static-setup.html {
            root $B/www;
        }
        location = /minimal-page {
$(fcgi_loc "$B/minimal-page.sock")
        }
        location = /minimal-upsert {
$(fcgi_loc "$B/minimal-upsert.sock")
        }
        location /Connector/ {
$(fcgi_loc "$STACK_STATE/run/connector.sock")
        }
        location / {
$(fcgi_loc "$STACK_STATE/run/connector.sock")
        }
    }
}
EOF
NGINX2=(nginx -p "$B/nginx" -e "$B/nginx-error.log" -c "$B/nginx/nginx.conf")
"${NGINX2[@]}" -t -q || die "the bench nginx configuration does not pass nginx -t"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT2") 2>/dev/null && die "port $PORT2 is taken: set BENCH_PORT"
say "starting the bench nginx on 127.0.0.1:$PORT2"
"${NGINX2[@]}"

# --- every path answers right before anything is measured ------------------------------------
for _ in $(seq 1 50); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL2/minimal-page")" = 200 ] && break
	sleep 0.1
done
check_get() {	# check_get PATH: 200 and the Setup page's size through the bench nginx
	local got
	got=$(curl -s -o "$B/check.out" -w '%{http_code} %{size_download}' "$URL2$1")
	[ "$got" = "200 $PAGE_BYTES" ] || die "GET $1 answered '$got', wanted '200 $PAGE_BYTES'"
}
check_get /static-setup.html
check_get /minimal-page
check_get /Connector/Setup
# The same headers from both FastCGI programs (the values of the token-free ones).
curl -s -D - -o /dev/null "$URL2/minimal-page" | grep -iE '^(content-type|content-security-policy|cache-control):' \
	>"$B/check.minimal"
curl -s -D - -o /dev/null "$URL2/Connector/Setup" | grep -iE '^(content-type|content-security-policy|cache-control):' \
	>"$B/check.connector"
cmp -s "$B/check.minimal" "$B/check.connector" || die "the minimal page's headers differ from Setup's"
save_body() {	# save_body ENTITY: a valid Save body, as bench/fcgi_save.lua builds them
	printf '{"entityId":"%s","configName":"bench-fcgi-check","contentUrl":"%s/Connector/Edit?entityId=%s",%s}' \
		"$1" "$BASE_URL" "$1" '"webhookUrl":"https://bench.webhook.office.com/webhookb2/x@y/IncomingWebhook/0/z","appType":"teams","userObjectId":"0b0e0f00-0000-4000-8000-000000000003","events":["builds"]'
}
for path in /minimal-upsert /Connector/Save; do
	code=$(curl -s -o "$B/check.out" -w '%{http_code}' -X POST "$URL2$path" \
		-H 'Content-Type: application/json' -H "Origin: $BASE_URL" -H "X-CSRF-Token: $TOKEN" \
		--data-binary "$(save_body "$(cat /proc/sys/kernel/random/uuid)")")
	[ "$code" = 200 ] || die "POST $path answered $code: $(head -c 300 "$B/check.out")"
done

# --- measuring -------------------------------------------------------------------------------
# Each measure is ROUNDS slices of SECONDS_RUN/ROUNDS seconds, the measures of a group taking
# turns slice by slice: other work on this machine (it is shared) then falls on every side of a
# ratio alike, instead of on whichever ran during a burst.
ROUNDS=${BENCH_ROUNDS:-5}
SLICE=$((SECONDS_RUN / ROUNDS))
[ "$SLICE" -ge 1 ] || SLICE=1
rm -f "$B"/wrk-*.txt

# wrk_run FILE-NAME CONNS SECONDS PATH [LUA-SCRIPT ARGS...]: wrk's report in $B/wrk-FILE-NAME.txt
wrk_run() {
	local name=$1 c=$2 s=$3 path=$4 lua=()
	shift 4
	if [ $# -gt 0 ]; then
		lua=(-s "$1")
		shift
	fi
	wrk -t2 -c"$c" -d"${s}s" --latency "${lua[@]}" "$URL2$path" -- "$@" >"$B/wrk-$name.txt"
}
# sums NAME CONNS ROUNDS: "answers seconds non-2xx socket-errors cpu-ticks" of the rounds (a glob: r*, r3)
sums() {
	# shellcheck disable=SC2086 # the rounds are a glob
	cat "$B/wrk-$1-$2-"$3.txt | awk '
	/ requests in / {
		n += $1; t = $4; sub(/,$/, "", t)
		if (t ~ /ms$/) { sub(/ms$/, "", t); t /= 1000 }
		else if (t ~ /m$/) { sub(/m$/, "", t); t *= 60 }
		else sub(/s$/, "", t)
		secs += t
	}
	/Non-2xx or 3xx responses/ { bad += $NF }
	/Socket errors:/ { gsub(/,/, ""); sock += $4 + $6 + $8 + $10 }
	/^cpu ticks:/ { ticks += $3 }
	END { print n + 0, secs + 0, bad + 0, sock + 0, ticks + 0 }'
}
rps() { sums "$@" | awk '{ printf "%.0f", ($2 > 0 ? $1 / $2 : 0) }'; }
answered() { sums "$1" "$2" 'r*' | awk '{ print $1 }'; }
errors() { sums "$1" "$2" 'r*' | awk '{ print $3 " / " $4 }'; }
cpu_us() {	# cpu_us NAME CONNS: CPU microseconds per answer in the FastCGI processes
	sums "$1" "$2" 'r*' | awk -v hz="$CLK_TCK" '{ printf "%.0f", ($1 > 0 ? $5 * 1e6 / hz / $1 : 0) }'
}

TAG_BASE=$(( ($(date +%s) & 0xffffff) * 256 ))
TAG_N=0
save_args() {	# save_args NAME: SAVE_ARGS, the Lua script and its arguments (run tag, Origin, token, configName)
	TAG_N=$((TAG_N + 1))
	SAVE_ARGS=("$ROOT/bench/fcgi_save.lua" "$((TAG_BASE + TAG_N))" "$BASE_URL" "$TOKEN" "bench-fcgi-$1")
}
# Both sides of a Save ratio start from the same table and a fresh checkpoint, and share the
# growth of the table slice by slice.
reset_rows() {
	psql -c "DELETE FROM configurations WHERE config_name LIKE 'bench-fcgi%'" -c "VACUUM configurations"
	command psql "$DB_SUPER" -X -q -c CHECKPOINT
}
declare -A ROWS
PAGES="static:/static-setup.html minimal-page:/minimal-page setup:/Connector/Setup"
SAVES="minimal-upsert:/minimal-upsert save:/Connector/Save"
# The FastCGI processes behind each measure, for their CPU time: unlike requests/s, CPU time
# per request hardly moves with what else the machine runs.
declare -A PIDFILE=([minimal-page]=$B/minimal-page.pid [setup]=$STACK_STATE/run/connector-fcgi.pid
	[minimal-upsert]=$B/minimal-upsert.pid [save]=$STACK_STATE/run/connector-fcgi.pid)
# serving_pids PIDFILE: the processes that serve: those of the file, or their connector-fcgi
# children when the file names connector-fcgi's supervisor (the stack runs processes > 1).
serving_pids() {
	local p kids
	for p in $(cat "$1"); do
		kids=$(pgrep -P "$p" -x connector-fcgi || true)
		if [ -n "$kids" ]; then echo "$kids"; else echo "$p"; fi
	done
}
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {	# cpu_ticks PIDFILE: user + system clock ticks of the serving processes, all threads
	local p sum=0
	for p in $(serving_pids "$1"); do
		# Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
		sum=$((sum + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$sum"
}
# group KIND CONNS ROUNDS SECONDS SUFFIX NAME:PATH...: the measures of a group in turns
group() {
	local kind=$1 c=$2 rounds=$3 secs=$4 suffix=$5 r np name t0 pf
	shift 5
	for r in $(seq 1 "$rounds"); do
		for np in "$@"; do
			name=${np%%:*}
			pf=${PIDFILE[$name]:-}
			[ -z "$pf" ] || t0=$(cpu_ticks "$pf")
			if [ "$kind" = save ]; then
				save_args "$name"
				wrk_run "$name-$c-$suffix$r" "$c" "$secs" "${np#*:}" "${SAVE_ARGS[@]}"
			else
				wrk_run "$name-$c-$suffix$r" "$c" "$secs" "${np#*:}"
			fi
			[ -z "$pf" ] || echo "cpu ticks: $(( $(cpu_ticks "$pf") - t0 ))" >>"$B/wrk-$name-$c-$suffix$r.txt"
		done
	done
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "warm-up (${WARMUP} s each)"
# shellcheck disable=SC2086 # one NAME:PATH a word
group page 16 1 "$WARMUP" warm $PAGES
# shellcheck disable=SC2086
group save 16 1 "$WARMUP" warm $SAVES
for c in $CONNS; do
	say "pages at $c connections ($ROUNDS rounds of $SLICE s each)"
	# shellcheck disable=SC2086
	group page "$c" "$ROUNDS" "$SLICE" r $PAGES
done
for c in $CONNS; do
	say "saves at $c connections ($ROUNDS rounds of $SLICE s each)"
	reset_rows
	# shellcheck disable=SC2086
	group save "$c" "$ROUNDS" "$SLICE" r $SAVES
	for name in minimal-upsert save; do
		ROWS[$name-$c]=$(psql -Atc "SELECT count(*) FROM configurations WHERE config_name = 'bench-fcgi-$name'")
	done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- memory ----------------------------------------------------------------------------------
MEM=()
for p in $(serving_pids "$STACK_STATE/run/connector-fcgi.pid"); do
	MEM+=("$p $(awk '/^VmRSS/ {r = $2} /^VmHWM/ {h = $2} END {print r, h}' "/proc/$p/status")")
done
psql -c "DELETE FROM configurations WHERE config_name LIKE 'bench-fcgi%'"

# --- the table -------------------------------------------------------------------------------
INVALID=no
for name in static minimal-page setup minimal-upsert save; do
	for c in $CONNS; do
		[ "$(errors "$name" "$c")" = "0 / 0" ] || INVALID=yes
	done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# spread A B CONNS: the lowest and highest ratio of single rounds, to show the noise
spread() {
	local r lo="" hi="" x
	for r in $(seq 1 "$ROUNDS"); do
		x=$(ratio "$(rps "$1" "$3" "r$r")" "$(rps "$2" "$3" "r$r")")
		lo=$(awk -v a="$x" -v b="${lo:-$x}" 'BEGIN { print (a < b ? a : b) }')
		hi=$(awk -v a="$x" -v b="${hi:-$x}" 'BEGIN { print (a > b ? a : b) }')
	done
	echo "$lo-$hi"
}
target() {	# target R16 R64: whether both ratios reach 0.8
	awk -v a="$1" -v b="$2" 'BEGIN { print (a >= 0.8 && b >= 0.8) ? "met" : "MISSED" }'
}
row() {	# row LETTER NAME WHAT
	local cpu="-"
	[ -z "${PIDFILE[$2]:-}" ] || cpu="$(cpu_us "$2" 16); $(cpu_us "$2" 64)"
	printf '| %s | %s | %s | %s | %s; %s | %s | |\n' "$1" "$3" "$(rps "$2" 16 'r*')" "$(rps "$2" 64 'r*')" \
		"$(errors "$2" 16)" "$(errors "$2" 64)" "$cpu"
}
ratio_row() {	# ratio_row LABEL WHAT A B
	local r16 r64
	r16=$(ratio "$(rps "$3" 16 'r*')" "$(rps "$4" 16 'r*')")
	r64=$(ratio "$(rps "$3" 64 'r*')" "$(rps "$4" 64 'r*')")
	printf '| %s | %s | %s (rounds %s) | %s (rounds %s) | | %s; %s | >= 0.80 at both: %s |\n' "$1" "$2" \
		"$r16" "$(spread "$3" "$4" 16)" "$r64" "$(spread "$3" "$4" 64)" \
		"$(ratio "$(cpu_us "$4" 16)" "$(cpu_us "$3" 16)")" "$(ratio "$(cpu_us "$4" 64)" "$(cpu_us "$3" 64)")" \
		"$(target "$r16" "$r64")"
}
model="$STACK_CHILDREN children x $STACK_THREADS FCGX_Accept_r threads (spawn-fcgi -F $STACK_CHILDREN; the stack's are supervised)"

printf '\n| | measure (%s cores; wrk -t2; %s rounds of %s s per measure, taking turns; one nginx, 2 workers, in front of all) | req/s at 16 connections | req/s at 64 connections | non-2xx / socket errors (16; 64) | CPU us per request in the FastCGI processes (16; 64); for ratios: baseline CPU / ours | target |\n' \
	"$(nproc)" "$ROUNDS" "$SLICE"
printf '|---|---|---|---|---|---|---|\n'
row a static "nginx serving a copy of the Setup page as a file ($PAGE_BYTES bytes)"
row b minimal-page "minimal libfcgi page: the same $PAGE_BYTES bytes and headers, $model"
row c setup "connector-fcgi GET /Connector/Setup, $STACK_CHILDREN children x $STACK_THREADS threads"
row d minimal-upsert "minimal libfcgi + libpq upsert: the same body, json-c parse, one prepared statement, $model"
row e save "connector-fcgi POST /Connector/Save (a new entityId each request)"
ratio_row c/b "Setup against the minimal page" setup minimal-page
ratio_row e/d "Save against the minimal upsert" save minimal-upsert
for m in "${MEM[@]}"; do
	read -r p rss hwm <<<"$m"
	printf '| mem | connector-fcgi pid %s after the runs: VmRSS %s kB, VmHWM %s kB | | | | | VmRSS < 10 MB: %s%s |\n' \
		"$p" "$rss" "$hwm" "$( [ "$rss" -lt 10240 ] && echo met || echo MISSED)" \
		"$( [ "$hwm" -lt 10240 ] || echo " (peak above 10 MB)")"
done
printf '\nRows stored by the Save runs (at least the answers wrk counted):'
for name in minimal-upsert save; do
	for c in $CONNS; do
		printf ' %s@%s %s rows for %s answers;' "$name" "$c" "${ROWS[$name-$c]}" "$(answered "$name" "$c")"
	done
done
printf '\nLoad average (1, 5, 15 min) before the runs: %s; after: %s (above 2 on 2 cores: other work competed)\n' \
	"$LOAD_BEFORE" "$LOAD_AFTER"
printf 'wrk reports (latency percentiles too): %s/wrk-*.txt\n' "$B"
if [ -s "$B/minimal-upsert.log" ]; then
	printf 'minimal_upsert errors: %s\n' "$(head -n 3 "$B/minimal-upsert.log")"
fi
if [ "$INVALID" = yes ]; then
	echo "NOT VALID: some runs had non-2xx answers or socket errors (see the reports)"
	exit 1
fi
