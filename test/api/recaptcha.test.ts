// The m.login.recaptcha registration stage against a local server speaking Google siteverify's wire
// format (a form-encoded POST of secret, response and remoteip; JSON {success, challenge_ts, hostname,
// error-codes} back). The server must send the configured secret with the client's response, accept only
// success: true, and create no account when siteverify refuses, fails or answers garbage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { call, countRows } from '../support/accounts.js';
import { freePort } from '../support/ports.js';

const REGISTER = '/_matrix/client/v3/register';
const STAGE = 'm.login.recaptcha';
const PUBLIC_KEY = '6LcPublicKeyForTests';
const SECRET = 'siteverify-secret-do-not-leak';

interface Verification {
  contentType: string | undefined;
  form: Record<string, string>;
}

let siteverify: Server;
let siteverifyUrl: string;
const verifications: Verification[] = [];
let t: TestApp;

/** Answers as Google does, by the response token: "good" passes, "bad" fails, others misbehave. */
function startSiteverify(): Promise<void> {
  siteverify = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      verifications.push({ contentType: req.headers['content-type'], form });
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/recaptcha/api/siteverify') return json(404, {});
      if (form.secret !== SECRET)
        return json(200, { success: false, 'error-codes': ['invalid-input-secret'] });
      switch (form.response) {
        case 'good':
          return json(200, {
            success: true,
            challenge_ts: '2026-12-01T15:00:00Z',
            hostname: 'client.example',
          });
        case 'bad':
          return json(200, { success: false, 'error-codes': ['invalid-input-response'] });
        case 'garbage':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html>upstream proxy error</html>');
        case 'no-verdict':
          return json(200, { hostname: 'client.example' });
        default:
          return json(500, { error: 'internal' });
      }
    });
  });
  return new Promise((resolve) => {
    siteverify.listen(0, '127.0.0.1', () => {
      const { port } = siteverify.address() as AddressInfo;
      siteverifyUrl = `http://127.0.0.1:${port}/recaptcha/api/siteverify`;
      resolve();
    });
  });
}

const captchaConfig = (url: string) => `${BASE_CONFIG}enable_registration: true
enable_registration_captcha: true
recaptcha_public_key: ${PUBLIC_KEY}
recaptcha_private_key: ${SECRET}
recaptcha_siteverify_api: ${url}
`;

before(async () => {
  await startSiteverify();
  t = await startTestApp({ configYaml: captchaConfig(siteverifyUrl) });
});
after(async () => {
  await t.close();
  await new Promise((resolve) => siteverify.close(resolve));
});

async function begin(app: TestApp, username: string): Promise<string> {
  const res = await call(app, 'POST', REGISTER, { payload: { username, password: `pw-${username}-secret` } });
  assert.equal(res.statusCode, 401, res.body);
  const body = res.json();
  assert.deepEqual(body.flows, [{ stages: [STAGE] }]);
  assert.deepEqual(body.params, { [STAGE]: { public_key: PUBLIC_KEY } });
  return body.session as string;
}

function submit(app: TestApp, username: string, session: string, auth: Record<string, unknown>) {
  return call(app, 'POST', REGISTER, {
    payload: { username, password: `pw-${username}-secret`, auth: { type: STAGE, session, ...auth } },
  });
}

test('/register offers m.login.recaptcha with the public key; a solved captcha registers, siteverify got the secret, response and address', async () => {
  const session = await begin(t, 'olga');
  verifications.length = 0;
  const res = await submit(t, 'olga', session, { response: 'good' });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().user_id, '@olga:test.local');
  assert.equal(typeof res.json().access_token, 'string');
  assert.deepEqual(verifications, [
    {
      contentType: 'application/x-www-form-urlencoded',
      form: { secret: SECRET, response: 'good', remoteip: '127.0.0.1' },
    },
  ]);
});

test('siteverify saying success: false is a failed stage: 401 with the flow, params and session unchanged, no account; a later good response passes', async () => {
  const users = await countRows(t, 'users');
  const session = await begin(t, 'pavel');
  const res = await submit(t, 'pavel', session, { response: 'bad' });
  assert.equal(res.statusCode, 401, res.body);
  const body = res.json();
  assert.equal(body.errcode, 'M_UNAUTHORIZED');
  assert.equal(body.session, session);
  assert.deepEqual(body.completed, []);
  assert.deepEqual(body.flows, [{ stages: [STAGE] }]);
  assert.deepEqual(body.params, { [STAGE]: { public_key: PUBLIC_KEY } });
  // A verdict without success counts as a refusal too.
  const silent = await submit(t, 'pavel', session, { response: 'no-verdict' });
  assert.equal(silent.statusCode, 401, silent.body);
  assert.equal(silent.json().errcode, 'M_UNAUTHORIZED');
  assert.equal(await countRows(t, 'users'), users);

  const retry = await submit(t, 'pavel', session, { response: 'good' });
  assert.equal(retry.statusCode, 200, retry.body);
  assert.equal(await countRows(t, 'users'), users + 1);
});

test('a submission without a response is 401 M_CAPTCHA_NEEDED, and siteverify is not asked', async () => {
  const session = await begin(t, 'quinn');
  verifications.length = 0;
  for (const auth of [{}, { response: '' }, { response: 42 }]) {
    const res = await submit(t, 'quinn', session, auth);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().errcode, 'M_CAPTCHA_NEEDED');
  }
  assert.equal(verifications.length, 0);
});

test('garbage, an HTTP error or an unreachable siteverify is an error (500) and creates no account; the secret never shows', async () => {
  const users = await countRows(t, 'users');
  for (const response of ['garbage', 'http-error']) {
    const session = await begin(t, 'rosa');
    const res = await submit(t, 'rosa', session, { response });
    assert.equal(res.statusCode, 500, res.body);
    assert.equal(res.json().errcode, 'M_UNKNOWN');
    assert.ok(!res.body.includes(SECRET));
  }
  const port = await freePort();
  const down = await startTestApp({
    configYaml: captchaConfig(`http://127.0.0.1:${port}/recaptcha/api/siteverify`),
  });
  try {
    const session = await begin(down, 'sven');
    const res = await submit(down, 'sven', session, { response: 'good' });
    assert.equal(res.statusCode, 500, res.body);
    assert.equal(await countRows(down, 'users'), 0);
    assert.ok(!JSON.stringify(down.logs).includes(SECRET));
  } finally {
    await down.close();
  }
  assert.equal(await countRows(t, 'users'), users);
  assert.ok(!JSON.stringify(t.logs).includes(SECRET));
  assert.ok(!JSON.stringify(t.logs).includes('"good"'));
});

test('m.login.dummy does not stand in for the captcha', async () => {
  const session = await begin(t, 'tara');
  const res = await call(t, 'POST', REGISTER, {
    payload: { username: 'tara', password: 'pw-tara-secret', auth: { type: 'm.login.dummy', session } },
  });
  assert.equal(res.statusCode, 400, res.body);
  const users = await t.deps.database.db
    .selectFrom('users')
    .select('user_id')
    .where('user_id', '=', '@tara:test.local')
    .execute();
  assert.deepEqual(users, []);
});

test('with registration_requires_token too, the token comes first and both are needed', async () => {
  const both = await startTestApp({
    configYaml: `${captchaConfig(siteverifyUrl)}registration_requires_token: true\n`,
  });
  try {
    const res = await call(both, 'POST', REGISTER, {
      payload: { username: 'uma', password: 'pw-uma-secret' },
    });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json().flows, [{ stages: ['m.login.registration_token', STAGE] }]);
    const session = res.json().session as string;
    const captchaOnly = await submit(both, 'uma', session, { response: 'good' });
    assert.equal(captchaOnly.statusCode, 401, captchaOnly.body);
    assert.deepEqual(captchaOnly.json().completed, [STAGE]);
    assert.equal(await countRows(both, 'users'), 0);
  } finally {
    await both.close();
  }
});

test('the fallback page (GET .../auth/m.login.recaptcha/fallback/web) completes the stage out of band', async () => {
  const session = await begin(t, 'vera');
  const url = `/_matrix/client/v3/auth/${STAGE}/fallback/web`;
  const page = await t.app.inject({ method: 'GET', url: `${url}?session=${session}` });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /^text\/html/);
  assert.ok(page.body.includes(`data-sitekey="${PUBLIC_KEY}"`));
  assert.ok(page.body.includes(`name="session" value="${session}"`));
  assert.ok(!page.body.includes(SECRET));

  const post = (response: string, s = session) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ session: s, 'g-recaptcha-response': response }).toString(),
    });
  // A refused captcha shows the form again with the reason; the stage stays open.
  const refused = await post('bad');
  assert.equal(refused.statusCode, 200);
  assert.ok(refused.body.includes('Captcha authentication failed'));
  assert.ok(refused.body.includes('g-recaptcha'));
  const unknown = await post('good', 'no-such-session');
  assert.equal(unknown.statusCode, 400);

  const done = await post('good');
  assert.equal(done.statusCode, 200);
  assert.ok(done.body.includes('postMessage("authDone"'));
  // The client resubmits with the session alone and the account is made.
  const res = await call(t, 'POST', REGISTER, { payload: { auth: { session } } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().user_id, '@vera:test.local');

  for (const [method, target, status] of [
    ['GET', `/_matrix/client/v3/auth/m.login.terms/fallback/web?session=${session}`, 404],
    ['GET', url, 400],
  ] as const) {
    assert.equal((await t.app.inject({ method, url: target })).statusCode, status, target);
  }
});

test('the fallback page escapes what it echoes and may not be framed by another site', async () => {
  const url = `/_matrix/client/v3/auth/${STAGE}/fallback/web`;
  const evil = '"><script>alert(1)</script>';
  const page = await t.app.inject({ method: 'GET', url: `${url}?session=${encodeURIComponent(evil)}` });
  assert.equal(page.statusCode, 200);
  assert.ok(!page.body.includes('<script>alert(1)'));
  assert.ok(page.body.includes('value="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"'));
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal(page.headers['content-security-policy'], "frame-ancestors 'none';");
  const refused = await t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ session: evil, 'g-recaptcha-response': 'bad' }).toString(),
  });
  // An unknown session is a JSON error, never a page echoing it.
  assert.equal(refused.statusCode, 400);
  assert.match(refused.headers['content-type'] as string, /^application\/json/);
});
