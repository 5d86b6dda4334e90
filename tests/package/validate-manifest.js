#!/usr/bin/env node
// validate-manifest.js: validates a Teams manifest.json offline with @microsoft/app-manifest's schemas.
'use strict';
// Usage: node tests/package/validate-manifest.js MANIFEST.json
// Prints "valid" and exits 0, or prints each schema error and exits 1; exits 2 when it cannot
// judge (unreadable file, no bundled schema for the manifest's $schema: that would need the
// network, which AppManifestUtils would otherwise try).
const fs = require('fs');
const path = require('path');

function fail(msg) {
	console.error(`validate-manifest: ${msg}`);
	process.exit(2);
}

const file = process.argv[2];
if (!file || process.argv.length > 3) fail('usage: validate-manifest.js MANIFEST.json');

let manifestLib;
try {
	manifestLib = require('@microsoft/app-manifest');
} catch (e) {
	fail(`@microsoft/app-manifest is not installed (run npm ci): ${e.message}`);
}

let manifest;
try {
	manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
	fail(`${file}: ${e.message}`);
}

// The package maps this URL form to its own copy of the schema; any other form is fetched.
const schemaUrl = /^https:\/\/developer\.microsoft\.com\/json-schemas\/(teams\/v[0-9.]+\/MicrosoftTeams\.schema\.json)$/;
const m = typeof manifest.$schema === 'string' && manifest.$schema.match(schemaUrl);
if (!m) fail(`${file}: $schema ${JSON.stringify(manifest.$schema)} is not a Teams schema URL the package bundles`);
const bundled = path.join(path.dirname(require.resolve('@microsoft/app-manifest')), 'json-schemas', m[1]);
if (!fs.existsSync(bundled)) fail(`${file}: no bundled schema ${m[1]} in @microsoft/app-manifest`);

manifestLib.AppManifestUtils.validateAgainstSchema(manifest).then((errors) => {
	if (errors.length === 0) {
		console.log(`valid: ${file} against the bundled ${m[1]}`);
		return;
	}
	for (const e of errors) console.log(`invalid: ${e}`);
	process.exit(1);
}, (e) => fail(`${file}: ${e.message}`));
