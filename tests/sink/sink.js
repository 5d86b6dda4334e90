// Local stand-in for Microsoft Teams webhooks: answers connector and Workflows posts as Teams does and records them for tests.
'use strict';

const fs = require('node:fs');
const http = require('node:http');

const USAGE = `usage: node tests/sink/sink.js --port N [--host 127.0.0.1] [--slow-ms 15000] [--pidfile FILE]

  POST /webhookb2/...  Office 365 connector webhook: 200, body "1"
  POST /workflows/...  Workflows webhook: 202, empty body
  POST /callbacks/...  the owning service's callback (forwarded card actions): 200
  ?mode=throttle|gone|error|slow|reset|retryafter|badrequest [&times=N] [&after=S]
  GET /_received[?path=P&since=MS]   POST /_reset   DELETE /_received   GET /_health
`;

const MAX_BODY = 1024 * 1024;
// Past this we stop draining and drop the connection, so a runaway sender cannot tie the sink up.
const MAX_DRAIN = 64 * 1024 * 1024;
const LOG_PATH_MAX = 40;
// Only these query keys reach the log: the rest of a Workflows query (sig=...) is a secret.
const LOGGED_KEYS = ['mode', 'times', 'after'];
const MODES = new Set(['throttle', 'gone', 'error', 'slow', 'reset', 'retryafter', 'badrequest']);
const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

// Teams wraps connector errors in a 200 answer; the connector must read the status out of this text.
function deliveryFailed(status) {
  return 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ' +
    `${status} with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef.0..`;
}

function fail(msg, code) {
  process.stderr.write(`sink: ${msg}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opt = { port: null, host: '127.0.0.1', slowMs: 15000, pidfile: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!['--port', '--host', '--slow-ms', '--pidfile'].includes(name)) fail(`unknown argument ${a}\n${USAGE}`, 2);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') fail(`${name} needs a value`, 2);
    if (name === '--port') {
      if (!/^\d+$/.test(value) || Number(value) > 65535) fail(`bad --port ${value}`, 2);
      opt.port = Number(value);
    } else if (name === '--slow-ms') {
      if (!/^\d+$/.test(value)) fail(`bad --slow-ms ${value}`, 2);
      opt.slowMs = Number(value);
    } else if (name === '--host') {
      opt.host = value;
    } else {
      opt.pidfile = value;
    }
  }
  if (opt.port === null) fail(`--port is required\n${USAGE}`, 2);
  // The sink accepts anything and echoes it back through /_received: it must never face a network.
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(opt.host)) fail(`--host must be a 127.x.x.x address, not ${opt.host}`, 2);
  return opt;
}

const opt = parseArgs(process.argv.slice(2));

let records = [];
// Posts seen per exact path+query, so that &times=N can fail the first N and then let retries through.
let counters = new Map();
const pendingTimers = new Set();

function logLine(method, path, params, status) {
  let p = path.length > LOG_PATH_MAX ? path.slice(0, LOG_PATH_MAX - 3) + '...' : path;
  const kept = LOGGED_KEYS.filter((k) => params.has(k)).map((k) => `${k}=${params.get(k)}`);
  if (kept.length) p += '?' + kept.join('&');
  // JSON.stringify keeps control characters in a hostile path from forging log lines.
  process.stdout.write(`${method} ${JSON.stringify(p).slice(1, -1)} ${status}\n`);
}

function send(res, status, type, body, extra) {
  const headers = Object.assign({}, extra || {});
  if (type) headers['Content-Type'] = type;
  headers['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(status, headers);
  res.end(body);
}

function webhookKind(path) {
  if (/^\/webhookb2\/./.test(path)) return 'connector';
  if (/^\/workflows\/./.test(path)) return 'workflows';
  if (/^\/callbacks\/./.test(path)) return 'callback';
  return null;
}

function nonNegativeInt(s) {
  return typeof s === 'string' && /^\d+$/.test(s) ? Number(s) : null;
}

// The answer Teams gives a post that got through; also where slow mode ends up.
function answerNormally(rec, kind) {
  if (rec.json === null) return { status: 400, type: TEXT, body: 'Bad payload: the body is not valid JSON' };
  if (kind === 'connector') return { status: 200, type: TEXT, body: '1' };
  if (kind === 'callback') return { status: 200, type: TEXT, body: 'ok' };
  return { status: 202, type: null, body: '' };
}

// The answer for a failure mode; null means "answer normally" (slow waits first, then answers normally).
function answerForMode(mode, kind, params) {
  const wf = kind === 'workflows';
  switch (mode) {
    case 'throttle':
      // Connectors never send a real 429: throttling hides inside a 200. Workflows do send 429.
      if (wf) return { status: 429, type: JSON_TYPE, body: '{"error":{"code":"TooManyRequests","message":"Rate limit reached."}}', headers: { 'Retry-After': '2' } };
      return { status: 200, type: TEXT, body: deliveryFailed(429) };
    case 'gone':
      return { status: 410, type: TEXT, body: 'Gone' };
    case 'error':
      return { status: 500, type: TEXT, body: 'Internal Server Error' };
    case 'retryafter': {
      let after = params.get('after');
      if (after === null || nonNegativeInt(after) === null) {
        if (after !== null) process.stderr.write(`sink: ignoring bad after=${after}, using 2\n`);
        after = '2';
      }
      return { status: 429, type: TEXT, body: 'Too Many Requests', headers: { 'Retry-After': after } };
    }
    case 'badrequest':
      if (wf) return { status: 400, type: JSON_TYPE, body: '{"error":{"code":"InvalidRequestContent","message":"The request content is not valid."}}' };
      return { status: 200, type: TEXT, body: deliveryFailed(400) };
    default:
      return null;
  }
}

function handleReceived(req, res, url) {
  let list = records;
  const p = url.searchParams.get('path');
  if (p !== null) list = list.filter((r) => r.path === p);
  const since = url.searchParams.get('since');
  if (since !== null) {
    if (!/^\d+$/.test(since)) return send(res, 400, TEXT, 'since must be milliseconds since the epoch');
    list = list.filter((r) => r.arrivedMs >= Number(since));
  }
  return send(res, 200, JSON_TYPE, JSON.stringify(list));
}

function clearAll() {
  records = [];
  counters = new Map();
}

// Control endpoints start with /_ so they can never collide with a webhook path.
function handleControl(req, res, url) {
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /_health':
    case 'HEAD /_health':
      return send(res, 200, TEXT, 'ok');
    case 'GET /_received':
      return handleReceived(req, res, url);
    case 'POST /_reset':
    case 'DELETE /_received':
      clearAll();
      res.writeHead(204);
      return res.end();
    default: {
      const known = { '/_health': 'GET, HEAD', '/_received': 'GET, DELETE', '/_reset': 'POST' };
      if (known[url.pathname]) return send(res, 405, TEXT, 'Method Not Allowed', { Allow: known[url.pathname] });
      return send(res, 404, TEXT, 'Not Found');
    }
  }
}

function handleWebhook(req, res, url, rec, chunks, size) {
  // An oversized body is counted (rec.size) but not kept.
  if (size <= MAX_BODY) {
    rec.body = Buffer.concat(chunks).toString('utf8');
    try {
      rec.json = JSON.parse(rec.body);
    } catch {
      rec.json = null;
    }
  }
  const kind = webhookKind(url.pathname);
  if (!kind) return send(res, 404, TEXT, 'Not Found');
  if (req.method !== 'POST') return send(res, 405, TEXT, 'Method Not Allowed', { Allow: 'POST' });
  if (size > MAX_BODY) return send(res, 413, TEXT, 'Payload Too Large', { Connection: 'close' });

  const params = url.searchParams;
  let mode = params.get('mode');
  if (mode !== null && !MODES.has(mode)) {
    process.stderr.write(`sink: unknown mode=${mode}, answering normally\n`);
    mode = null;
  }
  if (mode !== null) {
    const key = url.pathname + url.search;
    const n = (counters.get(key) || 0) + 1;
    counters.set(key, n);
    const times = params.get('times');
    if (times !== null) {
      const limit = nonNegativeInt(times);
      if (limit === null) process.stderr.write(`sink: ignoring bad times=${times}\n`);
      else if (n > limit) mode = null;
    }
  }

  if (mode === 'reset') {
    rec.answered = 'reset';
    req.socket.destroy();
    return null;
  }
  if (mode === 'slow') {
    const t = setTimeout(() => {
      pendingTimers.delete(t);
      if (res.destroyed || res.writableEnded) return;
      const a = answerNormally(rec, kind);
      send(res, a.status, a.type, a.body);
    }, opt.slowMs);
    pendingTimers.add(t);
    // A client that gives up first leaves nothing to answer; drop its timer so shutdown is not delayed.
    res.on('close', () => {
      clearTimeout(t);
      pendingTimers.delete(t);
    });
    return null;
  }
  const a = answerForMode(mode, kind, params) || answerNormally(rec, kind);
  return send(res, a.status, a.type, a.body, a.headers);
}

const server = http.createServer((req, res) => {
  const arrivedMs = Date.now();
  let url;
  try {
    url = new URL(req.url, 'http://sink.invalid');
  } catch {
    url = new URL('http://sink.invalid/');
  }
  const control = url.pathname.startsWith('/_');
  let rec = null;
  if (!control) {
    // Pushed now, not when the body ends, so records stay in arrival order and a pending slow post is visible.
    rec = {
      method: req.method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      body: '',
      json: null,
      size: 0,
      arrivedMs,
      answered: null,
      headers: {
        'content-type': req.headers['content-type'] ?? null,
        'user-agent': req.headers['user-agent'] ?? null,
        // Standard Webhooks headers of forwarded card actions, for the tests to verify.
        'webhook-id': req.headers['webhook-id'] ?? null,
        'webhook-timestamp': req.headers['webhook-timestamp'] ?? null,
        'webhook-signature': req.headers['webhook-signature'] ?? null,
      },
    };
    records.push(rec);
  }

  let logged = false;
  const finish = (status) => {
    if (logged) return;
    logged = true;
    if (rec && rec.answered === null) rec.answered = status;
    logLine(req.method, url.pathname, url.searchParams, status);
  };
  res.on('finish', () => finish(res.statusCode));
  res.on('close', () => {
    if (!res.writableFinished) finish(rec && rec.answered === 'reset' ? 'reset' : 'aborted');
  });

  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    // Past the limit only the count matters; keep reading so the client gets its 413 instead of a broken pipe.
    if (size <= MAX_BODY) chunks.push(c);
    else if (size > MAX_DRAIN) req.socket.destroy();
  });
  req.on('error', () => {});
  req.on('end', () => {
    if (rec) rec.size = size;
    if (control) handleControl(req, res, url);
    else handleWebhook(req, res, url, rec, chunks, size);
  });
});

server.on('clientError', (err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  else socket.destroy();
});

server.on('error', (err) => fail(`cannot listen on ${opt.host}:${opt.port}: ${err.message}`, 1));

function shutdown() {
  for (const t of pendingTimers) clearTimeout(t);
  pendingTimers.clear();
  if (opt.pidfile) {
    try {
      fs.unlinkSync(opt.pidfile);
    } catch {
      // Already gone is fine.
    }
  }
  // Without closeAllConnections a keep-alive or slow client would hold close() open.
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(opt.port, opt.host, () => {
  const addr = server.address();
  // Written only once listening, so a script can wait for the pidfile to know the sink is ready.
  if (opt.pidfile) fs.writeFileSync(opt.pidfile, `${process.pid}\n`);
  process.stdout.write(`sink listening on ${addr.address}:${addr.port}\n`);
});
