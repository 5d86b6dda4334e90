// Teams host simulator logic: answers the embedded page's SDK messages like Teams does and exposes its state for browser tests.
//
// Sign-in (the page's getAuthToken and authenticate calls): the host hands out whatever token it
// was given, it never makes one. Give it one through the "Sign-in token" field or, from a test,
// `window.devHost.authToken = '<jwt>'` (page.evaluate). `devHost.failGetAuthToken = true` (or the
// checkbox, or ?failGetAuthToken=1) makes getAuthToken fail as Teams does when SSO is not set up
// or consent is missing, so the page falls back to authenticate; `devHost.failAuthenticate`
// (?failAuthenticate=1) makes that fail too, as when the user closes the sign-in window.
// authenticate is answered at once, without opening the popup; `devHost.lastAuthenticate` says
// which URL and size the page asked for. Tokens are never taken from the query string (they
// would land in the web server's access log) and never shown in the message log.
// The popup's own pages can be tried in the frame too: ?frameContext=authentication&page=/Connector/Auth/End
// plays the sign-in window; what it reports lands in `devHost.lastAuthResult`, and
// `devHost.authResultTokenIs(t)` says whether the token it handed back is t.
(function () {
  'use strict';

  var DEFAULT_PAGE = '/Connector/Setup';
  var DEFAULT_USER = '2f1e9a3c-5b7d-4e8f-9a0b-1c2d3e4f5a6b';
  var FAIL_REASON = 'The host simulator was told to make setSettings fail.';
  // The tenant and sign-in name the context reports, which a signed-in page passes to Azure AD.
  var DEFAULT_TENANT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  var DEFAULT_LOGIN = 'adele.vance@contoso.example';
  // Teams' own wording when a tab's SSO is not configured or needs consent.
  var NO_TOKEN_REASON = 'resourceRequiresConsent';
  var NO_AUTH_REASON = 'CancelledByUser';
  // Real Teams gives up on a silent page too; without a limit a broken page would hang the tests.
  var EVENT_TIMEOUT_MS = 30000;
  var LOG_DOM_LIMIT = 400;
  var APP_SESSION_ID = randomUuid();
  // Answers understood by teams-js 1.x (first two) and 2.x (runtime JSON string and host SDK version).
  var RUNTIME = JSON.stringify({
    apiVersion: 4,
    supports: { pages: { config: {} }, teamsCore: {}, authentication: {} }
  });
  var HOST_SDK_VERSION = '2.0.1';

  var $ = function (id) { return document.getElementById(id); };
  var frame = $('page-frame');
  var saveButton = $('save-button');
  var removeButton = $('remove-button');
  var hostStatus = $('host-status');
  var pageInput = $('page-path');
  var webhookInput = $('webhook-url');
  var userInput = $('user-object-id');
  var themeSelect = $('theme-select');
  var failBox = $('fail-set-settings');
  var tokenInput = $('sso-token');
  var failTokenBox = $('fail-get-auth-token');
  var failAuthBox = $('fail-authenticate');
  var logList = $('message-log');
  var settingsView = $('settings-view');
  var params = new URLSearchParams(window.location.search);

  function randomUuid() {
    if (window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = randomHexOf(b);
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function randomHexOf(bytes) {
    return Array.prototype.map.call(bytes, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
  }

  function randomHex(n) {
    return randomHexOf(window.crypto.getRandomValues(new Uint8Array(n)));
  }

  // Shaped like a Teams connector webhook, pointing at the local sink that listens one port above the service.
  function defaultWebhookUrl() {
    var port = parseInt(window.location.port, 10);
    if (!port) {
      port = window.location.protocol === 'https:' ? 443 : 80;
    }
    return 'http://127.0.0.1:' + (port + 1) + '/webhookb2/' + randomUuid() + '@' + randomUuid() +
      '/IncomingWebhook/' + randomHex(16) + '/' + randomUuid();
  }

  // Only same-origin pages can talk to this host: the SDK ignores messages from other origins.
  function sameOriginPath(value) {
    if (!value || value.charAt(0) !== '/' || value.charAt(1) === '/' || value.charAt(1) === '\\') {
      return null;
    }
    try {
      var url = new URL(value, window.location.origin);
      return url.origin === window.location.origin ? url.pathname + url.search + url.hash : null;
    } catch (e) {
      return null;
    }
  }

  function isWebhookLike(s) {
    return /\/webhookb2\/|\/IncomingWebhook\/|\/workflows\/|logic\.azure\.com|\/webhook/i.test(s);
  }

  // Webhook URLs are channel credentials: the log shows only where they point.
  function maskUrl(s) {
    try {
      var u = new URL(s);
      return u.protocol + '//' + u.host + '/\u2026';
    } catch (e) {
      return '\u2026';
    }
  }

  function maskId(s) {
    return String(s).slice(0, 4) + '\u2026';
  }

  // Three base64url parts: a JWT, which is a credential of the user it names.
  function isToken(s) {
    return s.length > 40 && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(s);
  }

  function mask(value, key) {
    if (typeof value === 'string') {
      if (isToken(value) || (tokenInput.value && value === tokenInput.value)) {
        return '(token, ' + value.length + ' characters)';
      }
      if (key === 'webhookUrl' || (/^https?:\/\//i.test(value) && isWebhookLike(value)) ||
          (webhookInput.value && value === webhookInput.value)) {
        return maskUrl(value);
      }
      if (key === 'userObjectId') {
        return maskId(value);
      }
      return value;
    }
    if (Array.isArray(value)) {
      return value.map(function (v) { return mask(v); });
    }
    if (value && typeof value === 'object') {
      var out = {};
      Object.keys(value).forEach(function (k) { out[k] = mask(value[k], k); });
      return out;
    }
    return value;
  }

  var requestedPage = params.get('page');
  var initialPage = sameOriginPath(requestedPage) || DEFAULT_PAGE;
  var pageWarning = requestedPage && sameOriginPath(requestedPage) === null
    ? 'Ignored ?page=: only same-origin paths can be embedded.' : '';
  var pageEntityId = null;
  try {
    pageEntityId = new URL(initialPage, window.location.origin).searchParams.get('entityId');
  } catch (e) {
    pageEntityId = null;
  }

  // What Teams remembers about this connector instance; query parameters preset it as Teams does on edit.
  var settings = {
    entityId: params.get('entityId') || pageEntityId || undefined,
    configName: params.get('configName') || undefined,
    contentUrl: params.get('contentUrl') ||
      (pageEntityId ? window.location.origin + initialPage : undefined),
    suggestedDisplayName: undefined
  };

  var state = {
    ready: false,
    valid: false,
    frameContext: /^(remove|authentication)$/.test(params.get('frameContext') || '')
      ? params.get('frameContext') : 'settings',
    handlers: { save: false, remove: false },
    sdkVersion: null,
    lastSetSettings: null,
    setSettingsCount: 0,
    lastSaveResult: null,
    lastSaveReason: null,
    lastRemoveResult: null,
    lastRemoveReason: null,
    getAuthTokenCount: 0,
    authenticateCount: 0,
    lastAuthenticate: null,
    lastAuthResult: null,
    authResultToken: null,
    messages: [],
    pending: null
  };

  webhookInput.value = params.get('webhook') || defaultWebhookUrl();
  userInput.value = params.get('user') || DEFAULT_USER;
  failBox.checked = params.get('failSetSettings') === '1';
  failTokenBox.checked = params.get('failGetAuthToken') === '1';
  failAuthBox.checked = params.get('failAuthenticate') === '1';
  var tenantId = params.get('tenant') || DEFAULT_TENANT;
  var loginHint = params.get('login') || DEFAULT_LOGIN;
  if (/^(default|dark|contrast)$/.test(params.get('theme') || '')) {
    themeSelect.value = params.get('theme');
  }
  pageInput.value = initialPage;

  function currentSettings() {
    return {
      entityId: settings.entityId,
      configName: settings.configName,
      contentUrl: settings.contentUrl,
      suggestedDisplayName: settings.suggestedDisplayName,
      webhookUrl: webhookInput.value,
      appType: 'teams',
      userObjectId: userInput.value
    };
  }

  function setHostStatus(text) {
    hostStatus.textContent = text;
  }

  function render() {
    saveButton.disabled = !(state.ready && state.valid && !state.pending);
    removeButton.disabled = !(state.ready && !state.pending);
    $('ready-view').textContent = state.ready ? 'yes' : 'no';
    $('valid-view').textContent = state.valid ? 'yes' : 'no';
    var shown = mask(currentSettings());
    settingsView.textContent = '';
    Object.keys(shown).forEach(function (k) {
      var dt = document.createElement('dt');
      dt.textContent = k;
      var dd = document.createElement('dd');
      dd.textContent = shown[k] === undefined ? '(unset)' : String(shown[k]);
      settingsView.appendChild(dt);
      settingsView.appendChild(dd);
    });
  }

  function record(direction, msg) {
    var entry = {
      direction: direction,
      func: msg.func || null,
      id: typeof msg.id === 'number' ? msg.id : null,
      args: mask(msg.args || []),
      time: new Date().toISOString()
    };
    state.messages.push(entry);
    var li = document.createElement('li');
    li.className = direction === 'to-page' ? 'to-page' : 'from-page';
    var head = document.createElement('span');
    head.className = 'log-func';
    var label = entry.func || ('reply #' + entry.id);
    head.textContent = (direction === 'to-page' ? 'host \u2192 page  ' : 'page \u2192 host  ') + label +
      (entry.func && entry.id !== null ? ' #' + entry.id : '');
    var body = document.createElement('code');
    body.textContent = JSON.stringify(entry.args);
    li.appendChild(head);
    li.appendChild(body);
    logList.appendChild(li);
    while (logList.childNodes.length > LOG_DOM_LIMIT) {
      logList.removeChild(logList.firstChild);
    }
    li.scrollIntoView({ block: 'nearest' });
  }

  function send(msg) {
    if (!frame.contentWindow) {
      return;
    }
    record('to-page', msg);
    frame.contentWindow.postMessage(msg, window.location.origin);
  }

  function reply(request, args) {
    var msg = { id: request.id, args: args };
    // 2.x matches replies by uuid once it has sent one; 1.x only by id.
    if (request.uuidAsString) {
      msg.uuidAsString = request.uuidAsString;
    }
    send(msg);
  }

  function legacyContext() {
    return {
      locale: 'en-us',
      theme: themeSelect.value,
      frameContext: state.frameContext,
      hostClientType: 'web',
      entityId: settings.entityId || '',
      teamName: 'Simulated team',
      channelName: 'General',
      appSessionId: APP_SESSION_ID,
      // teams-js 2.x maps these to context.user.id, .tenant.id, .loginHint and .userPrincipalName.
      userObjectId: userInput.value,
      tid: tenantId,
      loginHint: loginHint,
      userPrincipalName: loginHint
    };
  }

  function resetForNewPage() {
    state.ready = false;
    state.lastAuthResult = null;
    state.authResultToken = null;
    state.valid = false;
    state.handlers = { save: false, remove: false };
    if (state.pending) {
      finishPending('failure', 'The page was reloaded.');
    }
  }

  function finishPending(result, reason) {
    var p = state.pending;
    if (!p) {
      return;
    }
    state.pending = null;
    clearTimeout(p.timer);
    if (p.kind === 'save') {
      state.lastSaveResult = result;
      state.lastSaveReason = reason;
    } else {
      state.lastRemoveResult = result;
      state.lastRemoveReason = reason;
    }
    setHostStatus((p.kind === 'save' ? 'Save: ' : 'Remove: ') + result + (reason ? ' \u2013 ' + reason : ''));
    render();
    p.resolve({ result: result, reason: reason });
  }

  function handleRequest(msg) {
    var args = Array.isArray(msg.args) ? msg.args : [];
    switch (msg.func) {
      case 'initialize':
        resetForNewPage();
        state.sdkVersion = typeof args[0] === 'string' ? args[0] : null;
        reply(msg, [state.frameContext, 'web', RUNTIME, HOST_SDK_VERSION]);
        state.ready = true;
        setHostStatus('Page initialised (teams-js ' + (state.sdkVersion || '?') + ').' +
          (pageWarning ? ' ' + pageWarning : ''));
        break;
      case 'settings.getSettings':
        reply(msg, [currentSettings()]);
        break;
      case 'settings.setSettings': {
        var given = args[0] && typeof args[0] === 'object' ? args[0] : {};
        state.lastSetSettings = mask(given);
        state.setSettingsCount += 1;
        if (failBox.checked) {
          reply(msg, [false, FAIL_REASON]);
        } else {
          ['entityId', 'configName', 'contentUrl', 'suggestedDisplayName'].forEach(function (k) {
            if (typeof given[k] === 'string') {
              settings[k] = given[k];
            }
          });
          reply(msg, [true]);
        }
        break;
      }
      case 'settings.setValidityState':
        state.valid = args[0] === true;
        break;
      case 'registerHandler':
        if (args[0] === 'save' || args[0] === 'remove') {
          state.handlers[args[0]] = true;
        }
        break;
      case 'getContext':
        reply(msg, [legacyContext()]);
        break;
      // Both are answered [ok, token] or [false, reason], which the SDK turns into a value or an error.
      case 'authentication.getAuthToken':
        state.getAuthTokenCount += 1;
        if (failTokenBox.checked || !tokenInput.value) {
          reply(msg, [false, failTokenBox.checked ? NO_TOKEN_REASON : 'The host simulator has no sign-in token to give.']);
        } else {
          reply(msg, [true, tokenInput.value]);
        }
        break;
      case 'authentication.authenticate':
        state.authenticateCount += 1;
        state.lastAuthenticate = {
          url: typeof args[0] === 'string' ? args[0] : null,
          width: args[1],
          height: args[2],
          isExternal: args[3]
        };
        if (failAuthBox.checked || !tokenInput.value) {
          reply(msg, [false, failAuthBox.checked ? NO_AUTH_REASON : 'The host simulator has no sign-in token to give.']);
        } else {
          reply(msg, [true, tokenInput.value]);
        }
        break;
      // Sent by the sign-in window's page (auth.js) when this host plays the popup.
      case 'authentication.authenticate.success':
        state.authResultToken = typeof args[0] === 'string' ? args[0] : null;
        state.lastAuthResult = { result: 'success', reason: null };
        setHostStatus('Sign-in window: success.');
        break;
      case 'authentication.authenticate.failure':
        state.authResultToken = null;
        state.lastAuthResult = { result: 'failure', reason: typeof args[0] === 'string' ? args[0] : '' };
        setHostStatus('Sign-in window: failure \u2013 ' + state.lastAuthResult.reason);
        break;
      case 'settings.save.success':
      case 'settings.remove.success':
        if (state.pending && msg.func === 'settings.' + state.pending.kind + '.success') {
          finishPending('success', null);
        }
        break;
      case 'settings.save.failure':
      case 'settings.remove.failure':
        if (state.pending && msg.func === 'settings.' + state.pending.kind + '.failure') {
          finishPending('failure', typeof args[0] === 'string' ? args[0] : '');
        }
        break;
      default:
        // Anything else is only logged; Teams answers many more calls than this page needs.
        break;
    }
    render();
  }

  window.addEventListener('message', function (evt) {
    if (evt.source !== frame.contentWindow || evt.origin !== window.location.origin) {
      return;
    }
    var msg = evt.data;
    if (!msg || typeof msg !== 'object' || typeof msg.func !== 'string') {
      return;
    }
    record('from-page', msg);
    handleRequest(msg);
  });

  function startEvent(kind, func, args) {
    if (state.pending) {
      return Promise.reject(new Error('A ' + state.pending.kind + ' is already waiting for the page.'));
    }
    if (!state.ready) {
      return Promise.reject(new Error('The page has not initialised the SDK yet.'));
    }
    return new Promise(function (resolve) {
      state.pending = {
        kind: kind,
        resolve: resolve,
        timer: setTimeout(function () { finishPending('timeout', 'The page did not answer.'); }, EVENT_TIMEOUT_MS)
      };
      if (kind === 'save') {
        state.lastSaveResult = null;
        state.lastSaveReason = null;
      } else {
        state.lastRemoveResult = null;
        state.lastRemoveReason = null;
      }
      setHostStatus(kind === 'save' ? 'Saving\u2026' : 'Removing\u2026');
      render();
      send({ func: func, args: args });
    });
  }

  function save() {
    return startEvent('save', 'settings.save', [{ webhookUrl: webhookInput.value }]);
  }

  function remove() {
    return startEvent('remove', 'settings.remove', []);
  }

  function load(path) {
    var safe = sameOriginPath(path);
    if (!safe) {
      setHostStatus('Only same-origin paths such as /Connector/Setup can be embedded.');
      return false;
    }
    resetForNewPage();
    pageWarning = '';
    render();
    pageInput.value = safe;
    setHostStatus('Loading the page\u2026');
    frame.src = safe;
    return true;
  }

  saveButton.addEventListener('click', function () { save().catch(function (e) { setHostStatus(e.message); }); });
  removeButton.addEventListener('click', function () { remove().catch(function (e) { setHostStatus(e.message); }); });
  $('host-form').addEventListener('submit', function (e) {
    e.preventDefault();
    load(pageInput.value.trim());
  });
  $('clear-log').addEventListener('click', function () {
    state.messages.length = 0;
    logList.textContent = '';
  });
  webhookInput.addEventListener('input', render);
  userInput.addEventListener('input', render);
  themeSelect.addEventListener('change', function () {
    if (state.ready) {
      send({ func: 'themeChange', args: [themeSelect.value] });
    }
  });

  // The test interface: plain data plus the two actions Teams' buttons perform.
  window.devHost = {
    get ready() { return state.ready; },
    get valid() { return state.valid; },
    get frameContext() { return state.frameContext; },
    get sdkVersion() { return state.sdkVersion; },
    get handlers() { return { save: state.handlers.save, remove: state.handlers.remove }; },
    get settings() { return currentSettings(); },
    get lastSetSettings() { return state.lastSetSettings; },
    get setSettingsCount() { return state.setSettingsCount; },
    get lastSaveResult() { return state.lastSaveResult; },
    get lastSaveReason() { return state.lastSaveReason; },
    get lastRemoveResult() { return state.lastRemoveResult; },
    get lastRemoveReason() { return state.lastRemoveReason; },
    get busy() { return state.pending !== null; },
    get messages() { return state.messages.slice(); },
    get webhookUrl() { return webhookInput.value; },
    set webhookUrl(v) { webhookInput.value = String(v); render(); },
    get userObjectId() { return userInput.value; },
    set userObjectId(v) { userInput.value = String(v); render(); },
    get failSetSettings() { return failBox.checked; },
    set failSetSettings(v) { failBox.checked = !!v; },
    get tenantId() { return tenantId; },
    get loginHint() { return loginHint; },
    // Write-only: a test sets the token, nothing reads it back out of the host.
    set authToken(v) { tokenInput.value = v ? String(v) : ''; },
    get hasAuthToken() { return tokenInput.value !== ''; },
    get failGetAuthToken() { return failTokenBox.checked; },
    set failGetAuthToken(v) { failTokenBox.checked = !!v; },
    get failAuthenticate() { return failAuthBox.checked; },
    set failAuthenticate(v) { failAuthBox.checked = !!v; },
    get getAuthTokenCount() { return state.getAuthTokenCount; },
    get authenticateCount() { return state.authenticateCount; },
    get lastAuthenticate() { return state.lastAuthenticate; },
    get lastAuthResult() { return state.lastAuthResult; },
    authResultTokenIs: function (t) { return state.authResultToken !== null && state.authResultToken === t; },
    save: save,
    remove: remove,
    load: load
  };

  render();
  if (pageWarning) {
    setHostStatus(pageWarning + ' Loading ' + DEFAULT_PAGE + '.');
  }
  frame.src = initialPage;
})();
