'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { once } = require('node:events');

const { createApp, SERVICE_NAME } = require('../src/app');

async function withServer(fn) {
  const server = createApp({ logger: { error() {} } });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = 'http://127.0.0.1:' + server.address().port;
  try {
    await fn(base);
  } finally {
    server.close();
  }
}

function postJson(url, body) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('GET /healthz reports ok', async () => {
  await withServer(async (base) => {
    const res = await fetch(base + '/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', service: SERVICE_NAME });
  });
});

test('items can be created, read, listed and deleted', async () => {
  await withServer(async (base) => {
    const created = await postJson(base + '/v1/items', { name: 'first item', quantity: 3 });
    assert.equal(created.status, 201);
    const item = await created.json();
    assert.equal(item.name, 'first item');
    assert.equal(item.quantity, 3);
    assert.equal(created.headers.get('location'), '/v1/items/' + item.id);

    const fetched = await fetch(base + '/v1/items/' + item.id);
    assert.equal(fetched.status, 200);
    assert.deepEqual(await fetched.json(), item);

    const list = await (await fetch(base + '/v1/items')).json();
    assert.equal(list.items.length, 1);

    const deleted = await fetch(base + '/v1/items/' + item.id, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal((await fetch(base + '/v1/items/' + item.id)).status, 404);
  });
});

test('invalid input is rejected with 400', async () => {
  await withServer(async (base) => {
    assert.equal((await postJson(base + '/v1/items', { quantity: 1 })).status, 400);
    assert.equal((await postJson(base + '/v1/items', { name: 'x', quantity: -1 })).status, 400);
    const broken = await postJson(base + '/v1/items', '{not json');
    assert.equal(broken.status, 400);
    assert.match((await broken.json()).error, /JSON/);
  });
});

test('unknown routes and methods', async () => {
  await withServer(async (base) => {
    assert.equal((await fetch(base + '/nope')).status, 404);
    assert.equal((await fetch(base + '/v1/items', { method: 'PUT' })).status, 405);
  });
});

test('server.js starts, serves and shuts down cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'server.js')], {
    env: { ...process.env, PORT: '0', OTEL_SDK_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error('server exited early with ' + code)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const m = /"msg":"listening","port":(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    });
  });
  child.removeAllListeners('exit');
  const res = await fetch('http://127.0.0.1:' + port + '/healthz');
  assert.equal(res.status, 200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.match(output, /tracing is off/);
});
