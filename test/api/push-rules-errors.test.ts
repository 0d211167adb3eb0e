// Push rules API, bad input: every endpoint without or with a bad token, with malformed JSON and wrong
// types, unknown kinds and rules, reserved rule ids; each answers the spec's error and stores nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { call } from '../support/accounts.js';
import { currentStreamPosition } from '../../src/storage/streams.js';

let t: TestApp;
let alice: TestUser;
before(async () => {
  t = await startTestApp();
  alice = await createTestUser(t, 'alice');
  // Something of each sort to protect: a user rule and a change to a default rule.
  for (const [url, payload] of [
    ['/pushrules/global/content/cake', { pattern: 'cake', actions: ['notify'] }],
    ['/pushrules/global/underride/.m.rule.message/enabled', { enabled: false }],
  ] as const) {
    const res = await send('PUT', url, { payload });
    assert.equal(res.statusCode, 200, res.body);
  }
});
after(() => t.close());

const V3 = '/_matrix/client/v3';

function send(
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  opts: { payload?: unknown; token?: string | null } = {},
) {
  const token = opts.token === undefined ? alice.accessToken : (opts.token ?? undefined);
  return call(t, method, `${V3}${path}`, { token, payload: opts.payload });
}

async function snapshot(): Promise<string> {
  const db = t.deps.database.db;
  const rules = await db.selectFrom('push_rules').selectAll().orderBy('kind').orderBy('rule_id').execute();
  const defaults = await db.selectFrom('push_rule_defaults').selectAll().orderBy('rule_id').execute();
  const position = await currentStreamPosition(db, 'account_data');
  return JSON.stringify({ rules, defaults, position });
}

/** Sends a request that must fail with `status`/`errcode` and change nothing. */
async function refused(
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  status: number,
  errcode: string,
  opts: { payload?: unknown; token?: string | null } = {},
): Promise<void> {
  const before = await snapshot();
  const res = await send(method, path, opts);
  const what = `${method} ${path} ${JSON.stringify(opts.payload)}`;
  assert.equal(res.statusCode, status, `${what}: ${res.body}`);
  assert.equal(res.json().errcode, errcode, `${what}: ${res.body}`);
  assert.equal(typeof res.json().error, 'string');
  assert.equal(await snapshot(), before, `${what} changed nothing`);
}

const ENDPOINTS: ['GET' | 'PUT' | 'DELETE', string, unknown][] = [
  ['GET', '/pushrules/', undefined],
  ['GET', '/pushrules/global/', undefined],
  ['GET', '/pushrules/global/content/cake', undefined],
  ['PUT', '/pushrules/global/content/cake', { pattern: 'x', actions: [] }],
  ['DELETE', '/pushrules/global/content/cake', undefined],
  ['GET', '/pushrules/global/content/cake/enabled', undefined],
  ['PUT', '/pushrules/global/content/cake/enabled', { enabled: false }],
  ['GET', '/pushrules/global/content/cake/actions', undefined],
  ['PUT', '/pushrules/global/content/cake/actions', { actions: [] }],
];

test('every endpoint: no token is 401 M_MISSING_TOKEN, a bad one 401 M_UNKNOWN_TOKEN', async () => {
  for (const [method, path, payload] of ENDPOINTS) {
    await refused(method, path, 401, 'M_MISSING_TOKEN', { token: null, payload });
    await refused(method, path, 401, 'M_UNKNOWN_TOKEN', { token: 'nope', payload });
  }
});

test('every endpoint: an unknown kind is 400 M_INVALID_PARAM', async () => {
  for (const [method, path, payload] of ENDPOINTS.slice(2)) {
    await refused(method, path.replace('/content/', '/bogus/'), 400, 'M_INVALID_PARAM', { payload });
    await refused(method, path.replace('/content/', '/global/'), 400, 'M_INVALID_PARAM', { payload });
  }
});

test('every endpoint: an unknown rule is 404 M_NOT_FOUND', async () => {
  for (const [method, path, payload] of ENDPOINTS.slice(2)) {
    if (method === 'PUT' && !path.includes('/cake/')) continue; // PUT of a rule creates it
    for (const unknown of ['nocake', '.m.rule.nonexistent']) {
      await refused(method, path.replace('/cake', `/${unknown}`), 404, 'M_NOT_FOUND', { payload });
    }
    // A default rule is known only under its own kind.
    await refused(method, path.replace('/content/cake', '/override/.m.rule.message'), 404, 'M_NOT_FOUND', {
      payload,
    });
  }
});

test('PUT bodies: malformed JSON is M_NOT_JSON, a missing body M_NOT_JSON, a non-object M_BAD_JSON', async () => {
  for (const [method, path] of ENDPOINTS.filter(([m]) => m === 'PUT')) {
    await refused(method, path, 400, 'M_NOT_JSON', { payload: '{"actions": [' });
    await refused(method, path, 400, 'M_NOT_JSON');
    await refused(method, path, 400, 'M_BAD_JSON', { payload: '["notify"]' });
    await refused(method, path, 400, 'M_BAD_JSON', { payload: 'true' });
  }
});

test('PUT a rule: wrong types in actions, conditions and pattern are 400 M_BAD_JSON', async () => {
  const override = '/pushrules/global/override/new-rule';
  const content = '/pushrules/global/content/new-rule';
  const badActions: unknown[] = [
    undefined,
    'notify',
    {},
    ['ring'],
    [1],
    [null],
    [{ value: 'x' }],
    [{ set_tweak: 3 }],
    [{ set_tweak: 'sound' }],
    [{ set_tweak: 'sound', value: 7 }],
    [{ set_tweak: 'highlight', value: 'yes' }],
  ];
  for (const actions of badActions) {
    await refused('PUT', override, 400, 'M_BAD_JSON', { payload: { conditions: [], actions } });
    await refused('PUT', content, 400, 'M_BAD_JSON', { payload: { pattern: 'x', actions } });
    await refused('PUT', '/pushrules/global/content/cake/actions', 400, 'M_BAD_JSON', {
      payload: { actions },
    });
    await refused('PUT', '/pushrules/global/override/.m.rule.master/actions', 400, 'M_BAD_JSON', {
      payload: { actions },
    });
  }
  const badConditions: unknown[] = [
    {},
    'event_match',
    null,
    [null],
    [[]],
    [{}],
    [{ kind: 5 }],
    [{ kind: 'event_match', key: 'type' }],
    [{ kind: 'event_match', pattern: 'x' }],
    [{ kind: 'event_match', key: 1, pattern: 'x' }],
    [{ kind: 'event_property_is', key: 'content.x' }],
    [{ kind: 'event_property_is', key: 'content.x', value: 1.5 }],
    [{ kind: 'event_property_is', key: 'content.x', value: 2 ** 53 }],
    [{ kind: 'event_property_contains', key: 'content.x', value: { a: 1 } }],
    [{ kind: 'event_property_contains', key: 'content.x', value: [1] }],
    [{ kind: 'room_member_count' }],
    [{ kind: 'room_member_count', is: 2 }],
    [{ kind: 'room_member_count', is: '=2' }],
    [{ kind: 'room_member_count', is: '>= 2' }],
    [{ kind: 'sender_notification_permission' }],
  ];
  for (const conditions of badConditions) {
    await refused('PUT', override, 400, 'M_BAD_JSON', { payload: { conditions, actions: [] } });
    await refused('PUT', '/pushrules/global/underride/x', 400, 'M_BAD_JSON', {
      payload: { conditions, actions: [] },
    });
  }
  for (const pattern of [undefined, null, 3, ['cake']]) {
    await refused('PUT', content, 400, 'M_BAD_JSON', { payload: { pattern, actions: [] } });
  }
});

test('PUT enabled: a missing or non-boolean enabled is 400 M_BAD_JSON', async () => {
  for (const path of [
    '/pushrules/global/content/cake/enabled',
    '/pushrules/global/override/.m.rule.master/enabled',
  ]) {
    for (const enabled of [undefined, null, 'true', 1, {}]) {
      await refused('PUT', path, 400, 'M_BAD_JSON', { payload: { enabled } });
    }
  }
});

test('reserved and malformed rule ids are 400 M_INVALID_PARAM; default rules cannot be replaced or deleted', async () => {
  const body = { pattern: 'x', actions: [] };
  for (const id of ['.mine', '.m.rule.contains_user_name', 'a%2Fb', 'a%5Cb']) {
    await refused('PUT', `/pushrules/global/content/${id}`, 400, 'M_INVALID_PARAM', { payload: body });
  }
  await refused('PUT', '/pushrules/global/override/.m.rule.master', 400, 'M_INVALID_PARAM', {
    payload: { conditions: [], actions: ['notify'] },
  });
  await refused('PUT', '/pushrules/global/room/not-a-room', 400, 'M_INVALID_PARAM', {
    payload: { actions: [] },
  });
  await refused('PUT', '/pushrules/global/sender/not-a-user', 400, 'M_INVALID_PARAM', {
    payload: { actions: [] },
  });
  await refused('DELETE', '/pushrules/global/override/.m.rule.master', 404, 'M_NOT_FOUND');
  await refused('DELETE', '/pushrules/global/underride/.m.rule.message', 404, 'M_NOT_FOUND');
  const master = await send('GET', '/pushrules/global/override/.m.rule.master');
  assert.equal(master.statusCode, 200);
});

test('before/after: an unknown rule is 400 M_UNKNOWN; a default rule or the rule itself 400 M_INVALID_PARAM', async () => {
  const body = { pattern: 'x', actions: [] };
  const path = '/pushrules/global/content/newrule';
  await refused('PUT', `${path}?before=nope`, 400, 'M_UNKNOWN', { payload: body });
  await refused('PUT', `${path}?after=nope`, 400, 'M_UNKNOWN', { payload: body });
  await refused('PUT', `${path}?before=nope&after=cake`, 400, 'M_UNKNOWN', { payload: body });
  // A rule of another kind is not a neighbour.
  await refused('PUT', '/pushrules/global/override/newrule?after=cake', 400, 'M_UNKNOWN', {
    payload: { conditions: [], actions: [] },
  });
  await refused('PUT', '/pushrules/global/override/newrule?before=.m.rule.master', 400, 'M_INVALID_PARAM', {
    payload: { conditions: [], actions: [] },
  });
  await refused('PUT', '/pushrules/global/content/cake?after=cake', 400, 'M_INVALID_PARAM', {
    payload: body,
  });
});

test('the state the refusals protected is intact', async () => {
  const res = await send('GET', '/pushrules/');
  assert.equal(res.statusCode, 200);
  const global = res.json().global;
  assert.deepEqual(global.content, [
    { rule_id: 'cake', default: false, enabled: true, pattern: 'cake', actions: ['notify'] },
  ]);
  const message = global.underride.find((r: { rule_id: string }) => r.rule_id === '.m.rule.message');
  assert.equal(message.enabled, false);
  assert.deepEqual(message.actions, ['notify']);
});
