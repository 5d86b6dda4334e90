// Sign-in popup script (/Connector/Auth/Start and /End): gets the user an Azure AD id token for our app and hands it back to Teams.
(function () {
  'use strict';

  // state and nonce live here between the two pages; the popup is one browser window on our origin.
  var STORE_KEY = 'teams-connector.sign-in';
  // Longer than any sign-in a person completes; an older pending sign-in is not trusted.
  var PENDING_MAX_AGE_MS = 15 * 60 * 1000;
  // Without an answer from Teams the start page still sends the user on, just without a login hint.
  var CONTEXT_WAIT_MS = 4000;
  var GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  var statusEl = document.getElementById('status');
  var sdk = window.microsoftTeams;
  var modern = !!(sdk && sdk.app && typeof sdk.app.initialize === 'function');

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute('content') : null;
  }

  function showStatus(text, kind) {
    if (statusEl) {
      statusEl.textContent = text;
      statusEl.className = kind ? 'status-' + kind : '';
    }
  }

  function randomString() {
    var b = window.crypto.getRandomValues(new Uint8Array(24));
    return Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
  }

  function initialise() {
    if (!sdk) {
      return Promise.reject(new Error('the Microsoft Teams library did not load'));
    }
    if (modern) {
      return sdk.app.initialize();
    }
    return new Promise(function (resolve) { sdk.initialize(function () { resolve(); }); });
  }

  // Only what the authorize request needs: who to suggest (login hint) and which tenant.
  function userContext() {
    var ask = modern
      ? sdk.app.getContext().then(function (ctx) {
        var user = (ctx && ctx.user) || {};
        return {
          loginHint: user.loginHint || user.userPrincipalName || '',
          tenantId: (user.tenant && user.tenant.id) || ''
        };
      })
      : new Promise(function (resolve) {
        sdk.getContext(function (ctx) {
          ctx = ctx || {};
          resolve({ loginHint: ctx.loginHint || ctx.userPrincipalName || '', tenantId: ctx.tid || '' });
        });
      });
    var timeout = new Promise(function (resolve) {
      setTimeout(function () { resolve({ loginHint: '', tenantId: '' }); }, CONTEXT_WAIT_MS);
    });
    return Promise.race([ask, timeout]);
  }

  function start() {
    var clientId = meta('connector-sso-client-id');
    var authority = meta('connector-auth-authority');
    var redirect = meta('connector-auth-redirect');
    if (!clientId || !authority || !redirect) {
      showStatus('Sign-in is not configured on this service.', 'error');
      return;
    }
    // The user may have reached this page outside Teams; the context is only a hint.
    initialise().then(userContext, function () { return { loginHint: '', tenantId: '' }; })
      .then(function (ctx) {
        var pending = { state: randomString(), nonce: randomString(), at: Date.now() };
        window.localStorage.setItem(STORE_KEY, JSON.stringify(pending));
        // The user's own tenant signs them in directly instead of through the organisations picker.
        var url = new URL(GUID_RE.test(ctx.tenantId)
          ? authority.replace('/organizations/', '/' + ctx.tenantId.toLowerCase() + '/') : authority);
        var q = url.searchParams;
        q.set('client_id', clientId);
        q.set('response_type', 'id_token');
        q.set('scope', 'openid profile');
        q.set('response_mode', 'fragment');
        q.set('redirect_uri', redirect);
        q.set('nonce', pending.nonce);
        q.set('state', pending.state);
        if (ctx.loginHint) {
          q.set('login_hint', ctx.loginHint);
        } else {
          // Nobody to suggest: let the user pick the account rather than take whichever is signed in.
          q.set('prompt', 'select_account');
        }
        window.location.assign(url.toString());
      })
      .catch(function () {
        showStatus('Sign-in could not start. Close this window and try again.', 'error');
      });
  }

  function base64UrlJson(part) {
    var s = part.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) {
      s += '=';
    }
    var bytes = atob(s);
    var pct = '';
    for (var i = 0; i < bytes.length; i++) {
      pct += '%' + ('0' + bytes.charCodeAt(i).toString(16)).slice(-2);
    }
    return JSON.parse(decodeURIComponent(pct));
  }

  // Checks the answer against the sign-in this window started; resolves with the id token or a reason.
  function readAnswer() {
    var answer = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    // The token must not stay in the address bar or the history.
    if (window.history && typeof window.history.replaceState === 'function') {
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    var pending = null;
    try {
      pending = JSON.parse(window.localStorage.getItem(STORE_KEY) || 'null');
    } catch (e) {
      pending = null;
    }
    window.localStorage.removeItem(STORE_KEY);

    if (answer.get('error')) {
      return { reason: answer.get('error') + (answer.get('error_description')
        ? ': ' + answer.get('error_description').split(/\r?\n/)[0] : '') };
    }
    var token = answer.get('id_token');
    if (!token) {
      return { reason: 'no id token in the answer from the sign-in page' };
    }
    if (!pending || typeof pending.state !== 'string' || answer.get('state') !== pending.state) {
      return { reason: 'the sign-in answer does not belong to this sign-in (state mismatch)' };
    }
    if (typeof pending.at !== 'number' || Date.now() - pending.at > PENDING_MAX_AGE_MS) {
      return { reason: 'the sign-in took too long; please try again' };
    }
    var claims = null;
    try {
      claims = base64UrlJson(token.split('.')[1] || '');
    } catch (e) {
      claims = null;
    }
    // The server verifies the signature; the nonce is what ties the token to this request.
    if (!claims || claims.nonce !== pending.nonce) {
      return { reason: 'the id token does not belong to this sign-in (nonce mismatch)' };
    }
    return { token: token };
  }

  function end() {
    var result = readAnswer();
    initialise().then(function () {
      if (result.token) {
        showStatus('Signed in. This window closes by itself.', 'ok');
        sdk.authentication.notifySuccess(result.token);
      } else {
        showStatus('Sign-in failed: ' + result.reason, 'error');
        sdk.authentication.notifyFailure(result.reason);
      }
    }, function () {
      showStatus('Sign-in finished, but Microsoft Teams is not listening. Close this window and try again.', 'error');
    });
  }

  var step = meta('connector-auth-step');
  if (step === 'start') {
    start();
  } else if (step === 'end') {
    end();
  }
})();
