// Browser tests of the connector configuration page inside the Teams host simulator, checked against the database.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./harness');

// Reported on its own so a missing variable reads as one clear failure rather than a cancelled suite.
test('BASE_URL and DATABASE_URL are set', () => {
  h.requireEnv();
});

// One test per behaviour at the top level, so each one counts in the suite's totals.
let env;
let chromium;
// Rows this suite created, removed at the end even when a test fails half-way.
const owned = new Set();

before(async () => {
  env = h.requireEnv();
  chromium = await h.launchBrowser();
});

after(async () => {
  try {
    if (env && owned.size) {
      await h.deleteRows(env.databaseUrl, [...owned]);
    }
  } finally {
    if (chromium) {
      await chromium.close();
    }
  }
});

function hostQuery(extra) {
  return { user: crypto.randomUUID(), ...extra };
}

// Goes through the Setup page the way a user does and returns what the host handed out.
async function createConfiguration(t, name, events) {
  const host = await h.openHost(chromium.browser, env.baseUrl, hostQuery());
  t.after(() => host.close());
  await h.setName(host, name);
  for (const id of events) {
    await h.setChecked(host, id, true);
  }
  await h.expectValid(host, true, 'name and categories given');
  const outcome = await h.clickSave(host);
  const entityId = await host.host(() => window.devHost.settings.entityId);
  if (h.UUID_RE.test(String(entityId))) {
    owned.add(entityId);
  }
  assert.equal(outcome.result, 'success', `save failed: ${outcome.reason}`);
  assert.match(entityId, h.UUID_RE, 'the page must hand Teams a UUID entity id');
  const webhookUrl = await host.host(() => window.devHost.webhookUrl);
  const userObjectId = await host.host(() => window.devHost.userObjectId);
  return { host, entityId, webhookUrl, userObjectId };
}

async function categoriesOffered() {
  const probe = await h.openHost(chromium.browser, env.baseUrl, hostQuery());
  try {
    return await h.categoryIds(probe);
  } finally {
    await probe.close();
  }
}

// The entity id the page offered Teams, owned from here on in case a broken page saved it after all.
async function ownSetSettings(host) {
  const sent = await host.host(() => window.devHost.lastSetSettings);
  if (!sent || !h.UUID_RE.test(String(sent.entityId))) {
    return null;
  }
  owned.add(sent.entityId);
  return sent;
}

test('save creates the configuration row', { timeout: 30000 }, async (t) => {
  const probe = await h.openHost(chromium.browser, env.baseUrl, hostQuery());
  t.after(() => probe.close());
  const all = await h.categoryIds(probe);
  assert.ok(all.length >= 1, 'the Setup page must offer at least one event category');
  for (const id of all) {
    assert.match(id, /^[a-z][a-z0-9_-]{0,31}$/, 'category ids follow the documented form');
  }
  const publicBase = await probe.frame.$eval('meta[name="connector-base-url"]', (m) => m.content);
  assert.equal(publicBase, env.baseUrl, 'connector-base-url must be the origin the tests reach the service at');
  assert.equal(await probe.frame.$('meta[name="connector-entity-id"]'), null, 'Setup has no entity id yet');
  await probe.close();

  const name = h.uniqueName('save');
  const events = all.slice(0, 2);
  const made = await createConfiguration(t, name, events);

  const row = await h.configRow(env.databaseUrl, made.entityId);
  assert.ok(row, 'the save must write a row');
  assert.equal(row.config_name, name);
  assert.deepEqual([...row.events].sort(), [...events].sort());
  assert.equal(row.content_url, `${publicBase}/Connector/Edit?entityId=${made.entityId}`);
  assert.ok(row.webhook_url === made.webhookUrl, 'webhook_url must be the URL the host handed out');
  assert.equal(row.webhook_kind, 'connector');
  assert.equal(row.app_type, 'teams');
  assert.ok(row.user_object_id === made.userObjectId.toLowerCase(), 'user_object_id must be the one the host gave');
  assert.equal(await h.countRows(env.databaseUrl, `config_name = ${h.sqlText(name)}`), 1);

  assert.equal(await h.pageStatus(made.host), 'Saved.');
  const stored = await made.host.host(() => window.devHost.settings);
  assert.equal(stored.contentUrl, row.content_url, 'Teams is given the Edit URL as contentUrl');
  assert.equal(stored.configName, name);
  await h.assertNoSecrets(made.host, [made.webhookUrl, made.userObjectId]);
});

test('keeps Save disabled while the input is invalid', { timeout: 30000 }, async (t) => {
  const host = await h.openHost(chromium.browser, env.baseUrl, hostQuery());
  t.after(() => host.close());
  const [first, second] = await h.categoryIds(host);

  await h.expectValid(host, false, 'empty form');
  await h.setName(host, 'Alerts for ops');
  await h.expectValid(host, false, 'name but no category');
  await h.setChecked(host, first, true);
  await h.expectValid(host, true, 'name and one category');
  await h.setName(host, '');
  await h.expectValid(host, false, 'empty name');
  await h.setName(host, '    ');
  await h.expectValid(host, false, 'whitespace-only name');
  await h.setName(host, 'x'.repeat(130));
  assert.equal(await host.frame.$eval('#configName', (el) => el.value.length), 100, 'maxlength caps the name');
  await h.expectValid(host, true, 'name of exactly 100 characters');
  if (second) {
    await h.setChecked(host, second, true);
    await h.setChecked(host, first, false);
    await h.expectValid(host, true, 'another category checked');
    await h.setChecked(host, second, false);
  } else {
    await h.setChecked(host, first, false);
  }
  await h.expectValid(host, false, 'no category checked');

  // A click on the disabled button must not reach the page.
  await host.page.click('#save-button');
  await new Promise((r) => setTimeout(r, 200));
  const saveEvents = await host.host(() => window.devHost.messages.filter((m) => m.func === 'settings.save').length);
  assert.equal(saveEvents, 0, 'no save may be sent while invalid');
  assert.equal(await host.host(() => window.devHost.setSettingsCount), 0);
});

test('edit prefills the form and updates the same row', { timeout: 30000 }, async (t) => {
  const all = await categoriesOffered();
  const name = h.uniqueName('edit');
  const original = [all[0]];
  const made = await createConfiguration(t, name, original);
  const before = await h.configRow(env.databaseUrl, made.entityId);
  assert.ok(before, 'the configuration to edit must exist');

  const editPath = `/Connector/Edit?entityId=${made.entityId}`;
  const host = await h.openHost(chromium.browser, env.baseUrl, hostQuery({
    page: editPath,
    entityId: made.entityId,
    configName: name,
    contentUrl: before.content_url,
    webhook: made.webhookUrl,
    user: made.userObjectId,
  }));
  t.after(() => host.close());

  assert.equal(await host.frame.$eval('#configName', (el) => el.value), name, 'the name comes prefilled');
  assert.deepEqual((await h.checkedIds(host)).sort(), [...original].sort(), 'the categories come prefilled');
  assert.equal(await host.frame.$eval('meta[name="connector-entity-id"]', (m) => m.content), made.entityId);
  await h.expectValid(host, true, 'an Edit page starts valid');

  const renamed = h.uniqueName('edited');
  await h.setName(host, renamed);
  const updatedEvents = all.length > 1 ? [all[0], all[1]] : original;
  for (const id of updatedEvents) {
    await h.setChecked(host, id, true);
  }
  const outcome = await h.clickSave(host);
  assert.equal(outcome.result, 'success', `save failed: ${outcome.reason}`);
  assert.equal(await host.host(() => window.devHost.settings.entityId), made.entityId, 'editing keeps the entity id');

  const row = await h.configRow(env.databaseUrl, made.entityId);
  assert.ok(row, 'the edited row must still exist');
  assert.equal(row.config_name, renamed);
  assert.deepEqual([...row.events].sort(), [...updatedEvents].sort());
  assert.equal(row.content_url, before.content_url);
  assert.ok(row.webhook_url === made.webhookUrl, 'webhook_url unchanged');
  assert.equal(row.created_at, before.created_at, 'an edit is an update, not a new row');
  assert.equal(await h.countRows(env.databaseUrl, `config_name in (${h.sqlText(name)}, ${h.sqlText(renamed)})`), 1,
    'no second row may appear');
  await h.assertNoSecrets(host, [made.webhookUrl, made.userObjectId]);
});

test('remove deletes the row', { timeout: 30000 }, async (t) => {
  const all = await categoriesOffered();
  const name = h.uniqueName('remove');
  const made = await createConfiguration(t, name, [all[0]]);
  assert.ok(await h.configRow(env.databaseUrl, made.entityId), 'the configuration to remove must exist');

  // Teams removes from the page behind contentUrl, with the instance's settings at hand.
  const host = await h.openHost(chromium.browser, env.baseUrl, hostQuery({
    page: `/Connector/Edit?entityId=${made.entityId}`,
    entityId: made.entityId,
    configName: name,
    webhook: made.webhookUrl,
    user: made.userObjectId,
  }));
  t.after(() => host.close());
  const outcome = await h.clickRemove(host);
  assert.equal(outcome.result, 'success', `remove failed: ${outcome.reason}`);
  assert.equal(await h.configRow(env.databaseUrl, made.entityId), null, 'the row must be gone');
  owned.delete(made.entityId);
});

test('a save the server rejects is reported to Teams as a failure and writes nothing', { timeout: 30000 }, async (t) => {
  const host = await h.openHost(chromium.browser, env.baseUrl, hostQuery({
    webhook: 'https://evil.example.com/webhookb2/x',
  }));
  t.after(() => host.close());
  const [first] = await h.categoryIds(host);
  const name = h.uniqueName('rejected');
  await h.setName(host, name);
  await h.setChecked(host, first, true);
  await h.expectValid(host, true, 'valid input');

  const outcome = await h.clickSave(host);
  const sent = await ownSetSettings(host);
  assert.equal(outcome.result, 'failure', 'the page must call notifyFailure');
  assert.ok(outcome.reason && outcome.reason.length > 0, 'notifyFailure carries a reason');
  assert.equal(await h.pageStatus(host), outcome.reason, 'the page shows the reason to the user');
  assert.ok(host.requests.some((r) => r.method === 'POST' && new URL(r.url).pathname === '/Connector/Save'),
    'the page asked the server');

  assert.ok(sent, 'the page gave Teams its entity id first');
  assert.equal(await h.configRow(env.databaseUrl, sent.entityId), null, 'no row for a rejected save');
  assert.equal(await h.countRows(env.databaseUrl, `config_name = ${h.sqlText(name)}`), 0);
  // After the failure the user can correct the input and try again.
  assert.equal(await host.frame.$eval('#configName', (el) => el.disabled), false, 'the form is usable again');
});

test('a setSettings failure from Teams leads to notifyFailure and no row', { timeout: 30000 }, async (t) => {
  const host = await h.openHost(chromium.browser, env.baseUrl, hostQuery());
  t.after(() => host.close());
  await host.page.click('#fail-set-settings');
  assert.equal(await host.host(() => window.devHost.failSetSettings), true);
  const [first] = await h.categoryIds(host);
  const name = h.uniqueName('setsettings');
  await h.setName(host, name);
  await h.setChecked(host, first, true);
  await h.expectValid(host, true, 'valid input');

  const outcome = await h.clickSave(host);
  const sent = await ownSetSettings(host);
  assert.equal(outcome.result, 'failure', 'the page must call notifyFailure');
  assert.match(outcome.reason, /setSettings fail/, 'the reason Teams gave is passed on');
  assert.equal(await h.pageStatus(host), outcome.reason);
  assert.ok(!host.requests.some((r) => r.method === 'POST' && new URL(r.url).pathname === '/Connector/Save'),
    'nothing may be saved when Teams refused the settings');

  assert.ok(sent, 'the page called setSettings');
  assert.equal(await h.configRow(env.databaseUrl, sent.entityId), null, 'no row when setSettings failed');
  assert.equal(await h.countRows(env.databaseUrl, `config_name = ${h.sqlText(name)}`), 0);
});
