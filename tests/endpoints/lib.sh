# tests/endpoints/lib.sh: HTTP, database and TAP helpers for the endpoint tests (sourced).
# Needs BASE_URL and DATABASE_URL (scripts/stack test exports them); fails loudly without.
set -u
: "${BASE_URL:?BASE_URL is not set: run through scripts/stack test}"
: "${DATABASE_URL:?DATABASE_URL is not set: run through scripts/stack test}"

T_DIR=$(mktemp -d)
trap 'rm -rf "$T_DIR"' EXIT
# shellcheck source=../tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

# req METHOD PATH [curl args...]: sets STATUS, BODY and HEADERS (a file) for the answer.
req() {
	local method=$1 path=$2
	shift 2
	local how=(-X "$method")
	# curl -X HEAD would wait for a body that never comes.
	[ "$method" = HEAD ] && how=(--head -o /dev/null)
	HEADERS=$T_DIR/headers
	rm -f "$T_DIR/body" "$HEADERS"
	STATUS=$(curl -s --max-time 20 -o "$T_DIR/body" -D "$HEADERS" -w '%{http_code}' "${how[@]}" \
		"$@" "$BASE_URL$path")
	BODY=$(cat "$T_DIR/body" 2>/dev/null)
}

# raw TEXT: sends TEXT as is to the server (HTTP/1.0, so it closes) and prints the answer.
raw() {
	local hp=${BASE_URL#http://}
	exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}"
	printf '%b' "$1" >&3
	timeout 5 cat <&3
	exec 3<&-
}

# fcgi_supervisor: the pid in this stack's pid file: spawn-fcgi starts one connector-fcgi, which
# with processes > 1 (as the stack runs it) supervises the serving children.
fcgi_supervisor() {
	: "${FCGI_PIDFILE:?FCGI_PIDFILE is not set: run through scripts/stack test}"
	head -n 1 "$FCGI_PIDFILE" 2>/dev/null
}

# fcgi_supervised: true when connector-fcgi runs supervised (processes > 1 in its configuration
# or in CONNECTOR_PROCESSES, which overrides it).
fcgi_supervised() {
	: "${CONNECTOR_CONFIG:?CONNECTOR_CONFIG is not set: run through scripts/stack test}"
	local n
	n=${CONNECTOR_PROCESSES:-$(sed -n 's/^[[:space:]]*processes[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' \
		"$CONNECTOR_CONFIG" | tail -n 1)}
	[ "${n:-1}" -gt 1 ]
}

# fcgi_pids: this stack's live connector-fcgi processes that serve requests, sorted, one line:
# the supervisor's children, or the process of the pid file itself when it runs unsupervised.
fcgi_pids() {
	: "${FCGI_PIDFILE:?FCGI_PIDFILE is not set: run through scripts/stack test}"
	local p
	for p in $(cat "$FCGI_PIDFILE" 2>/dev/null); do
		kill -0 "$p" 2>/dev/null || continue
		if fcgi_supervised; then pgrep -P "$p" -x connector-fcgi; else echo "$p"; fi
	done | sort | tr '\n' ' '
}

# wait_children N [SECONDS]: waits (5 s by default) until N children serve; prints their pids.
wait_children() {
	local n=$1 i now
	for i in $(seq 1 $((${2:-5} * 20))); do
		now=$(fcgi_pids)
		[ "$(wc -w <<<"$now")" -eq "$n" ] && break
		sleep 0.05
	done
	echo "$now"
}

# header NAME: the value of a response header of the last req (case-insensitive), no CR.
header() {
	grep -i "^$1:" "$HEADERS" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# jf FILTER: a jq filter over the last body ("" when the body is not JSON).
jf() {
	printf '%s' "$BODY" | jq -r "$1" 2>/dev/null || true
}

# sql QUERY: one value from the database.
sql() {
	psql "$DATABASE_URL" -X -Atq -c "$1"
}

# wait_for SQL-CONDITION [SECONDS]: polls the database until the condition holds; prints t or f.
wait_for() {
	local i
	for i in $(seq 1 $((${2:-10} * 5))); do
		[ "$(sql "SELECT ($1)")" = t ] && { echo t; return; }
		sleep 0.2
	done
	echo f
}

# problem STATUS FIELD NAME: the last answer is an RFC 9457 problem with that status and field.
problem() {
	local status=$1 field=$2 name=$3
	is "$STATUS" "$status" "$name: status $status"
	like "$(header Content-Type)" '^application/problem\+json' "$name: problem+json"
	is "$(jf .status)" "$status" "$name: status member"
	like "$(jf .title)" '.' "$name: has a title"
	like "$(jf .detail)" '.' "$name: has a detail"
	like "$(jf .type)" '^urn:teams-connector:problem:' "$name: has a type"
	if [ -n "$field" ]; then is "$(jf .field)" "$field" "$name: names $field"; fi
}

# --- Helpers for the configuration endpoints (Save, Remove, Edit) --------------------------

new_uuid() {	# new_uuid: a random lower-case UUID
	cat /proc/sys/kernel/random/uuid
}

rand_hex() {	# rand_hex N: N random bytes as 2N lower-case hex digits
	od -An -tx1 -N "$1" /dev/urandom | tr -d ' \n'
}

# at_exit COMMAND: runs COMMAND too when the test ends; the temporary directory still goes.
at_exit() {
	T_AT_EXIT="${T_AT_EXIT:-}$1; "
	trap "$T_AT_EXIT"'rm -rf "$T_DIR"' EXIT
}

# page_token: fetches the CSRF token of a Setup page once per test into CSRF_TOKEN
# (plain curl, so that STATUS and BODY of the last req stay as they were).
page_token() {
	[ -n "${CSRF_TOKEN:-}" ] && return 0
	CSRF_TOKEN=$(curl -s --max-time 20 "$BASE_URL/Connector/Setup" |
		sed -n 's/.*<meta name="csrf-token" content="\([^"]*\)".*/\1/p' | head -n 1)
}

# post_json PATH BODY [curl args...]: POSTs BODY as is, with only the headers given.
post_json() {
	local path=$1
	printf '%s' "$2" >"$T_DIR/request.json"
	shift 2
	req POST "$path" --data-binary @"$T_DIR/request.json" "$@"
}

# page_post PATH BODY [curl args...]: POSTs BODY as our page does: JSON, CSRF token, our Origin.
# A Content-Type among the curl args replaces the default one: with both, nginx would pass the
# first alone and Apache the two joined by a comma.
page_post() {
	local path=$1 body=$2 a ct=(-H 'Content-Type: application/json')
	shift 2
	page_token
	for a in "$@"; do
		case ${a,,} in content-type:*) ct=() ;; esac
	done
	post_json "$path" "$body" "${ct[@]}" \
		-H "X-CSRF-Token: $CSRF_TOKEN" -H "Origin: $BASE_URL" "$@"
}

save_json() {	# save_json BODY [curl args...]
	page_post /Connector/Save "$@"
}

remove_json() {	# remove_json BODY [curl args...]
	page_post /Connector/Remove "$@"
}

# config_body ENTITY NAME WEBHOOK APP-TYPE USER-OBJECT-ID EVENTS-JSON: a Save body as the page
# builds it, contentUrl included.
config_body() {
	jq -nc --arg e "$1" --arg n "$2" --arg w "$3" --arg a "$4" --arg u "$5" --argjson ev "$6" \
		--arg base "$BASE_URL" '{entityId: $e, configName: $n,
		contentUrl: ($base + "/Connector/Edit?entityId=" + ($e | ascii_downcase)),
		webhookUrl: $w, appType: $a, userObjectId: $u, events: $ev}'
}

# --- Rows and secrets a test makes ----------------------------------------------------------

# Entity ids this test made (see fresh); forget_rows deletes their rows. Tests register it with
# at_exit, so the rows go even when a test stops early.
FORGET=""
fresh() {	# fresh VAR: a new entity id in VAR, remembered for removal
	printf -v "$1" '%s' "$(new_uuid)"
	FORGET="$FORGET ${!1}"
}
forget_rows() {
	[ -n "$FORGET" ] || return 0
	local list
	# shellcheck disable=SC2086 # one id a word
	list=$(printf "'%s'," $FORGET)
	sql "DELETE FROM configurations WHERE entity_id IN (${list%,})"
}

# Webhook URLs and user object ids a test used, with the random parts of the URLs, so that a cut
# or partly escaped copy in a log would still be found (see logs_lack).
SECRETS=()
connector_url() {	# connector_url VAR: a fresh URL shaped like a Teams connector webhook
	local t a b h c
	t=$(rand_hex 4) a=$(new_uuid) b=$(new_uuid) h=$(rand_hex 16) c=$(new_uuid)
	printf -v "$1" 'https://contoso%s.webhook.office.com/webhookb2/%s@%s/IncomingWebhook/%s/%s' \
		"$t" "$a" "$b" "$h" "$c"
	SECRETS+=("${!1}" "$a" "$b" "$h" "$c")
}
user_id() {	# user_id VAR: a fresh user object id
	printf -v "$1" '%s' "$(new_uuid)"
	SECRETS+=("${!1}")
}

row() {	# row ENTITY COLUMN-EXPR: one value of that entity's stored row
	db "SELECT $2 FROM configurations WHERE entity_id = '$1'"
}

# --- Long-lived helpers: a psql or jq start costs ~50 ms, and a test asks hundreds of times ---

# session_open NAME COMMAND...: runs COMMAND for the rest of the test, its input and output on
# FIFOs; NAME_W and NAME_R become the descriptors to write questions to and read answers from.
session_open() {
	local name=$1 w r
	shift
	mkfifo "$T_DIR/$name.in" "$T_DIR/$name.out"
	"$@" <"$T_DIR/$name.in" >"$T_DIR/$name.out" 2>&1 &
	exec {w}>"$T_DIR/$name.in" {r}<"$T_DIR/$name.out"
	printf -v "${name}_W" '%s' "$w"
	printf -v "${name}_R" '%s' "$r"
}

# One line per answer body: its status member, whether type, title and detail are there, its field.
PROBLEM_SUMMARY='try (fromjson | "\(.status) \(if (.type | type) == "string" and
	(.type | startswith("urn:teams-connector:problem:")) then "typed" else "untyped" end) \(
	if (.title | type) == "string" and .title != "" then "titled" else "untitled" end) \(
	if (.detail | type) == "string" and .detail != "" then "detailed" else "undetailed" end
	) field=\(.field // "")") catch "not-json"'

# fast_sessions: opens the long-lived psql and jq; call it once at the top level of a test
# (not inside $(...), whose variables would be lost).
fast_sessions() {
	session_open DBS psql "$DATABASE_URL" -X -Atq
	session_open JQS jq --unbuffered -R -r "$PROBLEM_SUMMARY"
}

# db QUERY: like sql, through the long-lived psql once fast_sessions has run.
db() {
	[ -n "${DBS_W:-}" ] || { sql "$1"; return; }
	local line out="" sep=""
	printf '%s;\n\\echo __end_of_answer__\n' "$1" >&"$DBS_W"
	while IFS= read -r -t 10 line <&"$DBS_R"; do
		[ "$line" = __end_of_answer__ ] && break
		out+="$sep$line"
		sep=$'\n'
	done
	printf '%s' "$out"
}

# problem_summary: the last answer body summed up in one line by PROBLEM_SUMMARY.
problem_summary() {
	if [ -z "${JQS_W:-}" ]; then
		printf '%s\n' "${BODY//$'\n'/ }" | jq -R -r "$PROBLEM_SUMMARY"
		return
	fi
	local line=no-answer
	printf '%s\n' "${BODY//$'\n'/ }" >&"$JQS_W"
	IFS= read -r -t 10 line <&"$JQS_R"
	printf '%s' "$line"
}

# table_sum: a checksum of every row of configurations, to prove a refused request changed none.
table_sum() {
	db "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY entity_id), '')) FROM configurations t"
}

# expect_refused STATUS FIELD NAME COMMAND...: COMMAND (one request) is answered with a complete
# problem of that status naming FIELD ("" to leave the field unchecked), and leaves the
# configurations table as it was. Two assertions, so that hundreds of cases stay fast.
expect_refused() {
	local status=$1 field=$2 name=$3 before got want ct
	shift 3
	before=$(table_sum)
	"$@"
	ct=$(header Content-Type)
	got="$STATUS ${ct%%;*} $(problem_summary)"
	want="$status application/problem+json $status typed titled detailed field=$field"
	if [ -z "$field" ]; then
		got=${got% field=*}
		want=${want% field=*}
	fi
	is "$got" "$want" "$name: $status problem${field:+ naming $field}"
	is "$(table_sum)" "$before" "$name: the configurations table is unchanged"
}

# lacks TEXT SECRET NAME: TEXT does not hold SECRET (in any case); on failure the secret is not
# printed, since printing it would leak it into test logs.
lacks() {
	T_N=$((T_N + 1))
	if printf '%s' "$1" | grep -Fqi -- "$2"; then
		echo "not ok $T_N - $3"
		echo "#   a secret value appears in it (not shown)"
		T_FAILED=$((T_FAILED + 1))
	else
		echo "ok $T_N - $3"
	fi
}

# logs_lack NAME SECRET...: no secret appears in the connector log or in the logs of the web
# server in front (STACK_SERVER: nginx, the default, or apache).
logs_lack() {
	local name=$1 dir f hits="" web=${STACK_SERVER:-nginx}
	shift
	printf '%s\n' "$@" >"$T_DIR/secrets"
	dir=$(dirname "$CONNECTOR_LOG")
	for f in "$CONNECTOR_LOG" "$dir/$web-access.log" "$dir/$web-error.log"; do
		# The error log may never have been written; the other two always are.
		if [ ! -f "$f" ]; then
			[ "$f" = "$dir/$web-error.log" ] || hits="$hits $(basename "$f")(missing)"
			continue
		fi
		grep -Fqi -f "$T_DIR/secrets" -- "$f" && hits="$hits $(basename "$f")"
	done
	T_N=$((T_N + 1))
	if [ -z "$hits" ]; then
		echo "ok $T_N - $name"
	else
		echo "not ok $T_N - $name"
		echo "#   a secret value appears in (or the log is missing):$hits (not shown)"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# --- Helpers for the fault and load tests (t95, t96) ----------------------------------------

now_ms() {	# now_ms: wall-clock milliseconds since the epoch (EPOCHREALTIME: no date process)
	local t=${EPOCHREALTIME/./}
	echo "${t:0:-3}"
}

# save_body ENTITY NAME WEBHOOK: a valid Save body made with printf alone, for loops that send
# thousands (jq in config_body costs a process each).
save_body() {
	local f='{"entityId":"%s","configName":"%s","contentUrl":"%s/Connector/Edit?entityId=%s",'
	f+='"webhookUrl":"%s","appType":"teams","userObjectId":"%s","events":["deployments"]}'
	# shellcheck disable=SC2059 # the format is ours; the values go in as %s
	printf "$f" "$1" "$2" "$BASE_URL" "$1" "$3" "$1"
}

# missing_ids FILE: how many of the entity ids in FILE (one a line) have no configuration row.
missing_ids() {
	{
		echo 'CREATE TEMP TABLE wanted (id uuid);'
		echo 'COPY wanted FROM STDIN;'
		cat "$1"
		echo '\.'
		echo 'SELECT count(*) FROM wanted WHERE id NOT IN (SELECT entity_id FROM configurations);'
	} | psql "$DATABASE_URL" -X -Atq
}

# ensure_wrk: installs wrk (Debian package) when it is missing; true when it is there.
ensure_wrk() {
	command -v wrk >/dev/null && return 0
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk \
		>/dev/null 2>&1 ||
		{ $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			wrk >/dev/null 2>&1; }
	command -v wrk >/dev/null
}

# wrk_summary FILE: reads wrk's output into WRK_REQUESTS, WRK_NON2XX, WRK_RATE, WRK_ERRORS (its
# socket errors line, or none) and WRK_UNANSWERED (connects refused plus requests timed out).
# wrk prints "Non-2xx or 3xx responses" and "Socket errors" only when there are some; it counts
# as non-2xx every status from 400 up.
wrk_summary() {
	WRK_REQUESTS=$(sed -n 's/^ *\([0-9]\+\) requests in .*/\1/p' "$1")
	WRK_NON2XX=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]\+\).*/\1/p' "$1")
	WRK_ERRORS=$(sed -n 's/^ *Socket errors: *//p' "$1")
	WRK_RATE=$(sed -n 's/^Requests\/sec: *\([0-9.]\+\).*/\1/p' "$1")
	WRK_UNANSWERED=$(sed -n 's/^ *Socket errors: connect \([0-9]\+\),.* timeout \([0-9]\+\).*/\1 + \2/p' "$1")
	WRK_REQUESTS=${WRK_REQUESTS:-0} WRK_NON2XX=${WRK_NON2XX:-0} WRK_ERRORS=${WRK_ERRORS:-none}
	WRK_UNANSWERED=$((${WRK_UNANSWERED:-0}))
}
