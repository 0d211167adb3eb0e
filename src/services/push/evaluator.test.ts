import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { StoredDefaultChange, StoredPushRule } from '../../storage/push-rules-store.js';
import { buildRuleset } from './ruleset.js';
import { compileRuleset, evaluate, outcomeOf } from './evaluator.js';
import type { PushRuleset } from './default-rules.js';
import { pushEvent, type TestEventOptions } from './test-events.js';

const ALICE = '@alice:example.org';
const user = { userId: ALICE, displayName: 'Alice' };

function decide(
  event: Partial<JsonObject> & { content?: JsonObject },
  opts: TestEventOptions = {},
  own: StoredPushRule[] = [],
  changes: StoredDefaultChange[] = [],
) {
  return evaluate(compileRuleset(buildRuleset(ALICE, own, changes)), pushEvent(event, opts), user);
}

const text = (body: string, extra: JsonObject = {}) => ({ content: { msgtype: 'm.text', body, ...extra } });

test('a message in a group room notifies without highlight (.m.rule.message)', () => {
  const d = decide(text('hello'), { memberCount: 5 });
  assert.equal(d?.ruleId, '.m.rule.message');
  assert.deepEqual(d?.outcome, { notify: true, highlight: false });
});

test('a message in a two-member room notifies with sound (.m.rule.room_one_to_one)', () => {
  const d = decide(text('hello'), { memberCount: 2 });
  assert.equal(d?.ruleId, '.m.rule.room_one_to_one');
  assert.deepEqual(d?.outcome, { notify: true, highlight: false, sound: 'default' });
});

test('encrypted events notify (.m.rule.encrypted), with sound in one-to-one rooms', () => {
  const enc = { type: 'm.room.encrypted', content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'x' } };
  assert.equal(decide(enc, { memberCount: 9 })?.ruleId, '.m.rule.encrypted');
  assert.equal(decide(enc, { memberCount: 2 })?.ruleId, '.m.rule.encrypted_room_one_to_one');
});

test('notices are suppressed (.m.rule.suppress_notices)', () => {
  const d = decide({ content: { msgtype: 'm.notice', body: 'bot says hi' } });
  assert.equal(d?.ruleId, '.m.rule.suppress_notices');
  assert.equal(d?.outcome.notify, false);
});

test('m.mentions user_ids naming the user highlights (.m.rule.is_user_mention); others do not', () => {
  const mine = decide(text('hey', { 'm.mentions': { user_ids: [ALICE] } }));
  assert.equal(mine?.ruleId, '.m.rule.is_user_mention');
  assert.deepEqual(mine?.outcome, { notify: true, highlight: true, sound: 'default' });
  const other = decide(text('hey', { 'm.mentions': { user_ids: ['@carol:example.org'] } }));
  assert.equal(other?.ruleId, '.m.rule.message');
});

test('@room (m.mentions.room) highlights only when the sender may notify the room', () => {
  const room = text('all', { 'm.mentions': { room: true } });
  const allowed = decide(room, { senderPowerLevel: 50 });
  assert.equal(allowed?.ruleId, '.m.rule.is_room_mention');
  assert.deepEqual(allowed?.outcome, { notify: true, highlight: true });
  assert.equal(decide(room, { senderPowerLevel: 0 })?.ruleId, '.m.rule.message');
  const lowered = decide(room, { senderPowerLevel: 0, notificationLevels: { room: 0 } });
  assert.equal(lowered?.ruleId, '.m.rule.is_room_mention');
  assert.equal(
    decide(text('all', { 'm.mentions': { room: 'yes' } }), { senderPowerLevel: 100 })?.ruleId,
    '.m.rule.message',
  );
});

test('a body naming the user without m.mentions does not highlight (legacy rules are gone in v1.17)', () => {
  assert.equal(decide(text('alice: lunch?'))?.outcome.highlight, false);
});

test('edits (m.replace) do not notify (.m.rule.suppress_edits)', () => {
  const edit = text('* fixed', {
    'm.new_content': { msgtype: 'm.text', body: 'fixed' },
    'm.relates_to': { rel_type: 'm.replace', event_id: '$orig' },
  });
  const d = decide(edit);
  assert.equal(d?.ruleId, '.m.rule.suppress_edits');
  assert.equal(d?.outcome.notify, false);
  // A thread reply is no edit.
  const reply = text('in thread', { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } });
  assert.equal(decide(reply)?.ruleId, '.m.rule.message');
});

test('an invite for the user notifies (.m.rule.invite_for_me); other member events do not', () => {
  const invite = { type: 'm.room.member', state_key: ALICE, content: { membership: 'invite' } };
  assert.equal(decide(invite)?.ruleId, '.m.rule.invite_for_me');
  assert.equal(decide(invite)?.outcome.notify, true);
  const otherInvite = { ...invite, state_key: '@carol:example.org' };
  assert.equal(decide(otherInvite)?.ruleId, '.m.rule.member_event');
  assert.equal(decide(otherInvite)?.outcome.notify, false);
  const join = { type: 'm.room.member', state_key: '@bob:example.org', content: { membership: 'join' } };
  assert.equal(decide(join)?.outcome.notify, false);
});

test('tombstones highlight; reactions and server ACLs are silent; calls ring', () => {
  const tomb = decide({ type: 'm.room.tombstone', state_key: '', content: { body: 'moved' } });
  assert.deepEqual(tomb?.outcome, { notify: true, highlight: true });
  assert.equal(decide({ type: 'm.room.tombstone', content: {} })?.ruleId, undefined, 'not a state event');
  assert.equal(decide({ type: 'm.reaction', content: {} })?.outcome.notify, false);
  assert.equal(decide({ type: 'm.room.server_acl', state_key: '', content: {} })?.outcome.notify, false);
  assert.equal(decide({ type: 'm.call.invite', content: {} })?.outcome.sound, 'ring');
  assert.equal(decide({ type: 'm.room.topic', state_key: '', content: { topic: 't' } }), undefined);
});

test('disabled rules are skipped; enabling .m.rule.master silences everything', () => {
  const off = [{ kind: 'underride', ruleId: '.m.rule.message', enabled: false, actions: null }];
  assert.equal(decide(text('hello'), {}, [], off), undefined);
  const master = [{ kind: 'override', ruleId: '.m.rule.master', enabled: true, actions: null }];
  assert.equal(
    decide(text('hello', { 'm.mentions': { user_ids: [ALICE] } }), {}, [], master)?.ruleId,
    '.m.rule.master',
  );
  assert.equal(decide(text('hello'), {}, [], master)?.outcome.notify, false);
});

test('changed default actions apply (a highlight on every message)', () => {
  const changes = [
    {
      kind: 'underride',
      ruleId: '.m.rule.message',
      enabled: null,
      actions: '["notify",{"set_tweak":"highlight"}]',
    },
  ];
  assert.deepEqual(decide(text('hello'), {}, [], changes)?.outcome, { notify: true, highlight: true });
});

const own = (
  kind: string,
  ruleId: string,
  actions: unknown[],
  extra: Partial<StoredPushRule> = {},
): StoredPushRule => ({
  kind,
  ruleId,
  position: 0,
  conditions: null,
  pattern: null,
  actions: JSON.stringify(actions),
  enabled: true,
  ...extra,
});

test('a room rule with no actions (or legacy dont_notify) mutes the room, but not mentions', () => {
  for (const actions of [[], ['dont_notify']]) {
    const rules = [own('room', '!room:example.org', actions)];
    const d = decide(text('hello'), {}, rules);
    assert.equal(d?.kind, 'room');
    assert.equal(d?.outcome.notify, false);
    // Override rules come first.
    assert.equal(
      decide(text('x', { 'm.mentions': { user_ids: [ALICE] } }), {}, rules)?.ruleId,
      '.m.rule.is_user_mention',
    );
    assert.equal(
      decide({ ...text('x'), room_id: '!other:example.org' }, {}, rules)?.ruleId,
      '.m.rule.message',
    );
  }
});

test('sender rules match the sender; content rules match body words and come before room rules', () => {
  const rules = [
    own('sender', '@bob:example.org', ['notify', { set_tweak: 'sound', value: 'bob' }]),
    own('room', '!room:example.org', []),
    own('content', 'cake', ['notify', { set_tweak: 'highlight' }], { pattern: 'cake*' }),
  ];
  assert.equal(decide(text('cakes!'), {}, rules)?.ruleId, 'cake');
  assert.equal(decide(text('hello'), {}, rules)?.kind, 'room');
  assert.equal(
    decide({ ...text('hello'), sender: '@bob:example.org', room_id: '!x:y' }, {}, rules)?.outcome.sound,
    'bob',
  );
  assert.equal(decide(text('pancakes'), {}, rules)?.kind, 'room', 'not at a word start');
});

test('user override rules come after .m.rule.master and before the other defaults', () => {
  const conditions = JSON.stringify([{ kind: 'event_match', key: 'content.msgtype', pattern: 'm.notice' }]);
  const rules = [own('override', 'notices', ['notify'], { conditions })];
  assert.equal(decide({ content: { msgtype: 'm.notice', body: 'bot' } }, {}, rules)?.ruleId, 'notices');
  const noConditions = [
    own('override', 'all', ['notify', { set_tweak: 'highlight', value: false }], { conditions: '[]' }),
  ];
  assert.deepEqual(decide(text('x'), {}, noConditions)?.outcome, { notify: true, highlight: false });
});

test('legacy body-mention rules stand down when the event carries m.mentions', () => {
  const ruleset: PushRuleset = { override: [], content: [], room: [], sender: [], underride: [] };
  ruleset.override.push({
    rule_id: '.m.rule.contains_display_name',
    default: true,
    enabled: true,
    conditions: [{ kind: 'contains_display_name' }],
    actions: ['notify', { set_tweak: 'highlight' }],
  });
  const compiled = compileRuleset(ruleset);
  assert.equal(
    evaluate(compiled, pushEvent(text('hi alice')), user)?.ruleId,
    '.m.rule.contains_display_name',
  );
  assert.equal(evaluate(compiled, pushEvent(text('hi alice', { 'm.mentions': {} })), user), undefined);
});

test('outcomes: notify, highlight with and without value, sound, dont_notify', () => {
  assert.deepEqual(outcomeOf([]), { notify: false, highlight: false });
  assert.deepEqual(outcomeOf(['notify', { set_tweak: 'highlight' }]), { notify: true, highlight: true });
  assert.deepEqual(outcomeOf(['notify', { set_tweak: 'highlight', value: false }]), {
    notify: true,
    highlight: false,
  });
  assert.deepEqual(outcomeOf(['notify', 'dont_notify']), { notify: false, highlight: false });
  assert.deepEqual(outcomeOf(['notify', { set_tweak: 'sound', value: 'ring' }]), {
    notify: true,
    highlight: false,
    sound: 'ring',
  });
});

test('user-independent conditions are decided once per event and shared between users', () => {
  const event = pushEvent(text('hello'), { memberCount: 5 });
  const compiledA = compileRuleset(buildRuleset(ALICE, [], []));
  const compiledB = compileRuleset(buildRuleset('@carol:example.org', [], []));
  evaluate(compiledA, event, user);
  const decided = event.decided.size;
  evaluate(compiledB, event, { userId: '@carol:example.org' });
  // Carol's rules differ only in the user id of is_user_mention and invite_for_me conditions.
  assert.ok(event.decided.size <= decided + 2, `${decided} then ${event.decided.size}`);
});
