# tests/endpoints/jwt.sh: RSA keys, JWKS files and tokens for the token tests, made with openssl (sourced).

b64url() {	# b64url < BYTES: base64url without padding
	basenc --base64url -w0 | tr -d '='
}

# jwt_keygen FILE: a new 2048-bit RSA private key in FILE (PEM).
jwt_keygen() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
}

# jwt_jwk KEYFILE KID: the public JWK of the key, as one JSON object.
jwt_jwk() {
	local n e
	n=$(openssl rsa -in "$1" -noout -modulus 2>/dev/null | sed 's/^Modulus=//' | basenc --base16 -d | b64url)
	# The public exponent, as minimal big-endian bytes (65537 in practice: AQAB).
	e=$(openssl rsa -in "$1" -noout -text 2>/dev/null | sed -n 's/^publicExponent: \([0-9]*\).*/\1/p')
	e=$(printf '%x' "$e")
	[ $((${#e} % 2)) -eq 1 ] && e=0$e
	e=$(printf '%s' "${e^^}" | basenc --base16 -d | b64url)
	jq -nc --arg kid "$2" --arg n "$n" --arg e "$e" \
		'{kty: "RSA", use: "sig", alg: "RS256", kid: $kid, n: $n, e: $e}'
}

# jwt_jwks FILE KEYFILE:KID...: writes a JWKS of those keys to FILE (atomically: a reader
# never sees half a file).
jwt_jwks() {
	local out=$1 k keys=()
	shift
	for k in "$@"; do keys+=("$(jwt_jwk "${k%%:*}" "${k#*:}")"); done
	printf '%s\n' "${keys[@]}" | jq -sc '{keys: .}' >"$out.tmp"
	mv "$out.tmp" "$out"
}

# jwt_rs256 KEYFILE HEADER-JSON CLAIMS-JSON: a token signed with the key.
jwt_rs256() {
	local h c
	h=$(printf '%s' "$2" | b64url)
	c=$(printf '%s' "$3" | b64url)
	printf '%s.%s.%s' "$h" "$c" "$(printf '%s.%s' "$h" "$c" | openssl dgst -sha256 -sign "$1" -binary | b64url)"
}

# jwt_hs256 SECRET-FILE HEADER-JSON CLAIMS-JSON: a token MACed with the bytes of a file (the
# classic attack: HS256 keyed with the server's public key).
jwt_hs256() {
	local h c
	h=$(printf '%s' "$2" | b64url)
	c=$(printf '%s' "$3" | b64url)
	printf '%s.%s.%s' "$h" "$c" "$(printf '%s.%s' "$h" "$c" |
		openssl dgst -sha256 -mac HMAC -macopt hexkey:"$(basenc --base16 -w0 <"$1")" -binary | b64url)"
}

# jwt_unsigned HEADER-JSON CLAIMS-JSON: header.claims. with no signature (alg none).
jwt_unsigned() {
	printf '%s.%s.' "$(printf '%s' "$1" | b64url)" "$(printf '%s' "$2" | b64url)"
}

# whsig SECRET ID TIMESTAMP BODY: the Standard Webhooks signature "v1,<base64>" of a body.
whsig() {
	local key
	key=$(printf '%s' "${1#whsec_}" | basenc --base64 -d | basenc --base16 -w0)
	printf 'v1,%s' "$(printf '%s.%s.%s' "$2" "$3" "$4" |
		openssl dgst -sha256 -mac HMAC -macopt hexkey:"$key" -binary | basenc --base64 -w0)"
}

# conf_value KEY: a value of the running stack's configuration file.
conf_value() {
	sed -n "s/^$1 = //p" "${CONNECTOR_CONFIG:?CONNECTOR_CONFIG is not set}" | head -n 1
}

# hup_fcgi: SIGHUP to every connector-fcgi process, then waits until each logged the reload.
hup_fcgi() {
	local before p i
	before=$(grep -c 'keys reloaded' "$CONNECTOR_LOG" 2>/dev/null || true)
	for p in $(fcgi_pids); do kill -HUP "$p"; done
	for i in $(seq 1 50); do
		[ "$(grep -c 'keys reloaded' "$CONNECTOR_LOG")" -ge $((before + 2 * $(fcgi_pids | wc -w))) ] && return 0
		sleep 0.1
	done
	echo "# hup_fcgi: not every process logged a reload" >&2
	return 1
}
