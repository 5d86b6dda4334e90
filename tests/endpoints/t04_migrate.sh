#!/usr/bin/env bash
# t04_migrate.sh: connectorctl migrate on a scratch database: order, checksums, failures, the lock.
. "$(dirname "$0")/lib.sh"
: "${CONNECTOR_CONFIG:?CONNECTOR_CONFIG is not set: run through scripts/stack test}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CTL="$ROOT/fcgi/connectorctl -c $CONNECTOR_CONFIG"

# A database of its own, so the stack's schema is never touched.
db=migtest_$$
admin=${DATABASE_URL/connector@/postgres@}
admin=${admin%/connector}/postgres
psql "$admin" -X -q -c "CREATE DATABASE $db OWNER connector" >/dev/null
cleanup() { psql "$admin" -X -q -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -rf "$T_DIR"; }
trap cleanup EXIT
export CONNECTOR_DATABASE_URL="${DATABASE_URL%/connector}/$db"
dir=$T_DIR/migrations
mkdir -p "$dir"
cp "$ROOT"/sql/migrations/*.sql "$dir"/
export CONNECTOR_MIGRATIONS_DIR=$dir
q() { psql "$CONNECTOR_DATABASE_URL" -X -Atq -c "$1"; }

out=$($CTL migrate status 2>&1); rc=$?
is "$rc" 0 "status on a fresh database succeeds"
like "$out" '^pending +0001 +0001_configurations\.sql' "status lists 0001 as pending"
is "$(q "SELECT to_regclass('schema_migrations') IS NULL")" t "status creates nothing"

out=$($CTL migrate 2>&1); rc=$?
is "$rc" 0 "migrate applies"
like "$out" 'applied +0001_configurations\.sql' "it names what it applied"
is "$(q "SELECT to_regclass('configurations') IS NOT NULL")" t "configurations exists"
like "$(q "SELECT obj_description('configurations'::regclass)")" '.' "the table is documented"
is "$(q "SELECT count(*) FROM pg_attribute a WHERE attrelid = 'configurations'::regclass
	AND attnum > 0 AND NOT attisdropped AND col_description(attrelid, attnum) IS NULL")" 0 \
	"every column of configurations is documented"
is "$(q "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relkind = 'r' AND obj_description(c.oid) IS NULL")" 0 \
	"every table is documented"
is "$(q "SELECT checksum FROM schema_migrations WHERE version = 1")" \
	"$(sha256sum "$dir/0001_configurations.sql" | cut -d' ' -f1)" "the checksum is the file's SHA-256"

out=$($CTL migrate 2>&1)
like "$out" '^0 migrations applied, [0-9]+ already up to date' "a second run applies nothing"

printf 'CREATE TABLE mt_two (x int);\nCOMMENT ON TABLE mt_two IS $$test$$;\n' >"$dir/9002_two.sql"
out=$($CTL migrate 2>&1); rc=$?
is "$rc" 0 "a new file applies"
is "$(q "SELECT max(version) FROM schema_migrations")" 9002 "the new version is recorded"

printf 'CREATE TABLE mt_three (x int);\nSELECT 1;\nSELEC oops;\n' >"$dir/9003_bad.sql"
out=$($CTL migrate 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "a failing migration fails the run"
like "$out" '9003_bad\.sql:3: .*syntax error' "the error names file and line"
is "$(q "SELECT to_regclass('mt_three') IS NULL")" t "nothing of the failed file stays (one transaction)"
is "$(q "SELECT count(*) FROM schema_migrations WHERE version = 9003")" 0 "the failed file is not recorded"
rm "$dir/9003_bad.sql"

printf '\n-- edited\n' >>"$dir/9002_two.sql"
out=$($CTL migrate 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "an edited applied file stops migrate"
like "$out" '9002_two\.sql was edited after it was applied' "and says which file"
out=$($CTL migrate status 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "status also reports the edit as a failure"
printf 'CREATE TABLE mt_two (x int);\nCOMMENT ON TABLE mt_two IS $$test$$;\n' >"$dir/9002_two.sql"

printf 'SELECT 4;\n' >"$dir/9004_four.sql"
out=$($CTL migrate 2>&1)
printf 'SELECT 3;\n' >"$dir/9003_late.sql"
out=$($CTL migrate 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "a pending file older than an applied one is refused"
like "$out" '9003_late\.sql is pending but a later migration is already applied' "and named"
rm "$dir/9003_late.sql"

mv "$dir/9004_four.sql" "$T_DIR/"
out=$($CTL migrate 2>&1); rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "an applied migration without its file is refused"
like "$out" '9004.*has no file here' "and named"
mv "$T_DIR/9004_four.sql" "$dir/"

# Two migrators at once: the advisory lock makes one wait; each file is applied exactly once.
printf 'CREATE TABLE mt_five (x int);\nSELECT pg_sleep(0.5);\n' >"$dir/9005_five.sql"
$CTL migrate >"$T_DIR/a.out" 2>&1 & a=$!
$CTL migrate >"$T_DIR/b.out" 2>&1 & b=$!
wait $a; ra=$?
wait $b; rb=$?
is "$ra$rb" 00 "two concurrent migrate runs both succeed"
is "$(cat "$T_DIR/a.out" "$T_DIR/b.out" | grep -c 'applied  9005_five.sql')" 1 "9005 applied exactly once"

out=$($CTL migrate status 2>&1)
is "$(grep -c "^applied" <<<"$out")" "$(( $(ls "$ROOT"/sql/migrations/*.sql | wc -l) + 3 ))" "status lists every migration applied"
done_testing
