// The Synapse Admin API over reported events: reports made through the client API are listed newest
// first with the room's name and alias, filtered, paged both ways, shown one at a time with the event and
// deleted; room reports are not event reports; admins only; bad input refused with nothing deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor, type Reply } from '../support/client.js';
import { purgeEvents } from '../../src/storage/room-purge-store.js';

let now = 1_700_000_000_000;
let t: TestApp;
let api: ReturnType<typeof clientFor>;
let root: TestUser;
let mallory: TestUser;
let alice: TestUser;
let bob: TestUser;
let square: string;
let quiet: string;
let m1: string;
let m2: string;
let m3: string;
/** Report ids in the order the reports were made (m1 by bob, m2 by alice, m3 by alice). */
const ids: number[] = [];
let roomReportId: number;

const REPORTS = '/_synapse/admin/v1/event_reports';
const enc = encodeURIComponent;

async function report(user: TestUser, roomId: string, eventId: string | null, body: object) {
  now += 1000;
  const url =
    eventId === null ? `/rooms/${enc(roomId)}/report` : `/rooms/${enc(roomId)}/report/${enc(eventId)}`;
  const res = await api.post(url, user, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const last = await t.deps.database.db
    .selectFrom('event_reports')
    .select('id')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return Number(last.id);
}

before(async () => {
  t = await startTestApp({ clock: () => now });
  api = clientFor(t);
  root = await createTestUser(t, 'root', { admin: true });
  mallory = await createTestUser(t, 'mallory');
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  square = await api.createRoom(alice, {
    preset: 'public_chat',
    name: 'Town Square',
    room_alias_name: 'town',
  });
  quiet = await api.createRoom(bob, { preset: 'public_chat' });
  assert.equal((await api.join(bob, square)).status, 200);
  assert.equal((await api.join(alice, quiet)).status, 200);
  m1 = await api.send(alice, square, 'first');
  m2 = await api.send(bob, square, 'second');
  m3 = await api.send(bob, quiet, 'third');
  ids.push(await report(bob, square, m1, { reason: 'rude', score: -100 }));
  ids.push(await report(alice, square, m2, { reason: 'spam' }));
  ids.push(await report(alice, quiet, m3, {}));
  roomReportId = await report(bob, square, null, { reason: 'whole room' });
});
after(() => t.close());

async function admin(method: 'GET' | 'DELETE', url: string, user?: TestUser): Promise<Reply> {
  const res = await t.app.inject({ method, url, headers: user?.auth ?? {} });
  return { status: res.statusCode, body: res.json() };
}
const get = (url: string, user: TestUser | null = root) => admin('GET', url, user ?? undefined);
const del = (url: string, user: TestUser | null = root) => admin('DELETE', url, user ?? undefined);
const reportCount = async () =>
  Number(
    (
      await t.deps.database.db
        .selectFrom('event_reports')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

function assertError(res: Reply, status: number, errcode: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, what);
}

const eventIds = (res: Reply) => (res.body.event_reports as { event_id: string }[]).map((r) => r.event_id);

test('event reports are listed newest first with Synapse fields; room reports are not event reports', async () => {
  const res = await get(REPORTS);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.total, 3);
  assert.equal(res.body.next_token, undefined);
  assert.deepEqual(eventIds(res), [m3, m2, m1]);
  assert.deepEqual(res.body.event_reports[2], {
    id: ids[0],
    received_ts: 1_700_000_001_000,
    room_id: square,
    name: 'Town Square',
    event_id: m1,
    user_id: bob.userId,
    reason: 'rude',
    score: -100,
    sender: alice.userId,
    canonical_alias: '#town:test.local',
  });
  // A room without name or alias, a report without reason or score: nulls, as Synapse.
  const third = res.body.event_reports[0];
  assert.equal(third.name, null);
  assert.equal(third.canonical_alias, null);
  assert.equal(third.reason, null);
  assert.equal(third.score, null);
  assert.equal(third.sender, bob.userId);

  const forwards = await get(`${REPORTS}?dir=f`);
  assert.deepEqual(eventIds(forwards), [m1, m2, m3]);
});

test('paging: limit and from give next_token while more reports follow', async () => {
  const first = await get(`${REPORTS}?limit=2`);
  assert.deepEqual(eventIds(first), [m3, m2]);
  assert.equal(first.body.next_token, 2);
  assert.equal(first.body.total, 3);
  const second = await get(`${REPORTS}?limit=2&from=${first.body.next_token}`);
  assert.deepEqual(eventIds(second), [m1]);
  assert.equal(second.body.next_token, undefined);
  const none = await get(`${REPORTS}?limit=0`);
  assert.deepEqual(none.body.event_reports, []);
  assert.equal(none.body.next_token, 0);
});

test('filters: reporter and room by part of the id, event sender exactly', async () => {
  assert.deepEqual(eventIds(await get(`${REPORTS}?user_id=${enc('@ALIC')}`)), [m3, m2]);
  assert.deepEqual(eventIds(await get(`${REPORTS}?room_id=${enc(quiet.slice(1, 8))}`)), [m3]);
  const bySender = await get(`${REPORTS}?event_sender_user_id=${enc(bob.userId)}`);
  assert.deepEqual(eventIds(bySender), [m3, m2]);
  assert.equal(bySender.body.total, 2);
  const partial = await get(`${REPORTS}?event_sender_user_id=bob`);
  assert.deepEqual(partial.body, { event_reports: [], total: 0 });
  // LIKE wildcards in a filter are taken literally.
  assert.equal((await get(`${REPORTS}?user_id=%25`)).body.total, 0);
  const both = await get(`${REPORTS}?user_id=alice&room_id=${enc(square)}`);
  assert.deepEqual(eventIds(both), [m2]);
});

test('one report shows the reported event as stored', async () => {
  const res = await get(`${REPORTS}/${ids[1]}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.id, ids[1]);
  assert.equal(res.body.event_id, m2);
  assert.equal(res.body.reason, 'spam');
  assert.equal(res.body.sender, bob.userId);
  assert.equal(res.body.name, 'Town Square');
  assert.equal(res.body.canonical_alias, '#town:test.local');
  assert.equal(res.body.event_json.type, 'm.room.message');
  assert.equal(res.body.event_json.content.body, 'second');
  assert.equal(res.body.event_json.sender, bob.userId);
  assert.ok(res.body.event_json.signatures['test.local'], 'the signed PDU');

  assertError(await get(`${REPORTS}/999999`), 404, 'M_NOT_FOUND');
  // A room report is not an event report.
  assertError(await get(`${REPORTS}/${roomReportId}`), 404, 'M_NOT_FOUND');
});

test('bad parameters: 400 M_INVALID_PARAM', async () => {
  for (const query of ['from=-1', 'limit=-5', 'limit=ten', 'from=1.5', 'dir=x']) {
    assertError(await get(`${REPORTS}?${query}`), 400, 'M_INVALID_PARAM', query);
  }
  for (const id of ['abc', '-1', '1e3']) {
    assertError(await get(`${REPORTS}/${id}`), 400, 'M_INVALID_PARAM', id);
    assertError(await del(`${REPORTS}/${id}`), 400, 'M_INVALID_PARAM', id);
  }
  assert.equal(await reportCount(), 4);
});

test('admins only: 403 for others, 401 without a token, nothing deleted', async () => {
  for (const [method, url] of [
    ['GET', REPORTS],
    ['GET', `${REPORTS}/${ids[0]}`],
    ['DELETE', `${REPORTS}/${ids[0]}`],
  ] as const) {
    assertError(await admin(method, url, mallory), 403, 'M_FORBIDDEN', url);
    assertError(await admin(method, url), 401, 'M_MISSING_TOKEN', url);
  }
  assert.equal(await reportCount(), 4);
});

test('DELETE removes one event report; a second delete and a room report are 404', async () => {
  assertError(await del(`${REPORTS}/${roomReportId}`), 404, 'M_NOT_FOUND');
  assert.equal(await reportCount(), 4);
  const res = await del(`${REPORTS}/${ids[0]}`);
  assert.deepEqual(res, { status: 200, body: {} });
  assertError(await get(`${REPORTS}/${ids[0]}`), 404, 'M_NOT_FOUND');
  assertError(await del(`${REPORTS}/${ids[0]}`), 404, 'M_NOT_FOUND');
  const list = await get(REPORTS);
  assert.equal(list.body.total, 2);
  assert.deepEqual(eventIds(list), [m3, m2]);
  assert.equal(await reportCount(), 3);
});

test('a report whose event was purged is 404 on its own, as Synapse; it is still listed and can be deleted', async () => {
  const m4 = await api.send(bob, quiet, 'fourth');
  const id = await report(alice, quiet, m4, { reason: 'gone soon' });
  assert.equal((await get(`${REPORTS}/${id}`)).status, 200);
  await purgeEvents(t.deps.database.db, { roomId: quiet, beforeStreamOrdering: 0 }, [m4]);
  assertError(await get(`${REPORTS}/${id}`), 404, 'M_NOT_FOUND');
  assert.ok(eventIds(await get(REPORTS)).includes(m4));
  assert.deepEqual(await del(`${REPORTS}/${id}`), { status: 200, body: {} });
});
