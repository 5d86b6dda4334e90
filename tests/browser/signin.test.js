// Browser tests of signed-in configuration: the page sends the user's Teams SSO token (or gets one through the sign-in popup) and the server takes only that user's.
'use strict';

// teams-js 2.x refuses to open the sign-in popup for a URL that is not https, as Teams does; so
// these tests put a small TLS proxy (a self-signed certificate made here) in front of the stack's
// nginx and restart connector-fcgi with sign-in on and that https origin as public_base_url. The
// restart is undone at the end, also when a test fails. tests/browser/run runs one file at a
// time, so the other browser tests never see this configuration.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const h = require('./harness');

const STACK = process.env.STACK || path.resolve(__dirname, '../../scripts/stack');
const STORE_KEY = 'teams-connector.sign-in';
const RESTART_MS = 120000;

// Besides what every browser test needs: the stack's configuration (sign-in keys) and log.
function requireSigninEnv() {
  const env = h.requireEnv();
  const missing = ['CONNECTOR_CONFIG', 'CONNECTOR_LOG'].filter((k) => !process.env[k]);
  if (missing.length) {
    throw new Error(`the sign-in browser tests need ${missing.join(' and ')} in the environment ` +
      '(both are in the stack\'s .stack/env, which scripts/stack test exports)');
  }
  const conf = fs.readFileSync(process.env.CONNECTOR_CONFIG, 'utf8');
  const value = (key) => {
    const m = conf.match(new RegExp(`^${key} = (.*)$`, 'm'));
    if (!m || !m[1].trim()) {
      throw new Error(`${process.env.CONNECTOR_CONFIG} has no ${key} (scripts/stack up writes it)`);
    }
    return m[1].trim();
  };
  return { ...env, clientId: value('sso_client_id'), jwksFile: value('sso_jwks_file'), log: process.env.CONNECTOR_LOG };
}

test('BASE_URL, DATABASE_URL, CONNECTOR_CONFIG and CONNECTOR_LOG are set', () => {
  requireSigninEnv();
});

let env;
let chromium;
let proxy;
let publicBase;
let tmpDir;
let signinOn = false;
const owned = new Set();
const run = crypto.randomBytes(4).toString('hex');
const kid = `k1-${run}`;
const keys = {
  k1: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
  other: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
// Every token made here, so the log check can look for each.
const issued = [];

function runCommand(cmd, args, options) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: RESTART_MS, ...options }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

// Written whole then renamed: a restarting process never reads half a file.
function writeJwks(list) {
  const tmp = `${env.jwksFile}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ keys: list })}\n`);
  fs.renameSync(tmp, env.jwksFile);
}

function jwkOf(pair) {
  return { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

function b64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

// A Teams SSO token (v2 id token shape) for our app, signed with the given key.
function ssoToken(pair, claims) {
  const now = Math.floor(Date.now() / 1000);
  const body = {
    iss: `https://login.microsoftonline.com/${claims.tid}/v2.0`,
    aud: env.clientId,
    sub: `sub-${run}`,
    name: 'Adele Vance',
    preferred_username: 'adele.vance@contoso.example',
    iat: now - 5,
    nbf: now - 5,
    exp: now + 600,
    ...claims,
  };
  const data = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(body)}`;
  const token = `${data}.${crypto.sign('RSA-SHA256', Buffer.from(data), pair.privateKey).toString('base64url')}`;
  issued.push(token);
  return token;
}

// The sink listens one port above the service; the stack allows webhooks there.
function sinkWebhook() {
  const sink = process.env.SINK_URL ||
    `http://127.0.0.1:${Number(new URL(env.baseUrl).port) + 1}`;
  return `${sink}/webhookb2/${crypto.randomUUID()}@${crypto.randomUUID()}/IncomingWebhook/` +
    `${crypto.randomBytes(16).toString('hex')}/${crypto.randomUUID()}`;
}

async function startTlsProxy() {
  const key = path.join(tmpDir, 'key.pem');
  const cert = path.join(tmpDir, 'cert.pem');
  await runCommand('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  const target = new URL(env.baseUrl);
  // Passes requests on unchanged (Host and Origin included), as a TLS terminator in front of nginx would.
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    const up = http.request({
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers,
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// The Setup page tells whether the restarted processes answer with the wanted setting.
async function waitForSetup(withSignIn) {
  const deadline = Date.now() + 15000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${env.baseUrl}/Connector/Setup`);
      last = await res.text();
      if (res.ok && last.includes('connector-sso-client-id') === withSignIn) {
        return;
      }
    } catch (e) {
      // Not answering yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`connector-fcgi did not come back with sign-in ${withSignIn ? 'on' : 'off'}`);
}

async function restartFcgi(on) {
  const childEnv = { ...process.env };
  delete childEnv.CONNECTOR_SSO_ENABLED;
  delete childEnv.CONNECTOR_PUBLIC_BASE_URL;
  if (on) {
    childEnv.CONNECTOR_SSO_ENABLED = 'true';
    childEnv.CONNECTOR_PUBLIC_BASE_URL = publicBase;
  }
  await runCommand(STACK, ['fcgi-restart'], { env: childEnv });
  await waitForSetup(on);
}

before(async () => {
  env = requireSigninEnv();
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-signin-'));
  proxy = await startTlsProxy();
  publicBase = `https://127.0.0.1:${proxy.address().port}`;
  writeJwks([jwkOf(keys.k1)]);
  signinOn = true;
  await restartFcgi(true);
  // The certificate is the proxy's own, made above.
  chromium = await h.launchBrowser(['--ignore-certificate-errors']);
});

after(async () => {
  try {
    if (env && owned.size) {
      await h.deleteRows(env.databaseUrl, [...owned]);
    }
  } finally {
    try {
      if (signinOn) {
        writeJwks([]);
        await restartFcgi(false);
      }
    } finally {
      if (chromium) {
        await chromium.close();
      }
      if (proxy) {
        proxy.closeAllConnections();
        proxy.close();
      }
      if (tmpDir) {
        fs.rmSync(tmpDir, { recursive: true, force: true });
      }
    }
  }
});

// Opens the Setup page as a fresh user, lets setup() arrange the host's sign-in answers, then saves.
async function signedInSave(t, label, setup) {
  const user = crypto.randomUUID();
  const host = await h.openHost(chromium.browser, publicBase, { user, webhook: sinkWebhook() });
  t.after(() => host.close());
  const sentAuth = [];
  host.page.on('request', (r) => {
    if (r.method() === 'POST' && /^\/Connector\/(Save|Remove)$/.test(new URL(r.url()).pathname)) {
      sentAuth.push(r.headers().authorization || null);
    }
  });
  assert.equal(await host.frame.$eval('meta[name="connector-sso-client-id"]', (m) => m.content), env.clientId,
    'with sign-in on the page names the app to get a token for');
  const tenant = await host.host(() => window.devHost.tenantId);
  await setup(host, { user, tenant });
  const [first] = await h.categoryIds(host);
  const name = h.uniqueName(label);
  await h.setName(host, name);
  await h.setChecked(host, first, true);
  await h.expectValid(host, true, 'valid input');
  const outcome = await h.clickSave(host);
  const sent = await host.host(() => window.devHost.lastSetSettings);
  if (sent && h.UUID_RE.test(String(sent.entityId))) {
    owned.add(sent.entityId);
  }
  return { host, user, tenant, name, outcome, sent, sentAuth };
}

function giveToken(host, token) {
  return host.page.evaluate((tok) => { window.devHost.authToken = tok; }, token);
}

async function hostCounts(host) {
  return host.host(() => ({ silent: window.devHost.getAuthTokenCount, popup: window.devHost.authenticateCount }));
}

// Neither the page, its console, the host's message log nor the service's log may show a token.
async function assertTokenHidden(host, token) {
  await h.assertNoSecrets(host, [token]);
  const hostSide = await host.host(() => JSON.stringify(window.devHost.messages) +
    document.getElementById('message-log').textContent);
  assert.ok(!hostSide.includes(token), 'the host simulator must not log the token');
  assert.ok(!fs.readFileSync(env.log, 'utf8').includes(token), 'the connector log must not hold the token');
}

test('a save with the user\'s token writes the row for that user', { timeout: 60000 }, async (t) => {
  let token;
  const s = await signedInSave(t, 'signin ok', async (host, who) => {
    token = ssoToken(keys.k1, { oid: who.user, tid: who.tenant });
    await giveToken(host, token);
  });
  assert.equal(s.outcome.result, 'success', `save failed: ${s.outcome.reason}`);
  assert.deepEqual(s.sentAuth, [`Bearer ${token}`], 'the Save request carries the token');
  assert.deepEqual(await hostCounts(s.host), { silent: 1, popup: 0 }, 'the silent token was enough');
  const row = await h.configRow(env.databaseUrl, s.sent.entityId);
  assert.ok(row, 'the save must write a row');
  assert.equal(row.config_name, s.name);
  assert.ok(row.user_object_id === s.user, 'the row belongs to the signed-in user');
  assert.equal(row.content_url, `${publicBase}/Connector/Edit?entityId=${s.sent.entityId}`);
  assert.equal(await h.pageStatus(s.host), 'Saved.');
  await assertTokenHidden(s.host, token);
});

test('a token of another user is refused: the page says so, Teams is told, nothing is saved', { timeout: 60000 }, async (t) => {
  const s = await signedInSave(t, 'signin wrong user', async (host, who) => {
    await giveToken(host, ssoToken(keys.k1, { oid: crypto.randomUUID(), tid: who.tenant }));
  });
  assert.equal(s.outcome.result, 'failure', 'the page must call notifyFailure');
  assert.match(s.outcome.reason, /signed in as a different user/, 'the reason names the problem');
  assert.equal(await h.pageStatus(s.host), s.outcome.reason, 'the page shows the reason');
  assert.equal(s.sentAuth.length, 1, 'the page asked the server once');
  assert.ok(s.sent, 'the page gave Teams its entity id');
  assert.equal(await h.configRow(env.databaseUrl, s.sent.entityId), null, 'no row for a refused save');
  assert.equal(await h.countRows(env.databaseUrl, `config_name = ${h.sqlText(s.name)}`), 0);
  assert.equal(await s.host.frame.$eval('#configName', (el) => el.disabled), false, 'the form is usable again');
});

test('when getAuthToken fails the sign-in popup is used and the save succeeds', { timeout: 60000 }, async (t) => {
  let token;
  const s = await signedInSave(t, 'signin popup', async (host, who) => {
    token = ssoToken(keys.k1, { oid: who.user, tid: who.tenant });
    await giveToken(host, token);
    await host.page.evaluate(() => { window.devHost.failGetAuthToken = true; });
  });
  assert.equal(s.outcome.result, 'success', `save failed: ${s.outcome.reason}`);
  assert.deepEqual(await hostCounts(s.host), { silent: 1, popup: 1 }, 'silent first, then the popup');
  const asked = await s.host.host(() => window.devHost.lastAuthenticate);
  assert.equal(asked.url, `${publicBase}/Connector/Auth/Start`, 'the popup opens our sign-in start page');
  assert.equal(asked.width, 600);
  assert.equal(asked.height, 535);
  assert.deepEqual(s.sentAuth, [`Bearer ${token}`], 'the token from the popup is sent');
  const row = await h.configRow(env.databaseUrl, s.sent.entityId);
  assert.ok(row && row.user_object_id === s.user, 'the row is saved for the signed-in user');
  await assertTokenHidden(s.host, token);
});

test('a token signed by another key is refused and nothing is saved', { timeout: 60000 }, async (t) => {
  const s = await signedInSave(t, 'signin forged', async (host, who) => {
    await giveToken(host, ssoToken(keys.other, { oid: who.user, tid: who.tenant }));
  });
  assert.equal(s.outcome.result, 'failure', 'the page must call notifyFailure');
  assert.match(s.outcome.reason, /could not verify your sign-in/);
  assert.equal(await h.pageStatus(s.host), s.outcome.reason);
  assert.equal(await h.configRow(env.databaseUrl, s.sent.entityId), null, 'no row for a forged token');
  assert.equal(await h.countRows(env.databaseUrl, `config_name = ${h.sqlText(s.name)}`), 0);
});

test('when no sign-in works the save fails before anything is sent', { timeout: 60000 }, async (t) => {
  const s = await signedInSave(t, 'signin none', async (host) => {
    await host.page.evaluate(() => {
      window.devHost.failGetAuthToken = true;
      window.devHost.failAuthenticate = true;
    });
  });
  assert.equal(s.outcome.result, 'failure');
  assert.match(s.outcome.reason, /could not be signed in \(CancelledByUser\)/);
  assert.equal(await h.pageStatus(s.host), s.outcome.reason);
  assert.deepEqual(s.sentAuth, [], 'nothing is posted without a token');
  assert.equal(await s.host.host(() => window.devHost.setSettingsCount), 0, 'Teams is not handed settings either');
});

test('remove needs the token too', { timeout: 60000 }, async (t) => {
  let token;
  const made = await signedInSave(t, 'signin remove', async (host, who) => {
    token = ssoToken(keys.k1, { oid: who.user, tid: who.tenant });
    await giveToken(host, token);
  });
  assert.equal(made.outcome.result, 'success', `save failed: ${made.outcome.reason}`);
  const entityId = made.sent.entityId;
  const webhook = await made.host.host(() => window.devHost.webhookUrl);

  const host = await h.openHost(chromium.browser, publicBase, {
    page: `/Connector/Edit?entityId=${entityId}`,
    entityId,
    configName: made.name,
    webhook,
    user: made.user,
  });
  t.after(() => host.close());
  await host.page.evaluate(() => {
    window.devHost.failGetAuthToken = true;
    window.devHost.failAuthenticate = true;
  });
  const refused = await h.clickRemove(host);
  assert.equal(refused.result, 'failure', 'no token, no removal');
  assert.match(refused.reason, /could not be signed in/);
  assert.ok(await h.configRow(env.databaseUrl, entityId), 'the row is still there');

  await giveToken(host, token);
  await host.page.evaluate(() => { window.devHost.failGetAuthToken = false; });
  const removed = await h.clickRemove(host);
  assert.equal(removed.result, 'success', `remove failed: ${removed.reason}`);
  assert.equal(await h.configRow(env.databaseUrl, entityId), null, 'the row is gone');
  owned.delete(entityId);
});

// The popup's pages inside the host simulator playing the sign-in window; Azure AD itself is not
// contacted: the request to it is caught and answered by the test.
test('the sign-in popup: Start sends the user to Azure AD, End hands back only the token it asked for', { timeout: 60000 }, async (t) => {
  const context = await chromium.browser.createBrowserContext();
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const consoleText = [];
  page.on('console', (m) => consoleText.push(m.text()));
  let authorize = null;
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    if (r.url().startsWith('https://login.microsoftonline.com/')) {
      authorize = authorize || r.url();
      r.abort().catch(() => {});
    } else {
      r.continue().catch(() => {});
    }
  });
  const user = crypto.randomUUID();
  await page.goto(`${publicBase}/static/dev-host.html?frameContext=authentication&user=${user}` +
    '&page=%2FConnector%2FAuth%2FStart', { waitUntil: 'load' });
  const deadline = Date.now() + 10000;
  while (!authorize && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(authorize, 'the Start page must go to Azure AD');
  const [tenant, loginHint] = await page.evaluate(() => [window.devHost.tenantId, window.devHost.loginHint]);
  const url = new URL(authorize);
  assert.equal(url.pathname, `/${tenant}/oauth2/v2.0/authorize`, 'the user\'s own tenant signs them in');
  const q = url.searchParams;
  assert.equal(q.get('client_id'), env.clientId);
  assert.equal(q.get('response_type'), 'id_token');
  assert.equal(q.get('scope'), 'openid profile');
  assert.equal(q.get('response_mode'), 'fragment');
  assert.equal(q.get('redirect_uri'), `${publicBase}/Connector/Auth/End`);
  assert.equal(q.get('login_hint'), loginHint, 'the Teams user is suggested');
  assert.equal(q.get('prompt'), null, 'no prompt when the user is known');
  assert.match(q.get('state'), /^[0-9a-f]{48}$/);
  assert.match(q.get('nonce'), /^[0-9a-f]{48}$/);
  const pending = JSON.parse(await page.evaluate((k) => window.localStorage.getItem(k), STORE_KEY));
  assert.equal(pending.state, q.get('state'), 'the state is remembered for the End page');
  assert.equal(pending.nonce, q.get('nonce'));

  // endWith(fragment): loads the End page with Azure AD's answer; resolves with what it told Teams.
  // A query that changes each time makes every load a new document (a new fragment alone would not).
  let attempt = 0;
  const endWith = async (fragment) => {
    attempt += 1;
    await page.evaluate((p) => window.devHost.load(p), `/Connector/Auth/End?attempt=${attempt}#${fragment}`);
    await page.waitForFunction(() => window.devHost.lastAuthResult !== null, { timeout: 10000 });
    return page.evaluate(() => window.devHost.lastAuthResult);
  };
  const token = ssoToken(keys.k1, { oid: user, tid: tenant, nonce: pending.nonce });
  const good = await endWith(`id_token=${token}&state=${pending.state}`);
  assert.equal(good.result, 'success', `End failed: ${good.reason}`);
  assert.ok(await page.evaluate((tok) => window.devHost.authResultTokenIs(tok), token), 'the id token reaches Teams');
  assert.equal(await page.evaluate((k) => window.localStorage.getItem(k), STORE_KEY), null, 'the state is used once');
  const frame = await (await page.$('#page-frame')).contentFrame();
  assert.equal(await frame.evaluate(() => window.location.hash), '', 'the token leaves the address bar');

  const remember = (s, n) => page.evaluate((k, v) => window.localStorage.setItem(k, v), STORE_KEY,
    JSON.stringify({ state: s, nonce: n, at: Date.now() }));
  await remember('s1', 'n1');
  const replayed = await endWith(`id_token=${ssoToken(keys.k1, { oid: user, tid: tenant, nonce: 'n1' })}&state=s2`);
  assert.equal(replayed.result, 'failure');
  assert.match(replayed.reason, /state mismatch/);
  await remember('s1', 'n1');
  const otherNonce = await endWith(`id_token=${ssoToken(keys.k1, { oid: user, tid: tenant, nonce: 'n2' })}&state=s1`);
  assert.equal(otherNonce.result, 'failure');
  assert.match(otherNonce.reason, /nonce mismatch/);
  await remember('s1', 'n1');
  const denied = await endWith('error=access_denied&error_description=The+user+cancelled&state=s1');
  assert.equal(denied.result, 'failure');
  assert.match(denied.reason, /^access_denied: The user cancelled/);
  assert.ok(!consoleText.some((line) => issued.some((tok) => line.includes(tok))), 'no token on the console');
});
