import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../../test/support/databases.js';
import { migrate } from '../migrate.js';
import { deleteSearchRows, hasSearchRow, newestIndexedOrdering, searchEvents } from '../search-store.js';
import { MIGRATIONS } from './index.js';

const ROOM = '!r:hs';

testEachDatabase(
  'migration 18 keeps the search rows written before it, and redactions then delete them',
  async (database) => {
    await migrate(database, MIGRATIONS.slice(0, 17));
    const { db } = database;
    const postgres = database.dialect === 'postgres';
    // Rows as Hearth wrote them before: on SQLite with rowids FTS5 chose (1, 2, 3, ...).
    const old = async (eventId: string, ordering: number, key: string, value: string) => {
      const type = key === 'content.body' ? 'm.room.message' : `m.room.${key.slice('content.'.length)}`;
      await sql`insert into events (event_id, room_id, stream_ordering, depth, type, state_key, sender,
          origin_server_ts, membership, json, state_group_before, state_group_after, redacted_by)
        values (${eventId}, ${ROOM}, ${ordering}, ${ordering}, ${type}, ${key === 'content.body' ? null : ''},
          '@a:hs', ${ordering}, null, '{}', 0, 0, null)
        on conflict do nothing`.execute(db);
      await sql`insert into event_search (event_id, room_id, stream_ordering, sender, key, value
          ${postgres ? sql`, vector` : sql``})
        values (${eventId}, ${ROOM}, ${ordering}, '@a:hs', ${key}, ${value}
          ${postgres ? sql`, to_tsvector('simple', ${value})` : sql``})`.execute(db);
    };
    await old('$topic', 3, 'content.topic', 'orchard talk');
    await old('$late', 20, 'content.body', 'plum harvest late');
    await old('$name', 2, 'content.name', 'Plum orchard');
    await old('$early', 5, 'content.body', 'plum blossom');
    // Indexed twice (the catch-up and the indexer met), which on SQLite nothing prevented.
    if (!postgres) await old('$early', 5, 'content.body', 'plum blossom');

    const result = await migrate(database);
    assert.deepEqual(result.applied.slice(0, 1), ['18-search-rowids']);

    const found = async (word: string) =>
      (
        await searchEvents(database, {
          terms: [word],
          roomIds: [ROOM],
          keys: ['content.body', 'content.name', 'content.topic'],
          order: 'recent',
          limit: 10,
        })
      ).map((h) => h.eventId);
    assert.deepEqual(await found('plum'), ['$late', '$early', '$name']);
    assert.deepEqual(await found('orchard'), ['$topic', '$name']);
    assert.equal(await newestIndexedOrdering(database), 20);
    if (!postgres) {
      const { rows } = await sql<{ rowid: number; event_id: string }>`select rowid, event_id from event_search
        order by rowid`.execute(db);
      assert.deepEqual(rows, [
        { rowid: 9, event_id: '$name' },
        { rowid: 14, event_id: '$topic' },
        { rowid: 20, event_id: '$early' },
        { rowid: 80, event_id: '$late' },
      ]);
    }

    await deleteSearchRows(database, ROOM, '$early');
    await deleteSearchRows(database, ROOM, '$name');
    assert.deepEqual(await found('plum'), ['$late']);
    assert.deepEqual(await found('orchard'), ['$topic']);
    assert.equal(await hasSearchRow(database, '$early', 5), false);
    assert.equal(await hasSearchRow(database, '$topic', 3), true);
  },
  { migrate: false },
);
