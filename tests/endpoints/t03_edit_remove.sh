#!/usr/bin/env bash
# t03_edit_remove.sh: GET /Connector/Edit prefills safely, pages carry the framing headers, POST /Connector/Remove deletes only on a match.
. "$(dirname "$0")/lib.sh"

at_exit forget_rows

edit() {	# edit ENTITY-ID: GET the Edit page
	req GET "/Connector/Edit?entityId=$1"
}
checked() {	# checked: the checked category ids of the last page, sorted, comma-separated
	printf '%s' "$BODY" | grep -o 'name="events" value="[^"]*" checked' |
		sed 's/.*value="\([^"]*\)".*/\1/' | sort | paste -sd, -
}
name_value() {	# name_value: the value attribute of the configName input of the last page
	printf '%s' "$BODY" | grep -o '<input id="configName"[^>]*>' | sed -n 's/.* value="\([^"]*\)".*/\1/p'
}

fast_sessions
page_token

fresh E1; connector_url W1; user_id U1
save_json "$(config_body "$E1" "Release notes" "$W1" teams "$U1" '["deployments","builds"]')"
is "$STATUS" 200 "setup: save a configuration"
fresh EX; connector_url WX; user_id UX
xss='<script>alert(1)</script>'
save_json "$(config_body "$EX" "$xss" "$WX" teams "$UX" '["incidents"]')"
is "$STATUS" 200 "setup: save a configuration named with a script tag"
fresh EQ; connector_url WQ; user_id UQ
quoted=$'He said "hi" & it\'s <b>'
save_json "$(config_body "$EQ" "$quoted" "$WQ" mail "$UQ" '["builds"]')"
is "$STATUS" 200 "setup: save a configuration named with quotes"

# --- Edit ------------------------------------------------------------------------------------
edit "$E1"
is "$STATUS" 200 "Edit of a saved entity: 200"
like "$(header Content-Type)" '^text/html' "Edit is HTML"
is "$(name_value)" "Release notes" "Edit prefills the name"
is "$(checked)" "builds,deployments" "Edit checks exactly the saved categories"
is "$(printf '%s' "$BODY" | grep -c 'name="events"')" 3 "Edit lists every category"
like "$BODY" "<meta name=\"connector-entity-id\" content=\"$E1\">" "Edit carries the entity id"
like "$BODY" '<meta name="csrf-token" content="[0-9]+\.[0-9a-f]{32}\.[0-9a-f]{64}">' \
	"Edit carries a CSRF token"
lacks "$BODY" "$W1" "Edit does not hold the webhook URL"
lacks "$BODY" "${W1#https://}" "Edit does not hold the webhook URL without its scheme"
lacks "$BODY" "$U1" "Edit does not hold the user object id"
lacks "$(cat "$HEADERS")" "$W1" "Edit headers do not hold the webhook URL"

edit "$(printf '%s' "$E1" | tr a-f A-F)"
is "$STATUS" 200 "Edit with the entity id in upper case: 200"
is "$(name_value)" "Release notes" "the upper-case id finds the row saved in lower case"
like "$BODY" "<meta name=\"connector-entity-id\" content=\"$E1\">" \
	"the page gives the entity id in lower case"

edit "$EX"
is "$STATUS" 200 "Edit of the script-named entity: 200"
is "$(name_value)" '&lt;script&gt;alert(1)&lt;/script&gt;' "the script tag comes back escaped in the value"
unlike "$BODY" '<script>alert' "the script tag never comes back raw"
is "$(checked)" "incidents" "the one saved category is checked"

edit "$EQ"
is "$STATUS" 200 "Edit of the quote-named entity: 200"
is "$(name_value)" 'He said &quot;hi&quot; &amp; it&#39;s &lt;b&gt;' \
	"quotes, ampersand and angle brackets are escaped inside the value attribute"
like "$BODY" 'value="He said &quot;hi&quot; &amp; it&#39;s &lt;b&gt;">' \
	"the value attribute ends where it should"
lacks "$BODY" "$UQ" "Edit does not hold that user object id"

fresh EN
edit "$EN"
is "$STATUS" 404 "Edit of an unknown entity: 404"
like "$(header Content-Type)" '^text/html' "the 404 is an HTML page"
like "$BODY" '<title>[^<]+</title>' "the 404 page has a title"
unlike "$BODY" 'csrf-token' "the 404 page offers no CSRF token"
for bad in not-a-uuid "${E1}0" "${E1//-/}" "%7B$E1%7D" "g${E1:1}" "%20$E1"; do
	edit "$bad"
	is "$STATUS" 400 "Edit with entityId=$bad: 400"
	like "$(header Content-Type)" '^text/html' "Edit with entityId=$bad: an HTML page"
done
req GET /Connector/Edit
is "$STATUS" 400 "Edit without entityId: 400"
like "$(header Content-Type)" '^text/html' "Edit without entityId: an HTML page"
req GET '/Connector/Edit?entityId='
is "$STATUS" 400 "Edit with an empty entityId: 400"
req GET "/Connector/Edit?id=$E1"
is "$STATUS" 400 "Edit with the id under another name: 400"

# --- Headers that let Teams (and only Teams and us) frame the pages ---------------------------
page_headers() {	# page_headers NAME: the last answer carries the page security headers
	local csp fa src
	csp=$(header Content-Security-Policy)
	fa=$(printf '%s' "$csp" | tr ';' '\n' | sed -n 's/^ *frame-ancestors  *//p')
	like "$fa" '.' "$1: CSP has frame-ancestors"
	for src in teams.microsoft.com '*.teams.microsoft.com' '*.skype.com' "$BASE_URL"; do
		ok "$(printf '%s' " $fa " | grep -Fq " $src "; echo $?)" "$1: frame-ancestors allows $src"
	done
	unlike "$fa" "(^| )\\*( |$)" "$1: frame-ancestors is not a wildcard"
	is "$(header X-Content-Type-Options)" nosniff "$1: nosniff"
	like "$(header Referrer-Policy)" '^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$' \
		"$1: a Referrer-Policy that keeps paths to ourselves"
	is "$(grep -ci '^X-Frame-Options:' "$HEADERS")" 0 "$1: no X-Frame-Options (it would stop Teams framing)"
}
req GET /Connector/Setup
is "$STATUS" 200 "Setup: 200"
page_headers Setup
edit "$E1"
page_headers Edit
edit "$EN"
page_headers "the 404 Edit page"
edit not-a-uuid
page_headers "the 400 Edit page"

# --- Remove: bad inputs change nothing -------------------------------------------------------
json=(-H 'Content-Type: application/json')
good=$(jq -nc --arg e "$E1" --arg w "$W1" '{entityId: $e, webhookUrl: $w}')
connector_url Wother
expect_refused 403 webhookUrl "remove with another webhook URL" \
	remove_json "$(jq -nc --arg e "$E1" --arg w "$Wother" '{entityId: $e, webhookUrl: $w}')"
lacks "$BODY" "$Wother" "the refusal does not echo the given webhook URL"
lacks "$BODY" "$W1" "the refusal does not reveal the stored webhook URL"
is "$(row "$E1" 'count(*)')" 1 "the row is still there after a wrong webhook URL"
fresh EU
expect_refused 404 entityId "remove an unknown entity" \
	remove_json "$(jq -nc --arg e "$EU" --arg w "$W1" '{entityId: $e, webhookUrl: $w}')"
expect_refused 400 entityId "remove without entityId" remove_json "$(jq -nc --arg w "$W1" '{webhookUrl: $w}')"
expect_refused 400 webhookUrl "remove without webhookUrl" remove_json "{\"entityId\":\"$E1\"}"
expect_refused 400 entityId "remove with a malformed entityId" \
	remove_json "$(jq -nc --arg w "$W1" '{entityId: "not-a-uuid", webhookUrl: $w}')"
expect_refused 400 entityId "remove with a number for entityId" \
	remove_json "$(jq -nc --arg w "$W1" '{entityId: 7, webhookUrl: $w}')"
expect_refused 400 webhookUrl "remove with a webhook on a foreign host" \
	remove_json "{\"entityId\":\"$E1\",\"webhookUrl\":\"https://evil.example.com/webhookb2/x\"}"
expect_refused 400 "" "remove with an unknown extra field" \
	remove_json "$(printf '%s' "$good" | jq -c '.extra = true')"
expect_refused 403 X-CSRF-Token "remove without a CSRF token" \
	post_json /Connector/Remove "$good" "${json[@]}" -H "Origin: $BASE_URL"
expect_refused 403 X-CSRF-Token "remove with a forged CSRF token" \
	post_json /Connector/Remove "$good" "${json[@]}" -H "Origin: $BASE_URL" \
	-H "X-CSRF-Token: ${CSRF_TOKEN%?}$([ "${CSRF_TOKEN: -1}" = 0 ] && echo 1 || echo 0)"
expect_refused 403 Origin "remove without an Origin" \
	post_json /Connector/Remove "$good" "${json[@]}" -H "X-CSRF-Token: $CSRF_TOKEN"
expect_refused 403 Origin "remove from another Origin" \
	post_json /Connector/Remove "$good" "${json[@]}" -H "X-CSRF-Token: $CSRF_TOKEN" \
	-H 'Origin: https://evil.example.com'
expect_refused 415 Content-Type "remove as text/plain" \
	post_json /Connector/Remove "$good" -H "X-CSRF-Token: $CSRF_TOKEN" -H "Origin: $BASE_URL" \
	-H 'Content-Type: text/plain'
expect_refused 400 body "remove with malformed JSON" remove_json '{"entityId":'
expect_refused 400 body "remove with a JSON array" remove_json "[$good]"
is "$(row "$E1" 'count(*)')" 1 "the row survived every bad remove"

# --- Remove: the right webhook URL deletes the row -------------------------------------------
remove_json "$good"
is "$STATUS" 204 "remove with the stored webhook URL: 204"
is "$BODY" "" "204 has no body"
is "$(row "$E1" 'count(*)')" 0 "the row is gone"
is "$(db "SELECT count(*) FROM configurations WHERE webhook_url = '$W1'")" 0 \
	"no row holds that webhook URL any more"
edit "$E1"
is "$STATUS" 404 "Edit of the removed entity: 404"
expect_refused 404 entityId "remove the same entity again" remove_json "$good"

# Ids may come in upper case on Remove too.
remove_json "$(jq -nc --arg e "$(printf '%s' "$EX" | tr a-f A-F)" --arg w "$WX" '{entityId: $e, webhookUrl: $w}')"
is "$STATUS" 204 "remove with the entity id in upper case: 204"
is "$(row "$EX" 'count(*)')" 0 "the upper-case id removed the row saved in lower case"

# --- Nothing secret reached the logs ------------------------------------------------------------
sleep 0.2	# nginx writes its access line once the answer is sent
like "$(grep -c "entity=$E1" "$CONNECTOR_LOG")" '^[1-9]' "the connector log is the one this stack writes"
logs_lack "no webhook URL or user object id of this test is in the connector or nginx logs" \
	"${SECRETS[@]}"

forget_rows
is "$(row "$EQ" 'count(*)')" 0 "the rows of this test are gone"
done_testing
