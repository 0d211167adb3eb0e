// Push rule evaluation and notification storage for a room of 1,000 local members (issue 7's target: a
// message costs at most a few ms of CPU for rules). In one run:
//   - pure evaluation of the default rules for 1,000 users, per message (plain, mention, 2 KB body),
//     beside the same loop with an empty ruleset (the floor: one PushEvent, 1,000 calls that match nothing)
//     and beside compiling every ruleset afresh per message (what the ruleset cache saves);
//   - Notifications.evaluate() on a real room (room facts from the state cache, rulesets cached), CPU time;
//   - storing the ~1,000 rows of one message in one transaction, and moving them from the recent table
//     into the per-user one, beside persisting the message itself;
//   - the first evaluation with a cold ruleset cache (1,000 rulesets loaded in batches and compiled).
// Run: node --import tsx bench/push-rules.ts   (about half a minute; SQLite, or PostgreSQL when
// HEARTH_TEST_POSTGRES_URL is set; BENCH_MESSAGES sets the number of messages, 200 by default)
import { performance } from 'node:perf_hooks';
import type { JsonObject } from '../src/protocol/canonical-json.js';
import { buildRuleset } from '../src/services/push/ruleset.js';
import { compileRuleset, evaluate, type CompiledRuleset } from '../src/services/push/evaluator.js';
import { PushEvent } from '../src/services/push/push-event.js';
import { Notifications } from '../src/services/push/notifications.js';
import { insertPushActions } from '../src/storage/push-actions-store.js';
import { startTestApp } from '../test/support/app.js';

const MEMBERS = 1_000;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200);
const SERVER = 'test.local';
const member = (i: number) => `@member${i}:${SERVER}`;

function summary(samples: number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p99: at(0.99) };
}

function line(label: string, samples: number[], baseline?: number): void {
  const { median, p99 } = summary(samples);
  const ratio = baseline ? `  (${(median / baseline).toFixed(1)}× baseline)` : '';
  console.log(`${label.padEnd(58)} median ${median.toFixed(3)} ms  p99 ${p99.toFixed(3)} ms${ratio}`);
}

function time(work: () => void, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    out.push(performance.now() - started);
  }
  return out;
}

const message = (body: string, extra: JsonObject = {}): JsonObject => ({
  type: 'm.room.message',
  sender: '@sender:test.local',
  room_id: '!room:test.local',
  event_id: '$e',
  content: { msgtype: 'm.text', body, ...extra },
});

function pureEvaluation(): void {
  const users = Array.from({ length: MEMBERS }, (_, i) => member(i));
  const rulesets = new Map(users.map((u) => [u, compileRuleset(buildRuleset(u, [], []))]));
  const empty: CompiledRuleset = compileRuleset({
    override: [],
    content: [],
    room: [],
    sender: [],
    underride: [],
  });
  const run = (event: JsonObject, ruleset: (u: string) => CompiledRuleset) => () => {
    const pushEvent = new PushEvent({
      event,
      memberCount: MEMBERS,
      senderPowerLevel: 0,
      notificationLevels: new Map(),
    });
    let notified = 0;
    for (const userId of users)
      if (evaluate(ruleset(userId), pushEvent, { userId })?.outcome.notify) notified++;
    if (notified < 0) throw new Error('unreachable');
  };
  const runs = MESSAGES * 5;
  // Warm up the JIT on every path first.
  for (const f of [run(message('x'), () => empty), run(message('x'), (u) => rulesets.get(u)!)]) time(f, 200);
  const baseline = summary(
    time(
      run(message('hello'), () => empty),
      runs,
    ),
  ).median;
  console.log(`\nPure evaluation, ${MEMBERS} users per message`);
  line(
    'empty ruleset (baseline)',
    time(
      run(message('hello'), () => empty),
      runs,
    ),
  );
  line(
    'default rules, plain message',
    time(
      run(message('hello there'), (u) => rulesets.get(u)!),
      runs,
    ),
    baseline,
  );
  const mentions = { 'm.mentions': { user_ids: [member(1), member(2)] } };
  line(
    'default rules, mentioning two users',
    time(
      run(message('hi', mentions), (u) => rulesets.get(u)!),
      runs,
    ),
    baseline,
  );
  const long = 'lorem ipsum dolor sit amet, '.repeat(75);
  line(
    'default rules, 2 KB body',
    time(
      run(message(long), (u) => rulesets.get(u)!),
      runs,
    ),
    baseline,
  );
  line(
    'rulesets compiled afresh per message (no cache)',
    time(
      run(message('hello'), (u) => compileRuleset(buildRuleset(u, [], []))),
      20,
    ),
    baseline,
  );
}

async function roomEvaluation(): Promise<void> {
  const t = await startTestApp();
  try {
    const { rooms, database, logger } = t.deps;
    // The benchmark drives evaluation itself, so the hooks of deps.ts stay out of it.
    rooms.pipeline.afterPersist.length = 0;
    rooms.pipeline.derived.length = 0;
    const creator = `@creator:${SERVER}`;
    const { roomId } = await rooms.creation.createRoom(creator, { preset: 'public_chat' });
    const setupStarted = performance.now();
    for (let i = 0; i < MEMBERS; i++) await rooms.membership.join(roomId, member(i));
    console.log(
      `\nRoom of ${MEMBERS} local members (joined in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s), ${database.dialect}`,
    );

    const send = (i: number) =>
      rooms.pipeline.send({
        roomId,
        type: 'm.room.message',
        sender: member(i % MEMBERS),
        content: { msgtype: 'm.text', body: `message ${i}` },
      });
    const cold = new Notifications({ database, store: rooms.store, serverName: SERVER, logger });
    const first = await send(0);
    let started = performance.now();
    const firstRows = await cold.evaluate(first);
    console.log(
      `first evaluation, cold ruleset cache (${firstRows.length} rulesets loaded): ${(performance.now() - started).toFixed(1)} ms`,
    );

    const persist: number[] = [];
    const evaluateWall: number[] = [];
    const evaluateCpu: number[] = [];
    const store: number[] = [];
    const move: number[] = [];
    let rowsPerMessage = 0;
    for (let i = 1; i <= MESSAGES; i++) {
      started = performance.now();
      const stored = await send(i);
      persist.push(performance.now() - started);
      const cpuStart = process.cpuUsage();
      started = performance.now();
      const rows = await cold.evaluate(stored);
      evaluateWall.push(performance.now() - started);
      const cpu = process.cpuUsage(cpuStart);
      evaluateCpu.push((cpu.user + cpu.system) / 1000);
      started = performance.now();
      await insertPushActions(database.db, rows);
      store.push(performance.now() - started);
      // The server moves the recent rows every 100 ms (push-actions-store.ts): here after each message.
      started = performance.now();
      await insertPushActions(database.db, [], { rotate: true });
      move.push(performance.now() - started);
      rowsPerMessage = rows.length;
    }
    const persistMedian = summary(persist).median;
    line('persisting the message itself (baseline)', persist);
    line('Notifications.evaluate(), wall', evaluateWall, persistMedian);
    line('Notifications.evaluate(), CPU', evaluateCpu, persistMedian);
    line(`storing ${rowsPerMessage} rows in one transaction`, store, persistMedian);
    line(`moving them into the per-user table`, move, persistMedian);
  } finally {
    await t.close();
  }
}

pureEvaluation();
await roomEvaluation();
