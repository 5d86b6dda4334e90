#!/usr/bin/env bash
# t13_signin.sh: signed-in configuration: with sso_enabled, Save and Remove need the user's Teams SSO token, and only that user's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/jwt.sh"
STACK=${STACK:-$(cd "$(dirname "$0")/../.." && pwd)/scripts/stack}

JWKS=$(conf_value sso_jwks_file)
CLIENT=$(conf_value sso_client_id)
TENANT=72f988bf-86f1-41af-91ab-2d7cd011db47
run=t13-$(new_uuid | cut -c1-8)

# Sign-in off (the stack's own setting) before anything is turned on: the pages do not exist.
req GET /Connector/Auth/Start
is "$STATUS" 404 "sign-in off: /Connector/Auth/Start is 404"
req GET /Connector/Auth/End
is "$STATUS" 404 "sign-in off: /Connector/Auth/End is 404"
req GET /Connector/Setup
unlike "$BODY" 'connector-sso-client-id' "sign-in off: the Setup page asks for no token"

# Keys made here, never committed; the service reads them when it restarts with sign-in on.
jwt_keygen "$T_DIR/k1.pem"
jwt_keygen "$T_DIR/other.pem"
jwt_jwks "$JWKS" "$T_DIR/k1.pem:k1-$run"
# Whatever happens below, the stack ends as it started: sign-in off, no keys.
signin_on=1
at_exit 'echo "{\"keys\":[]}" >"$JWKS"; [ -z "$signin_on" ] || env -u CONNECTOR_SSO_ENABLED "$STACK" fcgi-restart >/dev/null 2>&1'
at_exit forget_rows
CONNECTOR_SSO_ENABLED=true "$STACK" fcgi-restart >/dev/null 2>&1
ok $? "connector-fcgi restarts with sign-in on"
# spawn-fcgi returns once the children are forked; wait until one answers.
for _ in $(seq 1 50); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/healthz")" = 200 ] && break
	sleep 0.1
done

req GET /Connector/Setup
like "$BODY" "<meta name=\"connector-sso-client-id\" content=\"$CLIENT\">" \
	"sign-in on: the Setup page names the app to get a token for"

now=$(date +%s)
user=$(new_uuid)
other=$(new_uuid)
SECRETS+=("$user" "$other")
# claims [JQ-UPDATES]: the claims of a valid Teams SSO token for $user, changed by jq expressions.
claims() {
	jq -nc --arg iss "https://login.microsoftonline.com/$TENANT/v2.0" --arg aud "$CLIENT" \
		--arg oid "$user" --arg tid "$TENANT" --argjson now "$now" "{iss: \$iss, aud: \$aud,
		oid: \$oid, tid: \$tid, sub: \"s-$run\", name: \"Adele Vance\",
		preferred_username: \"adele@contoso.example\", iat: (\$now - 5), nbf: (\$now - 5),
		exp: (\$now + 600)} ${1:+| $1}"
}
HDR="{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1-$run\"}"
token() { jwt_rs256 "$T_DIR/k1.pem" "$HDR" "$(claims "${1:-}")"; }
valid=$(token)
SECRETS+=("$valid")

# --- The sign-in pages ------------------------------------------------------------------------
req GET /Connector/Auth/Start
is "$STATUS" 200 "sign-in on: /Connector/Auth/Start is 200"
like "$(header Content-Type)" '^text/html' "Auth/Start is HTML"
like "$BODY" '<meta name="connector-auth-step" content="start">' "Auth/Start: step start"
like "$BODY" "<meta name=\"connector-sso-client-id\" content=\"$CLIENT\">" "Auth/Start: the client id"
like "$BODY" '<meta name="connector-auth-authority" content="https://login\.microsoftonline\.com/organizations/oauth2/v2\.0/authorize">' \
	"Auth/Start: the authorize endpoint"
like "$BODY" "<meta name=\"connector-auth-redirect\" content=\"$BASE_URL/Connector/Auth/End\">" \
	"Auth/Start: redirect to Auth/End"
like "$BODY" '<script src="/static/auth\.js"></script>' "Auth/Start loads auth.js"
like "$(header Content-Security-Policy)" "script-src 'self'" "Auth/Start: CSP allows our scripts only"
req GET /Connector/Auth/End
is "$STATUS" 200 "sign-in on: /Connector/Auth/End is 200"
like "$BODY" '<meta name="connector-auth-step" content="end">' "Auth/End: step end"
like "$BODY" '<script src="/static/auth\.js"></script>' "Auth/End loads auth.js"
req GET /static/auth.js
is "$STATUS" 200 "the sign-in script is served"
like "$BODY" 'notifySuccess' "it hands the token back to Teams"

# --- Save ---------------------------------------------------------------------------------------
fresh e
connector_url url
body=$(config_body "$e" "$run" "$url" teams "$user" '["deployments"]')

expect_refused 401 Authorization "Save without a token" save_json "$body"
like "$(header WWW-Authenticate)" '^Bearer' "Save without a token: WWW-Authenticate: Bearer"
expect_refused 401 Authorization "Save with a token signed by another key" save_json "$body" \
	-H "Authorization: Bearer $(jwt_rs256 "$T_DIR/other.pem" "$HDR" "$(claims)")"
expect_refused 401 Authorization "Save with an expired token" save_json "$body" \
	-H "Authorization: Bearer $(token '.exp = ($now - 3600) | .nbf = ($now - 7200) | .iat = ($now - 7200)')"
expect_refused 401 Authorization "Save with a token for another app (aud)" save_json "$body" \
	-H "Authorization: Bearer $(token '.aud = "11111111-2222-4333-8444-555555555555"')"
expect_refused 401 Authorization "Save with a token of another issuer" save_json "$body" \
	-H "Authorization: Bearer $(token '.iss = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"')"
expect_refused 401 Authorization "Save with a token not valid yet (nbf)" save_json "$body" \
	-H "Authorization: Bearer $(token '.nbf = ($now + 3600)')"
expect_refused 401 Authorization "Save with a Basic header" save_json "$body" \
	-H "Authorization: Basic $(printf 'a:b' | base64)"
expect_refused 403 userObjectId "Save with the token of another user (oid)" save_json "$body" \
	-H "Authorization: Bearer $(token ".oid = \"$other\"")"
is "$(jf .type)" "urn:teams-connector:problem:wrong-user" "another user: the problem says wrong-user"
is "$(row "$e" 'count(*)')" 0 "no row after any refused save"

save_json "$body" -H "Authorization: Bearer $valid"
is "$STATUS" 200 "Save with the user's token: 200"
is "$(jf .entityId)" "$e" "Save answers the entity id"
is "$(row "$e" 'user_object_id')" "$user" "the row is saved for the signed-in user"
# oid is compared without regard to case, as GUIDs are.
upper=$(config_body "$e" "$run-2" "$url" teams "${user^^}" '["deployments"]')
save_json "$upper" -H "Authorization: Bearer $valid"
is "$STATUS" 200 "userObjectId in upper case is the same user"
is "$(row "$e" 'config_name')" "$run-2" "and the update is stored"

# --- Remove -------------------------------------------------------------------------------------
rbody=$(jq -nc --arg e "$e" --arg w "$url" '{entityId: $e, webhookUrl: $w}')
expect_refused 401 Authorization "Remove without a token" remove_json "$rbody"
is "$(row "$e" 'count(*)')" 1 "the row is still there after Remove without a token"
expect_refused 401 Authorization "Remove with a token signed by another key" remove_json "$rbody" \
	-H "Authorization: Bearer $(jwt_rs256 "$T_DIR/other.pem" "$HDR" "$(claims)")"
remove_json "$rbody" -H "Authorization: Bearer $valid"
is "$STATUS" 204 "Remove with a valid token: 204"
is "$(row "$e" 'count(*)')" 0 "the row is gone"

logs_lack "no token, user object id or webhook URL in any log" "${SECRETS[@]}"

# --- Off again: the page and endpoints are as without sign-in ---------------------------------
echo '{"keys":[]}' >"$JWKS"
env -u CONNECTOR_SSO_ENABLED "$STACK" fcgi-restart >/dev/null 2>&1
ok $? "connector-fcgi restarts with sign-in off"
signin_on=
for _ in $(seq 1 50); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/healthz")" = 200 ] && break
	sleep 0.1
done
req GET /Connector/Auth/Start
is "$STATUS" 404 "sign-in off again: /Connector/Auth/Start is 404"
req GET /Connector/Auth/End
is "$STATUS" 404 "sign-in off again: /Connector/Auth/End is 404"
fresh e2
save_json "$(config_body "$e2" "$run-off" "$url" teams "$user" '["deployments"]')"
is "$STATUS" 200 "sign-in off again: Save needs no token"

done_testing
