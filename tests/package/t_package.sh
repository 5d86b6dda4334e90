#!/usr/bin/env bash
# t_package.sh: connectorctl package: a package Microsoft's schema accepts, refusals naming the key.
# Needs no running stack: it reads $CONNECTOR_CONFIG when set (scripts/stack test sets it), else
# writes a minimal configuration; the package keys come from CONNECTOR_* variables. Needs
# python3, node and `npm ci` (for @microsoft/app-manifest): it fails, not skips, without them.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/fcgi/connectorctl
ICONS=$ROOT/tests/package/make_icons.py
VALIDATE=$ROOT/tests/package/validate-manifest.js
T_DIR=$(mktemp -d)
trap 'rm -rf "$T_DIR"' EXIT

# shellcheck source=../tap.sh
. "$ROOT/tests/tap.sh"

# --- configuration -------------------------------------------------------------------------

if [ -n "${CONNECTOR_CONFIG:-}" ]; then
	CONF=$CONNECTOR_CONFIG
	echo "# configuration: $CONF (the stack's) plus the package keys from the environment"
else
	CONF=$T_DIR/connector.conf
	cat >"$CONF" <<EOF
database_url = dbname=connector
public_base_url = http://127.0.0.1:8080
csrf_secret = $(od -An -tx1 -N 32 /dev/urandom | tr -d ' \n')
EOF
	echo "# configuration: a minimal one written by the test, plus the package keys"
fi
# The stack serves plain http on loopback: the --allow-http case uses its origin.
HTTP_ORIGIN=$(sed -n 's/^public_base_url *= *\(http:\/\/.*\)$/\1/p' "$CONF" | tail -n 1)
HTTP_ORIGIN=${HTTP_ORIGIN:-http://127.0.0.1:8080}

APP_ID=$(cat /proc/sys/kernel/random/uuid)
CONNECTOR_ID=$(tr 'a-f' 'A-F' </proc/sys/kernel/random/uuid)	# upper case is a GUID too
GOOD_ENV=(
	CONNECTOR_PUBLIC_BASE_URL=https://connector.example.com
	CONNECTOR_APP_ID="$APP_ID"
	CONNECTOR_CONNECTOR_ID="$CONNECTOR_ID"
	CONNECTOR_APP_NAME_SHORT="Deploy Alerts"
	CONNECTOR_APP_NAME_FULL="Deploy Alerts for the Contoso engineering teams"
	CONNECTOR_APP_DESCRIPTION_SHORT="Deployments, incidents and builds, posted to your channel"
	CONNECTOR_APP_DESCRIPTION_FULL="Sends a card to the channel for every deployment, incident or build that the channel subscribed to."
	CONNECTOR_DEVELOPER_NAME="Contoso Engineering"
	CONNECTOR_DEVELOPER_WEBSITE_URL=https://www.contoso.example/connector
	CONNECTOR_DEVELOPER_PRIVACY_URL=https://www.contoso.example/privacy
	CONNECTOR_DEVELOPER_TERMS_URL=https://www.contoso.example/terms
	CONNECTOR_APP_VERSION=1.2.3
	CONNECTOR_ICON_COLOR="$ROOT/conf/icons/color.png"
	CONNECTOR_ICON_OUTLINE="$ROOT/conf/icons/outline.png"
)

# package OUT [VAR=VALUE...] [-- ARGS...]: runs connectorctl package with the good keys, the
# assignments given overriding them; sets RC, OUT (standard output) and ERR (standard error).
package() {
	local out=$1 assign=() args=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do assign+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	args=("$@")
	env -u CONNECTOR_CONFIG "${GOOD_ENV[@]}" "${assign[@]}" "$BIN" -c "$CONF" package \
		--out "$out" "${args[@]}" >"$T_DIR/stdout" 2>"$T_DIR/stderr"
	RC=$?
	OUT=$(cat "$T_DIR/stdout")
	ERR=$(cat "$T_DIR/stderr")
}

# mjson FILE PYTHON-EXPRESSION: a value of the JSON in FILE (bound to m), printed by python3.
mjson() {
	python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# --- what the test needs ---------------------------------------------------------------------

test -f "$ROOT/node_modules/@microsoft/app-manifest/package.json"
ok $? "node_modules/@microsoft/app-manifest is installed (npm ci)"
test -f "$ROOT/node_modules/fs-extra/package.json"
ok $? "node_modules/fs-extra is installed (the manifest package needs it, undeclared)"
test -x "$BIN"
ok $? "fcgi/connectorctl is built"

"$ICONS" defaults "$T_DIR" && cmp -s "$T_DIR/color.png" "$ROOT/conf/icons/color.png" &&
	cmp -s "$T_DIR/outline.png" "$ROOT/conf/icons/outline.png"
ok $? "the shipped icons are what tests/package/make_icons.py draws"
rm -f "$T_DIR/color.png" "$T_DIR/outline.png"

# --- a good package --------------------------------------------------------------------------

ZIP=$T_DIR/out/app.zip
mkdir -p "$T_DIR/out"
package "$ZIP"
is "$RC" 0 "connectorctl package succeeds with every key set"
is "$OUT" "$ZIP: Teams app package, manifest id $APP_ID, version 1.2.3" \
	"it prints the path and the manifest's id"
is "$ERR" "" "it prints nothing on standard error"
is "$(ls -A "$T_DIR/out")" "app.zip" "only the package is in the output directory (no .tmp)"

python3 -m zipfile -t "$ZIP" >"$T_DIR/ztest" 2>&1
ok $? "python3 -m zipfile -t finds the archive sound"
# unzip is one of the stack's test packages: a reader other than our own.
unzip -tq "$ZIP" >"$T_DIR/ztest" 2>&1
ok $? "unzip -t finds the archive sound"
is "$(python3 -c 'import sys, zipfile; print(" ".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' "$ZIP")" \
	"color.png manifest.json outline.png" "the archive holds manifest.json, color.png and outline.png at its root"
is "$(python3 -c 'import sys, zipfile; print({i.compress_type for i in zipfile.ZipFile(sys.argv[1]).infolist()})' "$ZIP")" \
	"{0}" "entries are stored"
like "$(python3 -c 'import sys, time, zipfile; i = zipfile.ZipFile(sys.argv[1]).infolist()[0]; print(abs(time.mktime(i.date_time + (0, 0, -1)) - time.time()) < 120)' "$ZIP")" \
	'^True$' "entries carry the current local time"

python3 -m zipfile -e "$ZIP" "$T_DIR/x"
M=$T_DIR/x/manifest.json
is "$("$ICONS" info "$T_DIR/x/color.png")" "192 192 2 8" "color.png is 192x192 (RGB, 8 bits)"
is "$("$ICONS" info "$T_DIR/x/outline.png")" "32 32 6 8" "outline.png is 32x32 (RGBA, 8 bits)"
cmp -s "$T_DIR/x/color.png" "$ROOT/conf/icons/color.png" &&
	cmp -s "$T_DIR/x/outline.png" "$ROOT/conf/icons/outline.png"
ok $? "the icons are the configured files, byte for byte"

# shellcheck disable=SC2016 # a Python expression, not a shell one
is "$(mjson "$M" 'm["$schema"]')" \
	"https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json" "\$schema is v1.17"
is "$(mjson "$M" 'm["manifestVersion"]')" "1.17" "manifestVersion is 1.17"
is "$(mjson "$M" 'm["id"]')" "$APP_ID" "id is app_id"
is "$(mjson "$M" 'm["version"]')" "1.2.3" "version is app_version"
is "$(mjson "$M" 'm["connectors"][0]["connectorId"]')" "$CONNECTOR_ID" "connectorId is connector_id"
is "$(mjson "$M" 'm["connectors"][0]["configurationUrl"]')" \
	"https://connector.example.com/Connector/Setup" "configurationUrl is <public_base_url>/Connector/Setup"
is "$(mjson "$M" 'm["connectors"][0]["scopes"]')" "['team']" "scopes is [team]"
is "$(mjson "$M" 'm["validDomains"]')" "['connector.example.com']" "validDomains is the public host"
is "$(mjson "$M" 'm["developer"]["termsOfUseUrl"]')" "https://www.contoso.example/terms" \
	"developer.termsOfUseUrl is developer_terms_url"
is "$(mjson "$M" 'm["accentColor"]')" "#4F6BED" "accentColor defaults to #4F6BED"
is "$(mjson "$M" 'm["icons"]')" "{'color': 'color.png', 'outline': 'outline.png'}" "icons name the archive's files"
is "$(mjson "$M" '"permissions" in m')" "False" "no permissions asked for"

# --- Microsoft's schema, offline -------------------------------------------------------------

V_OUT=$(node "$VALIDATE" "$M" 2>&1); V_RC=$?
echo "# validator: $V_OUT"
is "$V_RC" 0 "the manifest is valid against @microsoft/app-manifest's bundled v1.17 schema"
like "$V_OUT" '^valid: ' "  ...and the validator says so"

broken() {	# broken NAME PYTHON-STATEMENT EXPECTED-REGEX: a broken copy of M is refused
	python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(m, open(sys.argv[3], "w"))' \
		"$M" "$2" "$T_DIR/broken.json"
	V_OUT=$(node "$VALIDATE" "$T_DIR/broken.json" 2>&1); V_RC=$?
	is "$V_RC" 1 "the validator rejects a manifest $1"
	like "$V_OUT" "$3" "  ...and says why"
}
broken "without id" 'del m["id"]' "required property 'id'"
broken "with scopes [bogus]" 'm["connectors"][0]["scopes"] = ["bogus"]' '/connectors/0/scopes/0'
broken "with a malformed id" 'm["id"] = "not-a-guid"' '/id must match pattern'
broken "with manifestVersion 1.16 under the 1.17 schema" 'm["manifestVersion"] = "1.16"' '/manifestVersion'
broken "without developer.privacyUrl" 'del m["developer"]["privacyUrl"]' "privacyUrl"

# --- http is for local tests only ------------------------------------------------------------

ZIP=$T_DIR/http/app.zip
mkdir -p "$T_DIR/http"
package "$ZIP" CONNECTOR_PUBLIC_BASE_URL="$HTTP_ORIGIN"
is "$RC" 78 "an http public_base_url is refused (exit 78)"
like "$ERR" "key 'public_base_url' \\($HTTP_ORIGIN\\) must be https://.*--allow-http" \
	"  ...naming public_base_url and --allow-http"
is "$(ls -A "$T_DIR/http")" "" "  ...leaving nothing behind"
package "$ZIP" CONNECTOR_PUBLIC_BASE_URL="$HTTP_ORIGIN" -- --allow-http
is "$RC" 0 "with --allow-http the package is written for $HTTP_ORIGIN"
python3 -m zipfile -e "$ZIP" "$T_DIR/xh"
is "$(mjson "$T_DIR/xh/manifest.json" 'm["validDomains"]')" "['${HTTP_ORIGIN#http://}']" \
	"  validDomains is host:port"
is "$(mjson "$T_DIR/xh/manifest.json" 'm["connectors"][0]["configurationUrl"]')" \
	"$HTTP_ORIGIN/Connector/Setup" "  configurationUrl is on the http origin"
node "$VALIDATE" "$T_DIR/xh/manifest.json" >/dev/null 2>&1
ok $? "  the schema accepts it (it allows http; Teams itself wants https)"

# --- sign-in: webApplicationInfo names the Azure AD app when sso_client_id is set -------------

SSO_ID=$(cat /proc/sys/kernel/random/uuid)
mkdir -p "$T_DIR/sso"
package "$T_DIR/sso/app.zip" CONNECTOR_SSO_CLIENT_ID="$SSO_ID"
is "$RC" 0 "with sso_client_id the package is written"
python3 -m zipfile -e "$T_DIR/sso/app.zip" "$T_DIR/xs"
is "$(mjson "$T_DIR/xs/manifest.json" 'm["webApplicationInfo"]["id"]')" "$SSO_ID" \
	"  webApplicationInfo.id is sso_client_id"
is "$(mjson "$T_DIR/xs/manifest.json" 'm["webApplicationInfo"]["resource"]')" \
	"api://connector.example.com/$SSO_ID" "  its resource is api://<host>/<client id>"
node "$VALIDATE" "$T_DIR/xs/manifest.json" >/dev/null 2>&1
ok $? "  the schema accepts it"
package "$T_DIR/sso/none.zip" CONNECTOR_SSO_CLIENT_ID=
python3 -m zipfile -e "$T_DIR/sso/none.zip" "$T_DIR/xn"
is "$(mjson "$T_DIR/xn/manifest.json" '"webApplicationInfo" in m')" "False" \
	"without sso_client_id there is no webApplicationInfo"

# --- refusals --------------------------------------------------------------------------------

"$ICONS" solid "$T_DIR/color-100.png" 100 100 rgb
"$ICONS" solid "$T_DIR/color-192-palette.png" 192 192 palette
"$ICONS" solid "$T_DIR/outline-rgb.png" 32 32 rgb
"$ICONS" solid "$T_DIR/outline-48.png" 48 48 rgba
"$ICONS" solid "$T_DIR/outline-trns.png" 32 32 palette-trns
"$ICONS" solid "$T_DIR/outline-grey-alpha.png" 32 32 grey-alpha
head -c 100 "$ROOT/conf/icons/color.png" >"$T_DIR/color-cut.png"
printf 'GIF89a not a PNG\n' >"$T_DIR/color.gif"

# refused NAME KEY-REGEX [VAR=VALUE...] [-- ARGS...]: the package is refused with status 78 and a
# one-line message matching KEY-REGEX, and the output directory stays empty.
refused() {
	local name=$1 want=$2 dir=$T_DIR/refused
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	package "$dir/app.zip" "$@"
	is "$RC" 78 "$name: refused (exit 78)"
	# Prefixed with its count of line breaks, which must be 0 for a one-line message.
	like "$(printf '%s' "$ERR" | wc -l) $ERR" "^0 connectorctl: .*$want" "$name: one line naming it"
	is "$(ls -A "$dir")" "" "$name: no zip or .tmp left behind"
}
refused "a 100x100 colour icon" "'icon_color' .*must be 192x192 pixels, this one is 100x100" \
	CONNECTOR_ICON_COLOR="$T_DIR/color-100.png"
refused "an outline icon without transparency" "'icon_outline' .*transparent" \
	CONNECTOR_ICON_OUTLINE="$T_DIR/outline-rgb.png"
refused "a 48x48 outline icon" "'icon_outline' .*must be 32x32" \
	CONNECTOR_ICON_OUTLINE="$T_DIR/outline-48.png"
refused "the colour icon as outline" "'icon_outline' .*must be 32x32" \
	CONNECTOR_ICON_OUTLINE="$ROOT/conf/icons/color.png"
refused "a truncated colour icon" "'icon_color' .*truncated PNG" \
	CONNECTOR_ICON_COLOR="$T_DIR/color-cut.png"
refused "a GIF as colour icon" "'icon_color' .*not a PNG" CONNECTOR_ICON_COLOR="$T_DIR/color.gif"
refused "a missing icon file" "'icon_outline' .*No such file" \
	CONNECTOR_ICON_OUTLINE="$T_DIR/none.png"
refused "a malformed app_id" "'app_id' must be a GUID" CONNECTOR_APP_ID="${APP_ID%?}"
refused "an app_id in braces" "'app_id' must be a GUID" CONNECTOR_APP_ID="{$APP_ID}"
refused "a malformed connector_id" "'connector_id' must be a GUID" CONNECTOR_CONNECTOR_ID=connector-1
refused "an http developer_privacy_url" "'developer_privacy_url' must be an https:// URL" \
	CONNECTOR_DEVELOPER_PRIVACY_URL=http://www.contoso.example/privacy
refused "an http developer_website_url" "'developer_website_url' must be an https:// URL" \
	CONNECTOR_DEVELOPER_WEBSITE_URL=http://www.contoso.example/
refused "a missing connector_id" "missing key for the app package: connector_id " \
	CONNECTOR_CONNECTOR_ID=
refused "two missing keys" "missing keys for the app package: app_name_short, developer_name " \
	CONNECTOR_APP_NAME_SHORT= CONNECTOR_DEVELOPER_NAME=
refused "a 31-character app_name_short" "'app_name_short' must be 1 to 30 characters" \
	CONNECTOR_APP_NAME_SHORT="Deploy Alerts for every channel"
refused "a bad accent_color" "'accent_color' must be a colour #RRGGBB" CONNECTOR_ACCENT_COLOR=blue
refused "a bad app_version" "'app_version' must be a version" CONNECTOR_APP_VERSION=1.0

# Refusals that are not about keys.
ZIP=$T_DIR/keep/app.zip
mkdir -p "$T_DIR/keep"
package "$ZIP"
cp "$ZIP" "$T_DIR/before.zip"
package "$ZIP" CONNECTOR_ICON_COLOR="$T_DIR/color-100.png"
cmp -s "$ZIP" "$T_DIR/before.zip" && [ ! -e "$ZIP.tmp" ]
ok $? "a refused run leaves an existing package as it was"
package "$T_DIR/keep/app.json"
is "$RC" 2 "--out not ending in .zip is a usage error (exit 2)"
like "$ERR" "^connectorctl: package: --out must name .* \\.zip" "  ...naming --out"
env -u CONNECTOR_CONFIG "${GOOD_ENV[@]}" "$BIN" -c "$CONF" package >/dev/null 2>"$T_DIR/stderr"
is "$?" 2 "package without --out is a usage error (exit 2)"
like "$(cat "$T_DIR/stderr")" "--out FILE.zip is required" "  ...naming --out"
package "$T_DIR/no/such/dir/app.zip"
is "$RC" 1 "an output directory that does not exist fails (exit 1)"
like "$ERR" "^connectorctl: package: --out .*No such file or directory" "  ...saying why"

# Other ways to carry transparency are accepted for the outline icon.
package "$T_DIR/out/trns.zip" CONNECTOR_ICON_OUTLINE="$T_DIR/outline-trns.png"
is "$RC" 0 "a palette outline icon with tRNS is accepted"
package "$T_DIR/out/ga.zip" CONNECTOR_ICON_OUTLINE="$T_DIR/outline-grey-alpha.png" \
	CONNECTOR_ICON_COLOR="$T_DIR/color-192-palette.png"
is "$RC" 0 "a grey+alpha outline icon and a palette colour icon are accepted"

done_testing
