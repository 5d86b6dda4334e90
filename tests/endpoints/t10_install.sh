#!/usr/bin/env bash
# t10_install.sh: built from the release tarball and installed under a prefix, the programs run without the source tree.
. "$(dirname "$0")/lib.sh"
: "${CONNECTOR_CONFIG:?CONNECTOR_CONFIG is not set: run through scripts/stack test}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# The tarball, as a packager gets it; built and installed away from the checkout.
(cd "$ROOT" && make -s dist >/dev/null 2>&1)
tarball=$(ls -t "$ROOT"/teams-connector-*.tar.gz | head -n 1)
ok "$([ -f "$tarball" ]; echo $?)" "make dist makes a tarball"
tar -C "$T_DIR" -xzf "$tarball"
src=$(ls -d "$T_DIR"/teams-connector-*/)
prefix=$T_DIR/prefix
(cd "$src" && ./configure -q --prefix="$prefix" >/dev/null && make -s -j2 >/dev/null 2>&1 &&
	make -s install DESTDIR="$T_DIR/stage" >/dev/null 2>&1 && make -s install >/dev/null 2>&1)
is "$?" 0 "the tarball configures, builds and installs"
for f in bin/connector-fcgi bin/connector-worker bin/connectorctl \
	share/teams-connector/templates/setup.html share/teams-connector/migrations/0001_configurations.sql \
	share/teams-connector/static/connector.js share/teams-connector/static/vendor/teams-js/MicrosoftTeams.min.js \
	share/teams-connector/static/auth.js \
	share/teams-connector/icons/color.png share/teams-connector/conf/connector.conf.example \
	share/teams-connector/conf/nginx/teams-connector.conf \
	share/teams-connector/conf/apache2/teams-connector.conf \
	share/teams-connector/conf/systemd/teams-connector-worker.service; do
	ok "$([ -f "$T_DIR/stage$prefix/$f" ]; echo $?)" "DESTDIR install has $f"
done
rm -rf "$src"

# The stack's configuration without the source-tree paths: the installed defaults must do.
grep -v -E '^(templates_dir|migrations_dir) ' "$CONNECTOR_CONFIG" >"$T_DIR/installed.conf"
cd "$T_DIR"
out=$(env -u CONNECTOR_CONFIG "$prefix/bin/connector-fcgi" -t -c "$T_DIR/installed.conf" 2>&1); rc=$?
is "$rc" 0 "the installed connector-fcgi finds its templates"
out=$(env -u CONNECTOR_CONFIG "$prefix/bin/connectorctl" -c "$T_DIR/installed.conf" migrate status 2>&1); rc=$?
is "$rc" 0 "the installed connectorctl finds its migrations"
like "$out" '^applied +0001 +0001_configurations\.sql' "and reads them against the database"
out=$(env -u CONNECTOR_CONFIG CONNECTOR_PUBLIC_BASE_URL=https://connector.example.com \
	CONNECTOR_APP_ID=$(new_uuid) CONNECTOR_CONNECTOR_ID=$(new_uuid) CONNECTOR_APP_NAME_SHORT=Connector \
	CONNECTOR_APP_DESCRIPTION_SHORT='Cards from our service' CONNECTOR_APP_DESCRIPTION_FULL='Cards from our service to Teams channels' \
	CONNECTOR_DEVELOPER_NAME=Example CONNECTOR_DEVELOPER_WEBSITE_URL=https://example.com \
	CONNECTOR_DEVELOPER_PRIVACY_URL=https://example.com/privacy CONNECTOR_DEVELOPER_TERMS_URL=https://example.com/terms \
	"$prefix/bin/connectorctl" -c "$T_DIR/installed.conf" package --out "$T_DIR/app.zip" 2>&1); rc=$?
is "$rc" 0 "the installed connectorctl builds the app package with the installed icons"
out=$(env -u CONNECTOR_CONFIG "$prefix/bin/connector-worker" -t -c "$T_DIR/installed.conf" 2>&1); rc=$?
is "$rc" 0 "the installed connector-worker reads the configuration"
done_testing
