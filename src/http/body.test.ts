// JSON bodies and errors on a route that takes a body (no such endpoint exists yet in the app itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { registerJsonBodies, JSON_BODY_LIMIT } from './body.js';
import { registerErrorHandling } from './errors.js';
import { badJson } from './matrix-error.js';

async function echoApp() {
  const app = Fastify();
  registerErrorHandling(app);
  registerJsonBodies(app);
  app.post('/echo', async (request) => {
    if (typeof request.body !== 'object' || request.body === null) throw badJson('expected an object');
    return { got: request.body };
  });
  app.post(
    '/typed',
    { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } },
    async (request) => request.body,
  );
  await app.ready();
  return app;
}

test('a JSON body is parsed whatever the Content-Type says', async () => {
  const app = await echoApp();
  for (const contentType of [
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    undefined,
  ]) {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"a":1}',
      headers: contentType ? { 'content-type': contentType } : {},
    });
    assert.equal(res.statusCode, 200, String(contentType));
    assert.deepEqual(res.json(), { got: { a: 1 } });
  }
});

test('malformed JSON is 400 M_NOT_JSON, whatever the content type', async () => {
  const app = await echoApp();
  for (const contentType of ['application/json', 'text/plain', undefined]) {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"unterminated": ',
      headers: contentType ? { 'content-type': contentType } : {},
    });
    assert.equal(res.statusCode, 400, String(contentType));
    assert.deepEqual(res.json(), { errcode: 'M_NOT_JSON', error: 'Content not JSON.' });
  }
});

test('keys such as __proto__ survive parsing as plain data', async () => {
  const app = await echoApp();
  const res = await app.inject({
    method: 'POST',
    url: '/echo',
    payload: '{"__proto__":{"polluted":true},"b":2}',
  });
  assert.equal(res.statusCode, 200);
  assert.equal(JSON.parse(res.body).got.b, 2);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('an empty body is no body; the handler decides', async () => {
  const app = await echoApp();
  const res = await app.inject({
    method: 'POST',
    url: '/echo',
    payload: '',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().errcode, 'M_BAD_JSON');
});

test('schema failures are 400 M_BAD_JSON with no stack', async () => {
  const app = await echoApp();
  const res = await app.inject({ method: 'POST', url: '/typed', payload: { n: 'one' } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().errcode, 'M_BAD_JSON');
  assert.ok(!res.body.includes('at '), 'no stack trace');
});

test('a body over the limit is 413 M_TOO_LARGE', async () => {
  const app = await echoApp();
  const res = await app.inject({
    method: 'POST',
    url: '/echo',
    payload: `{"x":"${'y'.repeat(JSON_BODY_LIMIT)}"}`,
  });
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().errcode, 'M_TOO_LARGE');
});

test('an unexpected error is 500 M_UNKNOWN with no details', async () => {
  const app = Fastify({ logger: false });
  registerErrorHandling(app);
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  const res = await app.inject({ method: 'GET', url: '/boom' });
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { errcode: 'M_UNKNOWN', error: 'Internal server error' });
});
