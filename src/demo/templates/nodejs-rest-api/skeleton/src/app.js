'use strict';

// The HTTP API of ${{ values.name }}, built on node:http only so that it runs
// (and its tests pass) with no npm dependencies installed.
//
//   GET    /healthz          liveness
//   GET    /readyz           readiness
//   GET    /v1/items         list items
//   POST   /v1/items         create an item: { "name": "...", "quantity": 1 }
//   GET    /v1/items/:id     one item
//   DELETE /v1/items/:id     delete an item

const http = require('node:http');
const { randomUUID } = require('node:crypto');

const SERVICE_NAME = '${{ values.name }}';
const MAX_BODY_BYTES = 1024 * 1024;
const ITEM_PATH = /^\/v1\/items\/([A-Za-z0-9-]+)$/;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function createStore() {
  const items = new Map();
  return {
    list: () => [...items.values()],
    get: (id) => items.get(id),
    create(fields) {
      const item = { id: randomUUID(), ...fields, createdAt: new Date().toISOString() };
      items.set(item.id, item);
      return item;
    },
    remove: (id) => items.delete(id),
  };
}

function send(res, status, body) {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function validateItem(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'expected a JSON object');
  }
  const { name, quantity = 1 } = body;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new HttpError(400, '"name" must be a non-empty string');
  }
  if (!Number.isInteger(quantity) || quantity < 0) {
    throw new HttpError(400, '"quantity" must be a non-negative integer');
  }
  return { name: name.trim(), quantity };
}

async function route(req, res, store) {
  const { pathname } = new URL(req.url, 'http://localhost');

  if (pathname === '/healthz' || pathname === '/readyz') {
    if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
    return send(res, 200, { status: 'ok', service: SERVICE_NAME });
  }

  if (pathname === '/v1/items') {
    if (req.method === 'GET') return send(res, 200, { items: store.list() });
    if (req.method === 'POST') {
      const item = store.create(validateItem(await readJson(req)));
      res.setHeader('location', '/v1/items/' + item.id);
      return send(res, 201, item);
    }
    throw new HttpError(405, 'method not allowed');
  }

  const match = ITEM_PATH.exec(pathname);
  if (match) {
    const id = match[1];
    if (req.method === 'GET') {
      const item = store.get(id);
      if (!item) throw new HttpError(404, 'item not found');
      return send(res, 200, item);
    }
    if (req.method === 'DELETE') {
      if (!store.remove(id)) throw new HttpError(404, 'item not found');
      res.writeHead(204);
      return res.end();
    }
    throw new HttpError(405, 'method not allowed');
  }

  throw new HttpError(404, 'not found');
}

function createApp({ store = createStore(), logger = console } = {}) {
  return http.createServer((req, res) => {
    route(req, res, store).catch((err) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) logger.error(err);
      if (!res.headersSent) send(res, status, { error: status >= 500 ? 'internal error' : err.message });
    });
  });
}

module.exports = { createApp, createStore, SERVICE_NAME };
