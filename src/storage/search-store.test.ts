// The search index on both databases: a redaction takes out exactly its event's rows, and on SQLite it
// finds them by rowid rather than reading the whole FTS5 index (where event_id cannot be indexed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { scratchSqlite, testEachDatabase } from '../../test/support/databases.js';
import { openDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import {
  deleteSearchRows,
  deleteSearchRowsStatement,
  eventRowids,
  hasSearchRow,
  insertSearchRows,
  newestIndexedOrdering,
  searchEvents,
  type SearchRow,
} from './search-store.js';

const ROOM = '!garden:hs';
const OTHER_ROOM = '!kitchen:hs';

/** Stores each row's event and indexes it. */
async function index(database: Database, rows: readonly SearchRow[]): Promise<void> {
  for (const row of rows) {
    const type = row.key === 'content.body' ? 'm.room.message' : `m.room.${row.key.slice('content.'.length)}`;
    await database.db
      .insertInto('events')
      .values({
        event_id: row.eventId,
        room_id: row.roomId,
        stream_ordering: row.streamOrdering,
        depth: row.streamOrdering,
        type,
        state_key: row.key === 'content.body' ? null : '',
        sender: row.sender,
        origin_server_ts: 1_000 + row.streamOrdering,
        membership: null,
        json: '{}',
        state_group_before: 0,
        state_group_after: 0,
        redacted_by: null,
      })
      .execute();
  }
  await insertSearchRows(database, rows);
}

function row(
  eventId: string,
  streamOrdering: number,
  value: string,
  extra: Partial<SearchRow> = {},
): SearchRow {
  return { eventId, roomId: ROOM, streamOrdering, sender: '@ann:hs', key: 'content.body', value, ...extra };
}

async function found(database: Database, word: string, roomIds = [ROOM, OTHER_ROOM]): Promise<string[]> {
  const hits = await searchEvents(database, {
    terms: [word],
    roomIds,
    keys: ['content.body', 'content.name', 'content.topic'],
    order: 'recent',
    limit: 10,
  });
  return hits.map((h) => h.eventId);
}

testEachDatabase("a redaction removes exactly its event's rows from the index", async (database) => {
  await index(database, [
    row('$name', 1, 'Tulip garden', { key: 'content.name' }),
    row('$topic', 2, 'tulip bulbs and more', { key: 'content.topic' }),
    row('$before', 3, 'tulip planted'),
    row('$secret', 4, 'tulip secret address'),
    row('$after', 5, 'tulip watered'),
    row('$elsewhere', 6, 'tulip soup', { roomId: OTHER_ROOM }),
  ]);
  assert.deepEqual(await found(database, 'secret'), ['$secret']);

  await deleteSearchRows(database, ROOM, '$secret');
  assert.deepEqual(await found(database, 'secret'), []);
  assert.deepEqual(await found(database, 'tulip'), ['$elsewhere', '$after', '$before', '$topic', '$name']);
  assert.equal(await hasSearchRow(database, '$secret', 4), false);
  assert.equal(await hasSearchRow(database, '$after', 5), true);

  // A name or topic is taken out alone too; a redaction naming another room takes nothing.
  await deleteSearchRows(database, ROOM, '$topic');
  await deleteSearchRows(database, ROOM, '$elsewhere');
  await deleteSearchRows(database, ROOM, '$never-stored');
  assert.deepEqual(await found(database, 'tulip'), ['$elsewhere', '$after', '$before', '$name']);
  assert.equal(await newestIndexedOrdering(database), 6);
});

testEachDatabase(
  'an event indexed twice keeps one row, and the newest indexed ordering is found',
  async (database) => {
    assert.equal(await newestIndexedOrdering(database), 0);
    await index(database, [row('$a', 7, 'daffodil'), row('$b', 9, 'daffodil yellow')]);
    // The catch-up and the live indexer can meet on one event.
    await insertSearchRows(database, [row('$a', 7, 'daffodil')]);
    const rows = await database.db
      .selectFrom('event_search')
      .select('event_id')
      .where('event_id', '=', '$a')
      .execute();
    if (database.dialect === 'sqlite') assert.equal(rows.length, 1);
    assert.equal(await newestIndexedOrdering(database), 9);
    await deleteSearchRows(database, ROOM, '$a');
    assert.deepEqual(await found(database, 'daffodil'), ['$b']);
  },
);

test('on SQLite a redaction finds its rows by rowid, without reading the whole index', async () => {
  const scratch = await scratchSqlite();
  const database = await openDatabase(scratch.config);
  try {
    await migrate(database);
    const plan = async (statement: ReturnType<typeof sql>) => {
      const { rows } = await sql<{ detail: string }>`explain query plan ${statement}`.execute(database.db);
      const scan = rows.map((r) => r.detail).find((d) => d.includes('event_search VIRTUAL TABLE'));
      assert.ok(scan, JSON.stringify(rows));
      // FTS5 names the constraints it uses after the colon: '>' and '<' are rowid bounds, 'M' a match.
      return scan.slice(scan.indexOf(':') + 1);
    };
    assert.equal(
      await plan(sql`delete from event_search where event_id = ${'$x'}`),
      '',
      'a scan reads as this',
    );
    assert.match(await plan(deleteSearchRowsStatement(database, ROOM, '$x')), /^(?=.*>)(?=.*<)/);

    // FTS5 drops a bound that is not an integer (and better-sqlite3 binds JS numbers as reals), which the
    // plan cannot show: the bounds must be integers whether the ordering is a number or looked up.
    await index(database, [row('$x', 12, 'crocus')]);
    const lookedUp = sql<number>`select stream_ordering from events where event_id = ${'$x'}`;
    for (const ordering of [12, lookedUp]) {
      const { first, end } = eventRowids(ordering);
      const { rows } = await sql<{ first: string; end: string; a: number; b: number }>`select
        typeof(${first}) as first, typeof(${end}) as end, ${first} as a, ${end} as b`.execute(database.db);
      assert.deepEqual(rows, [{ first: 'integer', end: 'integer', a: 48, b: 52 }]);
    }
  } finally {
    await database.close();
    await scratch.drop();
  }
});
