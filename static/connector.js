// Connector configuration page: validates the form, and saves or removes the configuration through Teams and the server.
(function () {
  'use strict';

  // Teams shows its own error when a save is slow; this only keeps the page from waiting forever.
  var HOST_CALL_TIMEOUT_MS = 20000;
  // The sign-in popup waits on a person (password, MFA, consent), so it gets far longer.
  var SIGN_IN_TIMEOUT_MS = 300000;
  var SIGN_IN_WIDTH = 600;
  var SIGN_IN_HEIGHT = 535;
  var INIT_HINT_DELAY_MS = 5000;
  var NAME_MAX = 100;

  var form = document.getElementById('connector-form');
  var nameInput = document.getElementById('configName');
  var statusEl = document.getElementById('status');
  if (!form || !nameInput || !statusEl) {
    return;
  }

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute('content') : null;
  }

  var csrfToken = meta('csrf-token') || '';
  var baseUrl = (meta('connector-base-url') || window.location.origin).replace(/\/+$/, '');
  var presetEntityId = meta('connector-entity-id');
  // Present only when the service requires sign-in; without it no token is asked for or sent.
  var ssoClientId = meta('connector-sso-client-id');
  var auth = null;
  var generatedEntityId = null;
  var host = null;
  var lastValidity = null;
  var busy = false;

  function showStatus(text, kind) {
    statusEl.textContent = text || '';
    statusEl.className = kind ? 'status-' + kind : '';
  }

  function eventBoxes() {
    return Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="events"]'));
  }

  function checkedEvents() {
    return eventBoxes().filter(function (box) { return box.checked; })
      .map(function (box) { return box.value; });
  }

  function trimmedName() {
    return nameInput.value.trim();
  }

  function isValid() {
    var name = trimmedName();
    return name.length >= 1 && name.length <= NAME_MAX && checkedEvents().length > 0;
  }

  function setBusy(on) {
    busy = on;
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    Array.prototype.forEach.call(form.elements, function (el) { el.disabled = on; });
  }

  function uuidV4() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') {
      return c.randomUUID();
    }
    var b = new Uint8Array(16);
    c.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' +
      hex.slice(16, 20) + '-' + hex.slice(20);
  }

  // One id per page load, so a retried save updates the same configuration instead of leaving orphans.
  function entityId() {
    if (presetEntityId) {
      return presetEntityId;
    }
    if (!generatedEntityId) {
      generatedEntityId = uuidV4();
    }
    return generatedEntityId;
  }

  function withTimeout(promise, what, ms) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error('Microsoft Teams did not answer (' + what + '). Please try again.'));
      }, ms || HOST_CALL_TIMEOUT_MS);
      promise.then(function (v) { clearTimeout(timer); resolve(v); },
        function (e) { clearTimeout(timer); reject(e); });
    });
  }

  // Wraps the SDK so the rest of the page sees promises, whichever major version is loaded.
  function makeHost(sdk) {
    var pages = sdk.pages;
    if (pages && pages.config && typeof pages.config.setConfig === 'function' &&
        typeof pages.getConfig === 'function') {
      return {
        setValidity: function (v) { pages.config.setValidityState(v); },
        onSave: function (h) { pages.config.registerOnSaveHandler(h); },
        onRemove: function (h) { pages.config.registerOnRemoveHandler(h); },
        setConfig: function (c) {
          return withTimeout(Promise.resolve().then(function () { return pages.config.setConfig(c); }), 'setSettings');
        },
        getConfig: function () {
          return withTimeout(Promise.resolve().then(function () { return pages.getConfig(); }), 'getSettings');
        }
      };
    }
    var settings = sdk.settings;
    return {
      setValidity: function (v) { settings.setValidityState(v); },
      onSave: function (h) { settings.registerOnSaveHandler(h); },
      onRemove: function (h) { settings.registerOnRemoveHandler(h); },
      setConfig: function (c) {
        return withTimeout(new Promise(function (resolve, reject) {
          settings.setSettings(c, function (ok, reason) {
            if (ok === false) {
              reject(new Error(reason || ''));
            } else {
              resolve();
            }
          });
        }), 'setSettings');
      },
      getConfig: function () {
        return withTimeout(new Promise(function (resolve) {
          settings.getSettings(function (s) { resolve(s); });
        }), 'getSettings');
      }
    };
  }

  // Gets the user's Teams SSO token for our app: silently when Teams can, else through the sign-in
  // popup (/Connector/Auth/Start), which Teams opens when SSO is not set up or consent is missing.
  // Tokens are only ever handed to fetch; failure reasons come from Teams and hold no token.
  function makeAuth(sdk) {
    var a = sdk.authentication;
    var modern = !!(sdk.app && typeof sdk.app.initialize === 'function');
    var popupUrl = baseUrl + '/Connector/Auth/Start';

    function silent() {
      if (modern) {
        return Promise.resolve().then(function () { return a.getAuthToken(); });
      }
      return new Promise(function (resolve, reject) {
        a.getAuthToken({
          successCallback: resolve,
          failureCallback: function (reason) { reject(new Error(reason || '')); }
        });
      });
    }

    function popup() {
      var params = { url: popupUrl, width: SIGN_IN_WIDTH, height: SIGN_IN_HEIGHT };
      if (modern) {
        return Promise.resolve().then(function () { return a.authenticate(params); });
      }
      return new Promise(function (resolve, reject) {
        params.successCallback = resolve;
        params.failureCallback = function (reason) { reject(new Error(reason || '')); };
        a.authenticate(params);
      });
    }

    function usable(token) {
      if (typeof token !== 'string' || token.split('.').length !== 3) {
        throw new Error('Microsoft Teams returned no usable sign-in token.');
      }
      return token;
    }

    return {
      token: function () {
        return withTimeout(silent(), 'getAuthToken').then(usable)
          .catch(function () {
            return withTimeout(popup(), 'authenticate', SIGN_IN_TIMEOUT_MS).then(usable);
          })
          .catch(function (err) {
            throw new Error('You could not be signed in (' + messageOf(err, 'no reason given') +
              '). Please try again.');
          });
      }
    };
  }

  // Resolves with the Authorization header value to send, or null when sign-in is off.
  function bearer() {
    if (!ssoClientId) {
      return Promise.resolve(null);
    }
    if (!auth) {
      return Promise.reject(new Error('Sign-in is required but Microsoft Teams offers no sign-in.'));
    }
    return auth.token().then(function (token) { return 'Bearer ' + token; });
  }

  function reportValidity() {
    if (!host) {
      return;
    }
    var valid = isValid();
    if (valid !== lastValidity) {
      lastValidity = valid;
      try {
        host.setValidity(valid);
      } catch (e) {
        // A removal frame cannot report validity; nothing to do there.
      }
    }
  }

  function messageOf(err, fallback) {
    return (err && typeof err.message === 'string' && err.message.trim()) ? err.message.trim() : fallback;
  }

  // Refusals of the sign-in itself get their own words: the server's detail alone reads like a bug.
  function signInRefusal(status, problemType, action) {
    var nothing = action === 'Saving' ? 'Nothing was saved.' : 'Nothing was removed.';
    if (status === 401) {
      return 'The connector service could not verify your sign-in. ' + nothing +
        ' Please try again; if this keeps happening, ask your administrator to check the app\'s sign-in setup.';
    }
    if (status === 403 && /:wrong-user$/.test(problemType)) {
      return 'You are signed in as a different user than the one using Microsoft Teams. ' + nothing +
        ' Sign in with your Teams account and try again.';
    }
    return null;
  }

  // Turns a non-2xx answer into the reason shown to the user and handed to Teams.
  function reasonFromResponse(response, action) {
    var generic = action + ' failed (HTTP ' + response.status + ').';
    var type = response.headers.get('Content-Type') || '';
    if (!/json/i.test(type)) {
      return Promise.resolve(signInRefusal(response.status, '', action) || generic);
    }
    return response.json().then(function (body) {
      var refusal = signInRefusal(response.status, body && typeof body.type === 'string' ? body.type : '', action);
      if (refusal) {
        return refusal;
      }
      if (body && typeof body.detail === 'string' && body.detail.trim()) {
        return body.detail.trim();
      }
      if (body && typeof body.title === 'string' && body.title.trim()) {
        return body.title.trim();
      }
      return generic;
    }, function () { return signInRefusal(response.status, '', action) || generic; });
  }

  function postJson(path, payload, authorization) {
    var headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken };
    if (authorization) {
      headers.Authorization = authorization;
    }
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers,
      body: JSON.stringify(payload)
    }).catch(function () {
      throw new Error('Could not reach the connector service. Check your connection and try again.');
    });
  }

  function handleSave(saveEvent) {
    if (busy) {
      saveEvent.notifyFailure('A save is already in progress.');
      return;
    }
    if (!isValid()) {
      var invalid = 'Enter a name and choose at least one event.';
      showStatus(invalid, 'error');
      saveEvent.notifyFailure(invalid);
      return;
    }
    var id = entityId();
    var configName = trimmedName();
    var events = checkedEvents();
    var contentUrl = baseUrl + '/Connector/Edit?entityId=' + encodeURIComponent(id);
    var authorization = null;
    setBusy(true);
    showStatus(ssoClientId ? 'Signing in\u2026' : 'Saving\u2026', 'busy');

    // Signed in first: when that fails, Teams has not been handed settings for a configuration that never existed.
    bearer()
      .then(function (value) {
        authorization = value;
        showStatus('Saving\u2026', 'busy');
        return host.setConfig({ entityId: id, configName: configName, contentUrl: contentUrl, suggestedDisplayName: configName })
          .catch(function (err) {
            throw new Error(messageOf(err, 'Microsoft Teams could not store the settings.'));
          });
      })
      .then(function () { return host.getConfig(); })
      .then(function (settings) {
        settings = settings || {};
        // The URL delivered with the save wins: the one seen earlier can differ from the one finally issued.
        var webhookUrl = (saveEvent.result && saveEvent.result.webhookUrl) || settings.webhookUrl;
        if (!webhookUrl) {
          throw new Error('Microsoft Teams did not provide a webhook URL for this channel.');
        }
        return postJson('/Connector/Save', {
          entityId: id,
          configName: configName,
          contentUrl: contentUrl,
          webhookUrl: webhookUrl,
          appType: settings.appType,
          userObjectId: settings.userObjectId,
          events: events
        }, authorization);
      })
      .then(function (response) {
        if (response.ok) {
          return null;
        }
        return reasonFromResponse(response, 'Saving');
      })
      .then(function (failure) {
        setBusy(false);
        if (failure) {
          showStatus(failure, 'error');
          saveEvent.notifyFailure(failure);
        } else {
          showStatus('Saved.', 'ok');
          saveEvent.notifySuccess();
        }
        reportValidity();
      }, function (err) {
        var reason = messageOf(err, 'Saving failed.');
        setBusy(false);
        showStatus(reason, 'error');
        saveEvent.notifyFailure(reason);
        reportValidity();
      });
  }

  function handleRemove(removeEvent) {
    var authorization = null;
    setBusy(true);
    showStatus(ssoClientId ? 'Signing in\u2026' : 'Removing\u2026', 'busy');
    bearer()
      .then(function (value) {
        authorization = value;
        showStatus('Removing\u2026', 'busy');
        return host.getConfig();
      })
      .then(function (settings) {
        settings = settings || {};
        return postJson('/Connector/Remove', {
          entityId: settings.entityId || presetEntityId,
          webhookUrl: settings.webhookUrl
        }, authorization);
      })
      .then(function (response) {
        // 404 means the configuration is already gone, which is what the user asked for.
        if (response.ok || response.status === 404) {
          return null;
        }
        return reasonFromResponse(response, 'Removing');
      })
      .then(function (failure) {
        setBusy(false);
        if (failure) {
          showStatus(failure, 'error');
          removeEvent.notifyFailure(failure);
        } else {
          showStatus('Removed.', 'ok');
          removeEvent.notifySuccess();
        }
      }, function (err) {
        var reason = messageOf(err, 'Removing failed.');
        setBusy(false);
        showStatus(reason, 'error');
        removeEvent.notifyFailure(reason);
      });
  }

  function applyTheme(theme) {
    var name = (theme === 'dark' || theme === 'contrast') ? theme : 'default';
    document.body.classList.remove('theme-default', 'theme-dark', 'theme-contrast');
    document.body.classList.add('theme-' + name);
  }

  // Follows Teams' own theme when the host tells it; the stylesheet falls back to the system preference.
  function followTheme(sdk) {
    try {
      if (sdk.app && typeof sdk.app.getContext === 'function') {
        sdk.app.getContext().then(function (ctx) {
          if (ctx && ctx.app && ctx.app.theme) {
            applyTheme(ctx.app.theme);
          }
        }, function () {});
        sdk.app.registerOnThemeChangeHandler(applyTheme);
      } else if (typeof sdk.getContext === 'function') {
        sdk.getContext(function (ctx) {
          if (ctx && ctx.theme) {
            applyTheme(ctx.theme);
          }
        });
        sdk.registerOnThemeChangeHandler(applyTheme);
      }
    } catch (e) {
      // Theme is cosmetic; the system preference still applies.
    }
  }

  // Fills an empty name from Teams' stored settings, for configurations the server knows no name for.
  function prefillFromHost() {
    if (!presetEntityId || trimmedName()) {
      return;
    }
    host.getConfig().then(function (settings) {
      if (settings && settings.configName && !trimmedName()) {
        nameInput.value = String(settings.configName).slice(0, NAME_MAX);
        reportValidity();
      }
    }, function () {});
  }

  function onInitialised(sdk) {
    host = makeHost(sdk);
    if (ssoClientId && sdk.authentication) {
      auth = makeAuth(sdk);
    }
    if (statusEl.classList.contains('status-waiting')) {
      showStatus('');
    }
    // Each registration is separate: a removal frame refuses the save handler but still needs the remove one.
    try {
      host.onSave(handleSave);
    } catch (e) {
      // Not a settings frame.
    }
    try {
      host.onRemove(handleRemove);
    } catch (e) {
      // Not a frame that can remove.
    }
    reportValidity();
    prefillFromHost();
    followTheme(sdk);
  }

  function onInitFailed() {
    showStatus('This page works only inside Microsoft Teams.', 'error');
  }

  form.addEventListener('input', reportValidity);
  form.addEventListener('change', reportValidity);
  // Teams' own Save button is the only way to submit; Enter in the name field must not reload the page.
  form.addEventListener('submit', function (e) { e.preventDefault(); });

  var sdk = window.microsoftTeams;
  if (!sdk) {
    onInitFailed();
    return;
  }

  var initDone = false;
  setTimeout(function () {
    if (!initDone) {
      showStatus('Waiting for Microsoft Teams\u2026 This page works only inside Teams.', 'waiting');
    }
  }, INIT_HINT_DELAY_MS);

  function ready() {
    if (initDone) {
      return;
    }
    initDone = true;
    onInitialised(sdk);
  }

  try {
    if (sdk.app && typeof sdk.app.initialize === 'function') {
      sdk.app.initialize().then(ready, onInitFailed);
    } else {
      sdk.initialize(ready);
    }
  } catch (e) {
    onInitFailed();
  }
})();
