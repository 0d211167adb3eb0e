import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import {
  changeDefaultRule,
  defaultRuleChanges,
  deleteAllPushRules,
  deletePushRule,
  setPushRuleOrder,
  updatePushRule,
  upsertPushRule,
  userPushRules,
} from './push-rules-store.js';

const rule = (kind: string, ruleId: string, position: number) => ({
  kind,
  ruleId,
  position,
  conditions: kind === 'override' ? '[]' : null,
  pattern: kind === 'content' ? ruleId : null,
  actions: '["notify"]',
});

testEachDatabase('push rules: upsert, order, enable, delete, per user', async ({ db }) => {
  await upsertPushRule(db, '@a:hs', rule('content', 'x', 0));
  await upsertPushRule(db, '@a:hs', rule('content', 'y', 1));
  await upsertPushRule(db, '@a:hs', rule('override', 'o', 0));
  await upsertPushRule(db, '@b:hs', rule('content', 'x', 0));
  await setPushRuleOrder(db, '@a:hs', 'content', ['y', 'x']);
  const listed = (await userPushRules(db, '@a:hs')).map((r) => [r.kind, r.ruleId, r.position, r.enabled]);
  assert.deepEqual(listed, [
    ['content', 'y', 0, true],
    ['content', 'x', 1, true],
    ['override', 'o', 0, true],
  ]);

  assert.equal(await updatePushRule(db, '@a:hs', 'content', 'x', { enabled: false }), true);
  assert.equal(await updatePushRule(db, '@a:hs', 'content', 'nope', { enabled: false }), false);
  // A replacement keeps the enabled flag and takes the new fields.
  await upsertPushRule(db, '@a:hs', { ...rule('content', 'x', 1), pattern: 'new', actions: '[]' });
  const x = (await userPushRules(db, '@a:hs')).find((r) => r.ruleId === 'x')!;
  assert.deepEqual([x.enabled, x.pattern, x.actions], [false, 'new', '[]']);

  assert.equal(await deletePushRule(db, '@a:hs', 'content', 'y'), true);
  assert.equal(await deletePushRule(db, '@a:hs', 'content', 'y'), false);
  assert.equal(await deletePushRule(db, '@a:hs', 'override', 'x'), false, 'the kind is part of the key');
  assert.deepEqual(
    (await userPushRules(db, '@b:hs')).map((r) => r.ruleId),
    ['x'],
  );
});

testEachDatabase('push rules: changes to default rules merge field by field', async ({ db }) => {
  await changeDefaultRule(db, '@a:hs', 'override', '.m.rule.master', { enabled: true });
  await changeDefaultRule(db, '@a:hs', 'override', '.m.rule.master', { actions: '["notify"]' });
  await changeDefaultRule(db, '@a:hs', 'underride', '.m.rule.message', { actions: '[]' });
  assert.deepEqual(
    (await defaultRuleChanges(db, '@a:hs')).sort((p, q) => p.ruleId.localeCompare(q.ruleId)),
    [
      { kind: 'override', ruleId: '.m.rule.master', enabled: true, actions: '["notify"]' },
      { kind: 'underride', ruleId: '.m.rule.message', enabled: null, actions: '[]' },
    ],
  );
  await changeDefaultRule(db, '@a:hs', 'override', '.m.rule.master', { enabled: false });
  const master = (await defaultRuleChanges(db, '@a:hs')).find((c) => c.ruleId === '.m.rule.master');
  assert.deepEqual(master, {
    kind: 'override',
    ruleId: '.m.rule.master',
    enabled: false,
    actions: '["notify"]',
  });

  await upsertPushRule(db, '@a:hs', rule('content', 'x', 0));
  await changeDefaultRule(db, '@b:hs', 'override', '.m.rule.master', { enabled: true });
  await deleteAllPushRules(db, '@a:hs');
  assert.deepEqual(await userPushRules(db, '@a:hs'), []);
  assert.deepEqual(await defaultRuleChanges(db, '@a:hs'), []);
  assert.equal((await defaultRuleChanges(db, '@b:hs')).length, 1);
});
