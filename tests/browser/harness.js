// Shared plumbing for the browser tests: environment, Chromium, the Teams host simulator and database look-ups.
'use strict';

const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const puppeteer = require('puppeteer-core');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Generous for a loaded CI machine, small enough to keep the suite well under a minute when things break.
const WAIT_MS = 10000;

// Missing configuration is a failure, not a skip: a silently skipped suite proves nothing.
function requireEnv() {
  const missing = ['BASE_URL', 'DATABASE_URL'].filter((k) => !process.env[k]);
  if (missing.length) {
    throw new Error(`browser tests need ${missing.join(' and ')} in the environment ` +
      '(BASE_URL: the service origin, e.g. http://127.0.0.1:8080; DATABASE_URL: a libpq URL usable with psql)');
  }
  let base;
  try {
    base = new URL(process.env.BASE_URL);
  } catch (e) {
    throw new Error('BASE_URL is not a URL (expected e.g. http://127.0.0.1:8080)');
  }
  return { baseUrl: base.origin, databaseUrl: process.env.DATABASE_URL };
}

// extraArgs: more Chromium switches, e.g. for a test that serves the stack over TLS.
async function launchBrowser(extraArgs = []) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-browser-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${userDataDir}`,
      ...extraArgs,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

function psql(databaseUrl, sql) {
  return new Promise((resolve, reject) => {
    execFile('psql', [databaseUrl, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      { timeout: WAIT_MS }, (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`psql failed: ${(stderr || err.message).trim()}`));
        } else {
          resolve(stdout.trim());
        }
      });
  });
}

// Ids and names are checked before they reach SQL, so plain interpolation stays safe.
function sqlUuid(id) {
  assert.ok(UUID_RE.test(String(id)), 'expected a UUID for the database look-up');
  return `'${id}'::uuid`;
}

function sqlText(s) {
  assert.ok(/^[A-Za-z0-9 _-]*$/.test(s), 'test names must stay plain for SQL');
  return `'${s}'`;
}

async function configRow(databaseUrl, entityId) {
  const out = await psql(databaseUrl,
    'select row_to_json(c) from (select entity_id, config_name, content_url, webhook_url, webhook_kind, ' +
    'app_type, user_object_id, events, created_at, updated_at from configurations ' +
    `where entity_id = ${sqlUuid(entityId)}) c`);
  return out ? JSON.parse(out) : null;
}

async function countRows(databaseUrl, where) {
  return Number(await psql(databaseUrl, `select count(*) from configurations where ${where}`));
}

async function deleteRows(databaseUrl, entityIds) {
  const ids = entityIds.filter((id) => UUID_RE.test(String(id)));
  if (ids.length) {
    await psql(databaseUrl, `delete from configurations where entity_id in (${ids.map(sqlUuid).join(', ')})`);
  }
}

function uniqueName(label) {
  return `browser test ${label} ${crypto.randomBytes(4).toString('hex')}`;
}

// One fresh browser context per test: no cookies or storage leak between tests.
async function openHost(browser, baseUrl, query) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const consoleText = [];
  const requests = [];
  page.on('console', (m) => consoleText.push(m.text()));
  page.on('pageerror', (e) => consoleText.push(String(e && e.message)));
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  const qs = new URLSearchParams(query || {}).toString();
  await page.goto(`${baseUrl}/static/dev-host.html${qs ? `?${qs}` : ''}`, { waitUntil: 'load', timeout: WAIT_MS });
  await page.waitForFunction(() => window.devHost && window.devHost.ready && window.devHost.handlers.save,
    { timeout: WAIT_MS }).catch(() => {
    throw new Error('the configuration page did not initialise the Teams SDK inside the host simulator');
  });
  const frame = await (await page.$('#page-frame')).contentFrame();
  await frame.waitForSelector('#connector-form', { timeout: WAIT_MS });
  return {
    page,
    frame,
    consoleText,
    requests,
    host: (expr) => page.evaluate(expr),
    async close() {
      await context.close().catch(() => {});
    },
  };
}

async function setName(h, text) {
  const input = await h.frame.$('#configName');
  await input.click({ count: 3 });
  await h.page.keyboard.press('Backspace');
  if (text) {
    await input.type(text);
  }
}

async function categoryIds(h) {
  return h.frame.$$eval('input[type="checkbox"][name="events"]', (boxes) => boxes.map((b) => b.value));
}

async function checkedIds(h) {
  return h.frame.$$eval('input[type="checkbox"][name="events"]',
    (boxes) => boxes.filter((b) => b.checked).map((b) => b.value));
}

async function setChecked(h, id, on) {
  const box = await h.frame.$(`input[type="checkbox"][name="events"][value="${id}"]`);
  const now = await box.evaluate((b) => b.checked);
  if (now !== on) {
    await box.click();
  }
}

// Validity travels by postMessage, so give it time to arrive; "still invalid" is re-checked after a pause.
async function expectValid(h, expected, why) {
  await h.page.waitForFunction(
    (want) => window.devHost.valid === want && document.getElementById('save-button').disabled === !want,
    { timeout: WAIT_MS }, expected).catch(() => {
    throw new Error(`expected the page to report ${expected ? 'valid' : 'invalid'} (${why})`);
  });
  if (!expected) {
    await new Promise((r) => setTimeout(r, 200));
    const state = await h.host(() => [window.devHost.valid, document.getElementById('save-button').disabled]);
    assert.deepEqual(state, [false, true], `Save must stay disabled (${why})`);
  }
}

async function clickSave(h) {
  await h.page.click('#save-button');
  await h.page.waitForFunction(() => window.devHost.lastSaveResult !== null, { timeout: 30000 });
  return h.host(() => ({ result: window.devHost.lastSaveResult, reason: window.devHost.lastSaveReason }));
}

async function clickRemove(h) {
  await h.page.click('#remove-button');
  await h.page.waitForFunction(() => window.devHost.lastRemoveResult !== null, { timeout: 30000 });
  return h.host(() => ({ result: window.devHost.lastRemoveResult, reason: window.devHost.lastRemoveReason }));
}

async function pageStatus(h) {
  return h.frame.$eval('#status', (el) => el.textContent.trim());
}

// The page must never echo a secret: not in its markup and not on the console.
async function assertNoSecrets(h, secrets) {
  const html = await h.frame.evaluate(() => document.documentElement.outerHTML);
  for (const s of secrets.filter(Boolean)) {
    assert.ok(!html.includes(s), 'the configuration page must not show a secret');
    assert.ok(!h.consoleText.some((line) => line.includes(s)), 'nothing may log a secret to the console');
  }
}

module.exports = {
  UUID_RE,
  requireEnv,
  launchBrowser,
  configRow,
  countRows,
  deleteRows,
  sqlUuid,
  sqlText,
  uniqueName,
  openHost,
  setName,
  categoryIds,
  checkedIds,
  setChecked,
  expectValid,
  clickSave,
  clickRemove,
  pageStatus,
  assertNoSecrets,
};
