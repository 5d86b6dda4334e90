# tests/endpoints/lib.sh: TAP helpers and an HTTP request helper for the endpoint tests (sourced).
# Needs BASE_URL and DATABASE_URL (scripts/stack test exports them); fails loudly without.
set -u
: "${BASE_URL:?BASE_URL is not set: run through scripts/stack test}"
: "${DATABASE_URL:?DATABASE_URL is not set: run through scripts/stack test}"

T_N=0
T_FAILED=0
T_DIR=$(mktemp -d)
trap 'rm -rf "$T_DIR"' EXIT

ok() {	# ok CONDITION-EXIT-STATUS NAME
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAILED=$((T_FAILED + 1)); fi
}

is() {	# is GOT WANT NAME
	T_N=$((T_N + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $T_N - $3"
	else
		echo "not ok $T_N - $3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

like() {	# like GOT EXTENDED-REGEX NAME
	T_N=$((T_N + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		echo "ok $T_N - $3"
	else
		echo "not ok $T_N - $3"
		printf '#   got:  %s\n#   want: /%s/\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

unlike() {	# unlike GOT EXTENDED-REGEX NAME
	T_N=$((T_N + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		echo "not ok $T_N - $3"
		printf '#   got:  %s\n#   must not match: /%s/\n' "$1" "$2"
		T_FAILED=$((T_FAILED + 1))
	else
		echo "ok $T_N - $3"
	fi
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}

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
