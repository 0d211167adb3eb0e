// Push rules API: the spec's default rule set, PUT/DELETE/enabled/actions round trips, before/after
// ordering, and m.push_rules in /sync account data after a change. Bad input: push-rules-errors.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
});
after(() => t.close());

const del = (url: string, user: TestUser) => api.call('DELETE', url, user);
const ok = (res: { status: number; body: unknown }) =>
  assert.equal(res.status, 200, JSON.stringify(res.body));
const ids = (rules: { rule_id: string }[]) => rules.map((r) => r.rule_id);
const rule = (kind: string, id: string) => `/pushrules/global/${kind}/${encodeURIComponent(id)}`;

// The spec's server-default rules (v1.17: the legacy body-matching rules are gone), in its order.
const SPEC_OVERRIDE = [
  '.m.rule.master',
  '.m.rule.suppress_notices',
  '.m.rule.invite_for_me',
  '.m.rule.member_event',
  '.m.rule.is_user_mention',
  '.m.rule.is_room_mention',
  '.m.rule.tombstone',
  '.m.rule.reaction',
  '.m.rule.room.server_acl',
  '.m.rule.suppress_edits',
];
const SPEC_UNDERRIDE = [
  '.m.rule.call',
  '.m.rule.encrypted_room_one_to_one',
  '.m.rule.room_one_to_one',
  '.m.rule.message',
  '.m.rule.encrypted',
];

test('GET /pushrules/ serves the spec default rule set, in order, for the caller', async () => {
  const res = await api.get('/pushrules/', bob);
  ok(res);
  const global = res.body.global;
  assert.deepEqual(Object.keys(global).sort(), ['content', 'override', 'room', 'sender', 'underride']);
  assert.deepEqual(ids(global.override), SPEC_OVERRIDE);
  assert.deepEqual(ids(global.underride), SPEC_UNDERRIDE);
  assert.deepEqual([global.content, global.room, global.sender], [[], [], []]);
  for (const r of [...global.override, ...global.underride]) {
    assert.equal(r.default, true);
    assert.equal(r.enabled, r.rule_id !== '.m.rule.master', r.rule_id);
  }
  const byId = (id: string) => global.override.find((r: { rule_id: string }) => r.rule_id === id);
  assert.deepEqual(byId('.m.rule.invite_for_me').conditions, [
    { kind: 'event_match', key: 'type', pattern: 'm.room.member' },
    { kind: 'event_match', key: 'content.membership', pattern: 'invite' },
    { kind: 'event_match', key: 'state_key', pattern: bob.userId },
  ]);
  assert.deepEqual(byId('.m.rule.is_user_mention'), {
    rule_id: '.m.rule.is_user_mention',
    default: true,
    enabled: true,
    conditions: [
      { kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: bob.userId },
    ],
    actions: ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }],
  });
  assert.deepEqual(byId('.m.rule.is_room_mention').conditions, [
    { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
    { kind: 'sender_notification_permission', key: 'room' },
  ]);
  assert.deepEqual(global.underride[1], {
    rule_id: '.m.rule.encrypted_room_one_to_one',
    default: true,
    enabled: true,
    conditions: [
      { kind: 'room_member_count', is: '2' },
      { kind: 'event_match', key: 'type', pattern: 'm.room.encrypted' },
    ],
    actions: ['notify', { set_tweak: 'sound', value: 'default' }],
  });

  const globalOnly = await api.get('/pushrules/global/', bob);
  assert.deepEqual(globalOnly.body, global);
  const r0 = await api.get('/_matrix/client/r0/pushrules/', bob);
  assert.deepEqual(r0.body, res.body);
  const one = await api.get(rule('underride', '.m.rule.message'), bob);
  assert.deepEqual(one.body, global.underride[3]);
});

test('PUT, GET and DELETE a rule of each kind', async () => {
  const room = '!room:test.local';
  const cases: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'override',
      'beer',
      {
        conditions: [
          { kind: 'event_match', key: 'content.body', pattern: 'beer' },
          { kind: 'room_member_count', is: '<=10' },
          { kind: 'org.example.future', anything: [1] },
        ],
        actions: ['notify', { set_tweak: 'sound', value: 'beeroclock.wav' }],
      },
      { conditions: true },
    ],
    ['content', 'cake', { pattern: 'cake*lie', actions: ['notify'] }, { pattern: 'cake*lie' }],
    ['room', room, { actions: [] }, {}],
    ['sender', '@spambot:matrix.org', { actions: [] }, {}],
    ['underride', 'catch-all', { actions: ['notify', { set_tweak: 'highlight', value: false }] }, {}],
  ];
  for (const [kind, id, body, extra] of cases) {
    ok(await api.put(rule(kind, id), alice, body));
    const got = await api.get(rule(kind, id), alice);
    ok(got);
    const expected: Record<string, unknown> = {
      rule_id: id,
      default: false,
      enabled: true,
      actions: body.actions,
    };
    if (extra.conditions) expected.conditions = body.conditions;
    if (extra.pattern) expected.pattern = extra.pattern;
    if (kind === 'underride') expected.conditions = [];
    assert.deepEqual(got.body, expected, `${kind}/${id}`);
    const all = await api.get('/pushrules/', alice);
    const first = all.body.global[kind][kind === 'override' ? 1 : 0];
    assert.equal(first.rule_id, id, 'a new rule is the most important user rule of its kind');
  }
  // .m.rule.master stays first among override rules; user rules come before the other defaults.
  const global = (await api.get('/pushrules/', alice)).body.global;
  assert.deepEqual(ids(global.override).slice(0, 3), ['.m.rule.master', 'beer', '.m.rule.suppress_notices']);
  assert.deepEqual(ids(global.underride), ['catch-all', ...SPEC_UNDERRIDE]);

  for (const [kind, id] of cases) {
    ok(await del(rule(kind, id), alice));
    assert.equal((await api.get(rule(kind, id), alice)).status, 404);
  }
  const after = (await api.get('/pushrules/', alice)).body.global;
  assert.deepEqual(ids(after.override), SPEC_OVERRIDE);
  assert.deepEqual(ids(after.underride), SPEC_UNDERRIDE);
  assert.deepEqual(
    (await api.get('/pushrules/', bob)).body.global.content,
    [],
    "bob never sees alice's rules",
  );
});

test('before and after place rules; before wins; an update keeps its place unless moved', async () => {
  const order = async () => ids((await api.get('/pushrules/global/', alice)).body.content);
  const put = (id: string, query = '', pattern = id) =>
    api.put(`${rule('content', id)}${query}`, alice, { pattern, actions: ['notify'] });
  ok(await put('a'));
  ok(await put('b'));
  assert.deepEqual(await order(), ['b', 'a']);
  ok(await put('c', '?before=a'));
  assert.deepEqual(await order(), ['b', 'c', 'a']);
  ok(await put('d', '?after=b'));
  assert.deepEqual(await order(), ['b', 'd', 'c', 'a']);
  ok(await put('e', '?after=b&before=a'));
  assert.deepEqual(await order(), ['b', 'd', 'c', 'e', 'a']);
  ok(await put('a', '', 'changed'));
  assert.deepEqual(await order(), ['b', 'd', 'c', 'e', 'a']);
  assert.equal((await api.get(rule('content', 'a'), alice)).body.pattern, 'changed');
  ok(await put('b', '?after=a'));
  assert.deepEqual(await order(), ['d', 'c', 'e', 'a', 'b']);
  ok(await put('a', '?before=d'));
  assert.deepEqual(await order(), ['a', 'd', 'c', 'e', 'b']);
  ok(await del(rule('content', 'c'), alice));
  ok(await put('f', '?after=e'));
  assert.deepEqual(await order(), ['a', 'd', 'e', 'f', 'b']);
  for (const id of ['a', 'b', 'd', 'e', 'f']) ok(await del(rule('content', id), alice));
  assert.deepEqual(await order(), []);
});

test('enabled and actions round-trip on default and user rules; historical actions are dropped', async () => {
  const msg = rule('underride', '.m.rule.message');
  assert.deepEqual((await api.get(`${msg}/enabled`, alice)).body, { enabled: true });
  ok(await api.put(`${msg}/enabled`, alice, { enabled: false }));
  assert.deepEqual((await api.get(`${msg}/enabled`, alice)).body, { enabled: false });
  ok(await api.put(`${msg}/actions`, alice, { actions: ['notify', { set_tweak: 'sound', value: 'bing' }] }));
  assert.deepEqual((await api.get(`${msg}/actions`, alice)).body, {
    actions: ['notify', { set_tweak: 'sound', value: 'bing' }],
  });
  assert.equal((await api.get(msg, alice)).body.enabled, false, 'changing actions keeps enabled');
  assert.deepEqual((await api.get(msg, bob)).body.actions, ['notify'], "bob's default is untouched");

  const master = rule('override', '.m.rule.master');
  ok(await api.put(`${master}/enabled`, alice, { enabled: true }));
  const first = (await api.get('/pushrules/', alice)).body.global.override[0];
  assert.deepEqual(first, {
    rule_id: '.m.rule.master',
    default: true,
    enabled: true,
    conditions: [],
    actions: [],
  });
  ok(await api.put(`${master}/enabled`, alice, { enabled: false }));

  const own = rule('room', '!quiet:test.local');
  ok(await api.put(own, alice, { actions: ['notify', 'dont_notify', 'coalesce'] }));
  assert.deepEqual((await api.get(`${own}/actions`, alice)).body, { actions: ['notify'] });
  ok(await api.put(`${own}/enabled`, alice, { enabled: false }));
  ok(await api.put(`${own}/actions`, alice, { actions: ['dont_notify'] }));
  ok(await api.put(own, alice, { actions: ['notify'] }));
  assert.deepEqual((await api.get(own, alice)).body, {
    rule_id: '!quiet:test.local',
    default: false,
    enabled: false,
    actions: ['notify'],
  });
  ok(await del(own, alice));
  ok(await api.put(own, alice, { actions: [] }));
  assert.equal((await api.get(own, alice)).body.enabled, true, 'a created rule is enabled');
  ok(await del(own, alice));
  ok(await api.put(`${msg}/enabled`, alice, { enabled: true }));
  ok(await api.put(`${msg}/actions`, alice, { actions: ['notify'] }));
});

test('a change sends the whole ruleset as m.push_rules in /sync account_data and wakes /sync', async () => {
  const first = await api.get('/sync?timeout=0', bob);
  ok(first);
  const woken: string[] = [];
  const stop = t.deps.notifier.listen(bob.userId, [], { wake: () => woken.push('bob') });
  try {
    ok(await api.put(rule('sender', '@noisy:test.local'), bob, { actions: [] }));
  } finally {
    stop();
  }
  assert.deepEqual(woken, ['bob']);
  const next = await api.get(`/sync?timeout=0&since=${first.body.next_batch}`, bob);
  ok(next);
  const events = next.body.account_data.events.filter((e: { type: string }) => e.type === 'm.push_rules');
  assert.equal(events.length, 1);
  const current = (await api.get('/pushrules/', bob)).body;
  assert.deepEqual(events[0].content, current);
  assert.deepEqual(ids(events[0].content.global.sender), ['@noisy:test.local']);

  ok(await api.put(`${rule('override', '.m.rule.reaction')}/enabled`, bob, { enabled: false }));
  const later = await api.get(`/sync?timeout=0&since=${next.body.next_batch}`, bob);
  const latest = later.body.account_data.events.find((e: { type: string }) => e.type === 'm.push_rules');
  assert.equal(
    latest.content.global.override.find((r: { rule_id: string }) => r.rule_id === '.m.rule.reaction').enabled,
    false,
  );
  assert.deepEqual(
    (await api.get('/user/@bob:test.local/account_data/m.push_rules', bob)).body,
    latest.content,
  );
  const initial = await api.get('/sync?timeout=0', bob);
  const inInitial = initial.body.account_data.events.find((e: { type: string }) => e.type === 'm.push_rules');
  assert.deepEqual(inInitial.content, latest.content);
});
