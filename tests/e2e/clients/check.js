// tests/e2e/clients/check.js — pushes through real npm Loki clients
// (winston-loki, pino-loki; versions pinned in package.json/package-lock.json)
// to a live skald node and checks that query_range returns exactly what they
// pushed.
//
// Usage: node check.js <skald base URL> <push.proto path> <run id>
// A capturing proxy sits between the clients and skald: it records every push
// body (snappy protobuf or JSON, as each client sends it), forwards it
// unchanged and relays skald's answer. The expected data is decoded from the
// captured bodies, so the comparison is exact (labels, nanosecond
// timestamps, lines) without guessing how a client formats its lines.
// Exit status 0 when every client's data reads back exactly, 1 otherwise.
'use strict';

const http = require('http');
const path = require('path');

const [skaldURL, protoPath, runID] = process.argv.slice(2);
if (!skaldURL || !protoPath || !runID) {
  console.error('usage: node check.js <skald URL> <push.proto> <run id>');
  process.exit(2);
}

const protobuf = require('protobufjs');
const snappy = require('snappy');
const winston = require('winston');
const LokiTransport = require('winston-loki');
const pino = require('pino');
const { pinoLoki } = require('pino-loki');

const root = protobuf.loadSync(protoPath);
const PushRequest = root.lookupType('logproto.PushRequest');

// -- capturing proxy -----------------------------------------------------------

const captured = []; // {labels: {k: v}, ts: ns string, line, metadata: {k: v}}
const failures = [];

function parseLabelString(s) {
  // Prometheus label text: {a="b", c="d"}; values are Go-quoted.
  const out = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  let m;
  while ((m = re.exec(s)) !== null) out[m[1]] = JSON.parse('"' + m[2] + '"');
  return out;
}

function record(streams) {
  for (const s of streams) {
    for (const e of s.entries) {
      captured.push({ labels: s.labels, ts: e.ts, line: e.line, metadata: e.metadata || {} });
    }
  }
}

function decodeBody(contentType, body) {
  if ((contentType || '').startsWith('application/json')) {
    const j = JSON.parse(body.toString('utf8'));
    return j.streams.map((s) => ({
      labels: s.stream,
      entries: s.values.map((v) => ({ ts: String(v[0]), line: v[1], metadata: v[2] || {} })),
    }));
  }
  const raw = snappy.uncompressSync(body);
  const msg = PushRequest.toObject(PushRequest.decode(raw), { longs: String });
  return (msg.streams || []).map((s) => ({
    labels: parseLabelString(s.labels),
    entries: (s.entries || []).map((e) => ({
      ts: (BigInt(e.timestamp.seconds || 0) * 1000000000n + BigInt(e.timestamp.nanos || 0)).toString(),
      line: e.line || '',
      metadata: Object.fromEntries((e.structuredMetadata || []).map((p) => [p.name, p.value])),
    })),
  }));
}

const target = new URL(skaldURL);
const proxy = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const headers = { ...req.headers, host: target.host };
    const fwd = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      (up) => {
        const back = [];
        up.on('data', (c) => back.push(c));
        up.on('end', () => {
          if (up.statusCode === 204) {
            try {
              record(decodeBody(req.headers['content-type'], body));
            } catch (err) {
              failures.push(`cannot decode a push body: ${err}`);
            }
          } else {
            failures.push(`skald answered ${up.statusCode}: ${Buffer.concat(back)}`);
          }
          res.writeHead(up.statusCode, up.headers);
          res.end(Buffer.concat(back));
        });
      });
    fwd.on('error', (err) => {
      failures.push(`forwarding failed: ${err}`);
      res.writeHead(502);
      res.end();
    });
    fwd.end(body);
  });
});

// -- helpers ---------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function getJSON(url, headers) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`${res.statusCode} ${text}`));
        resolve(JSON.parse(text));
      });
    }).on('error', reject);
  });
}

async function waitCaptured(app, n, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (captured.filter((c) => c.labels.app === app).length >= n) return true;
    await sleep(50);
  }
  return false;
}

function key(labels) {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

// Reads back {app=..., run=...} and compares with what was captured: the
// same streams (labels), nanosecond timestamps, lines and structured
// metadata. (The node runs with service_name discovery off, so the stream
// labels are exactly the pushed ones.)
async function verify(app) {
  // Loki renames structured metadata that collides with a stream label to
  // `<name>_extracted` (LabelsBuilder); winston-loki's JSON mode sends `level`
  // both as a stream label and as metadata.
  const want = captured.filter((c) => c.labels.app === app).map((c) => ({
    ...c,
    metadata: Object.fromEntries(Object.entries(c.metadata).map(([k, v]) =>
      [k in c.labels ? `${k}_extracted` : k, v])),
  }));
  if (want.length === 0) {
    failures.push(`${app}: nothing was pushed`);
    return;
  }
  const ts = want.map((w) => BigInt(w.ts));
  const start = ts.reduce((a, b) => (a < b ? a : b));
  const end = ts.reduce((a, b) => (a > b ? a : b)) + 1n;
  const q = encodeURIComponent(`{app="${app}", run="${runID}"}`);
  const url = `${skaldURL}/loki/api/v1/query_range?query=${q}&start=${start}&end=${end}` +
    `&direction=forward&limit=5000`;
  const got = [];
  // categorize-labels: `stream` holds the stream's own labels and each value's
  // third element the entry's structured metadata, so both compare exactly.
  const body = await getJSON(url, { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' });
  for (const s of body.data.result) {
    for (const v of s.values) {
      got.push({ labels: s.stream, ts: v[0], line: v[1], metadata: (v[2] || {}).structuredMetadata || {} });
    }
  }
  const norm = (xs) => xs.map((x) =>
    `${key(x.labels)} ${x.ts} ${JSON.stringify(x.line)} ${key(x.metadata)}`).sort();
  const a = norm(want);
  const b = norm(got);
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    failures.push(`${app}: read back ${b.length} entries, pushed ${a.length}`);
    const missing = a.filter((x) => !b.includes(x));
    const extra = b.filter((x) => !a.includes(x));
    for (const m of missing.slice(0, 5)) failures.push(`  missing: ${m}`);
    for (const m of extra.slice(0, 5)) failures.push(`  unexpected: ${m}`);
  } else {
    console.log(`ok ${app}: ${a.length} entries read back exactly`);
  }
}

// Lines worth checking: quotes, backslashes, tabs, non-ASCII, emoji.
const LINES = [
  'plain line',
  'with "double quotes" and \\backslash\\',
  'tab\there',
  'unicode héllo wörld ✓ 日本語',
  'emoji 🚀 and <html> & ampersand',
  'level=error msg="logfmt style" code=500',
  '{"json":"line","n":1}',
];

async function main() {
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyURL = `http://127.0.0.1:${proxy.address().port}`;

  // winston-loki, default transport: snappy-compressed protobuf.
  const proto = winston.createLogger({
    format: winston.format.printf((info) => info.message),
    transports: [new LokiTransport({
      host: proxyURL,
      labels: { app: 'winston-proto', run: runID },
      batching: false,
      onConnectionError: (err) => failures.push(`winston-proto: ${err}`),
    })],
  });
  // winston-loki with json: true, batched.
  const json = winston.createLogger({
    transports: [new LokiTransport({
      host: proxyURL,
      labels: { app: 'winston-json', run: runID },
      json: true,
      batching: true,
      interval: 0.2,
      onConnectionError: (err) => failures.push(`winston-json: ${err}`),
    })],
  });
  // pino-loki as a pino destination stream (JSON pushes).
  const pinoStream = pinoLoki({
    host: proxyURL,
    labels: { app: 'pino', run: runID },
    batching: false,
    silenceErrors: false,
  });
  const plog = pino({ level: 'info' }, pinoStream);

  for (const [i, line] of LINES.entries()) {
    proto.info(`${line} #${i}`);
    json.warn(`${line} #${i}`, { extra: i });
    plog.info({ i }, line);
    await sleep(2); // distinct millisecond timestamps
  }
  const n = LINES.length;
  const ok = (await waitCaptured('winston-proto', n, 20000)) &
    (await waitCaptured('winston-json', n, 20000)) &
    (await waitCaptured('pino', n, 20000));
  if (!ok) failures.push('not every client pushed every line within 20 s');
  for (const app of ['winston-proto', 'winston-json', 'pino']) await verify(app);
  proxy.close();
  if (failures.length > 0) {
    for (const f of failures) console.error(`FAIL ${f}`);
    process.exit(1);
  }
  console.log('all clients read back exactly');
  process.exit(0);
}

main().catch((err) => {
  console.error(`FAIL ${err.stack || err}`);
  process.exit(1);
});
