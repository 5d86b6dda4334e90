#!/usr/bin/env bash
# t05_startup.sh: connector-fcgi refuses bad configurations and broken templates, naming the cause.
. "$(dirname "$0")/lib.sh"
: "${CONNECTOR_CONFIG:?CONNECTOR_CONFIG is not set: run through scripts/stack test}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/fcgi/connector-fcgi

out=$("$BIN" -t -c "$CONNECTOR_CONFIG" 2>&1); rc=$?
is "$rc" 0 "the stack's configuration checks out"
out=$(env -u CONNECTOR_CONFIG CONNECTOR_TEMPLATES_DIR="$ROOT/templates" "$BIN" -t \
	-c "$ROOT/conf/connector.conf.example" 2>&1); rc=$?
is "$rc" 0 "conf/connector.conf.example, every key in it, checks out"
out=$(env -u CONNECTOR_CONFIG "$ROOT/fcgi/connector-worker" -t -c "$CONNECTOR_CONFIG" 2>&1); rc=$?
is "$rc" 0 "connector-worker reads the same configuration"

check_refused() {	# check_refused FILE-TEXT EXPECTED-REGEX NAME
	printf '%b' "$1" >"$T_DIR/c.conf"
	out=$(env -u CONNECTOR_CONFIG "$BIN" -t -c "$T_DIR/c.conf" 2>&1); rc=$?
	is "$rc" 78 "$3: exit status 78 (EX_CONFIG)"
	like "$out" "$2" "$3: the message names it"
}
base="database_url = dbname=x\npublic_base_url = http://127.0.0.1:1\ncsrf_secret = 0123456789abcdef0123456789abcdef\n"
check_refused "$base" 'templates' "no templates where the default points"
base="${base}templates_dir = $ROOT/templates\n"
check_refused "public_base_url = http://127.0.0.1:1\n" "'database_url' is missing" "a missing key"
check_refused "${base}threads = lots\n" "c.conf:5: key 'threads'" "a bad number"
check_refused "${base}colour = blue\n" "unknown key 'colour'" "an unknown key"
check_refused "${base}log_level = chatty\n" "'log_level'" "an unknown log level"

out=$(env -u CONNECTOR_CONFIG CONNECTOR_THREADS=0 "$BIN" -t -c "$CONNECTOR_CONFIG" 2>&1); rc=$?
is "$rc" 78 "an environment override is checked too"
like "$out" 'CONNECTOR_THREADS' "and named"
out=$(env -u CONNECTOR_CONFIG CONNECTOR_PROCESSES=65 "$BIN" -t -c "$CONNECTOR_CONFIG" 2>&1); rc=$?
is "$rc" 78 "processes above 64 is refused"
like "$out" "CONNECTOR_PROCESSES: key 'processes' must be a whole number from 1 to 64" "with the range"

mkdir -p "$T_DIR/tpl"
cp "$ROOT"/templates/*.html "$T_DIR/tpl/"
printf 'line one\n{{#categories}}\nno close\n' >"$T_DIR/tpl/setup.html"
out=$(env -u CONNECTOR_CONFIG CONNECTOR_TEMPLATES_DIR="$T_DIR/tpl" "$BIN" -t -c "$CONNECTOR_CONFIG" 2>&1); rc=$?
is "$rc" 78 "a broken template stops start-up"
like "$out" 'setup\.html:2: section .categories. is never closed' "with file and line"

for prog in connector-fcgi connector-worker; do
	out=$(timeout 5 "$ROOT/fcgi/$prog" -x 2>&1); rc=$?
	is "$rc" 2 "$prog with an unknown option exits with status 2"
	like "$out" "usage: $prog" "and shows its usage"
	out=$(timeout 5 "$ROOT/fcgi/$prog" -c "$CONNECTOR_CONFIG" extra 2>&1); rc=$?
	is "$rc" 2 "$prog with a stray argument exits with status 2"
done

out=$(env -u CONNECTOR_CONFIG "$BIN" -c "$CONNECTOR_CONFIG" </dev/null 2>&1); rc=$?
is "$rc" 2 "started outside spawn-fcgi it exits with status 2"
like "$out" 'not a FastCGI socket' "and says why"
done_testing
