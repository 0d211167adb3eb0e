// Purges against tables that can only be searched by reading them whole: the search index (FTS5 cannot
// index the event id) and push actions (keyed by user first). A purge must read each of them a fixed
// number of times, not once per batch of 500 events, and still leave none of a purged event's rows.
import assert from 'node:assert/strict';
import {
  TableNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { testEachDatabase } from '../../test/support/databases.js';
import type { Database } from './database.js';
import { historyToPurge, purgeEvents, purgeRoomRows } from './room-purge-store.js';
import { insertSearchRows } from './search-store.js';

const ROOM = '!doomed:hs';
const OTHER = '!other:hs';
/** Three batches of the purge's 500. */
const MESSAGES = 1_200;

/** Counts the DELETE statements run against each table. */
class DeleteCounter implements KyselyPlugin {
  readonly deletes = new Map<string, number>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind === 'DeleteQueryNode') {
      for (const from of node.from.froms) {
        if (!TableNode.is(from)) continue;
        const table = from.table.identifier.name;
        this.deletes.set(table, (this.deletes.get(table) ?? 0) + 1);
      }
    }
    return node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

/** A room's create event (state, kept by a history purge) and its messages, each searchable and notifying. */
async function fillRoom(database: Database, roomId: string, firstOrdering: number): Promise<string[]> {
  const db = database.db;
  const ids: string[] = [];
  const rows = [];
  for (let i = 0; i <= MESSAGES; i++) {
    const eventId = `$${roomId.slice(1, 4)}${i}`;
    const state = i === 0;
    ids.push(eventId);
    rows.push({
      event_id: eventId,
      room_id: roomId,
      stream_ordering: firstOrdering + i,
      depth: i + 1,
      type: state ? 'm.room.name' : 'm.room.message',
      state_key: state ? '' : null,
      sender: '@remote:elsewhere',
      origin_server_ts: 1_000 + i,
      membership: null,
      json: '{}',
      state_group_before: 0,
      state_group_after: 0,
      redacted_by: null,
    });
  }
  for (let i = 0; i < rows.length; i += 100)
    await db
      .insertInto('events')
      .values(rows.slice(i, i + 100))
      .execute();
  await insertSearchRows(
    database,
    rows.map((r) => ({
      eventId: r.event_id,
      roomId,
      streamOrdering: r.stream_ordering,
      sender: r.sender,
      key: r.state_key === null ? 'content.body' : 'content.name',
      value: `words ${r.event_id}`,
    })),
  );
  const actions = rows.map((r) => ({
    room_id: roomId,
    user_id: '@alice:hs',
    event_id: r.event_id,
    stream_ordering: r.stream_ordering,
    thread_id: 'main',
    notify: 1,
    highlight: 0,
  }));
  for (let i = 0; i < actions.length; i += 100)
    await db
      .insertInto('event_push_actions')
      .values(actions.slice(i, i + 100))
      .execute();
  const txns = rows.map((r, i) => ({
    stream_ordering: r.stream_ordering,
    txn_id: `t${i}`,
    user_id: '@alice:hs',
    device_id: 'DEV',
    endpoint: `send/${roomId}/m.room.message`,
    event_id: r.event_id,
    created_ts: 1,
  }));
  for (let i = 0; i < txns.length; i += 100)
    await db
      .insertInto('event_txns')
      .values(txns.slice(i, i + 100))
      .execute();
  return ids;
}

/** The events of a room whose transaction ids are still stored. */
async function txnEventIds(database: Database, roomId: string) {
  const rows = await database.db
    .selectFrom('event_txns')
    .select('event_id')
    .where('endpoint', '=', `send/${roomId}/m.room.message`)
    .execute();
  return new Set(rows.map((r) => r.event_id));
}

async function eventIdsIn(database: Database, table: 'event_search' | 'event_push_actions', roomId: string) {
  const rows = await database.db.selectFrom(table).select('event_id').where('room_id', '=', roomId).execute();
  return new Set(rows.map((r) => r.event_id));
}

testEachDatabase(
  'a history purge reads the search index and push actions once, and clears them',
  async (database) => {
    const ids = await fillRoom(database, ROOM, 1);
    await fillRoom(database, OTHER, 10_000);
    const counter = new DeleteCounter();
    const db = database.db.withPlugin(counter);
    const cut = { roomId: ROOM, beforeStreamOrdering: 1_002, deleteLocalEvents: true, serverName: 'hs' };
    const purged = await historyToPurge(db, cut);
    assert.equal(purged.length, 1_000);
    await purgeEvents(db, cut, purged);

    assert.equal(counter.deletes.get('events'), 2);
    assert.equal(counter.deletes.get('event_search'), 1);
    assert.equal(counter.deletes.get('event_push_actions'), 1);
    // Kept: the state event before the cut and every event from the cut on; the other room untouched.
    const kept = [ids[0]!, ...ids.slice(1_001)].sort();
    for (const table of ['event_search', 'event_push_actions'] as const) {
      assert.deepEqual([...(await eventIdsIn(database, table, ROOM))].sort(), kept, table);
      assert.equal((await eventIdsIn(database, table, OTHER)).size, MESSAGES + 1, table);
    }
    assert.deepEqual([...(await txnEventIds(database, ROOM))].sort(), kept, 'transaction ids');
    assert.equal((await txnEventIds(database, OTHER)).size, MESSAGES + 1, 'transaction ids');
  },
);

testEachDatabase(
  'a history purge resumed after its events went still clears their search rows',
  async (database) => {
    const ids = await fillRoom(database, ROOM, 1);
    // What a crash between the event batches and the clean-up leaves: events gone, their rows not.
    await database.db.deleteFrom('events').where('event_id', 'in', ids.slice(1, 11)).execute();
    await purgeEvents(database.db, { roomId: ROOM, beforeStreamOrdering: 1_001 }, []);
    for (const table of ['event_search', 'event_push_actions'] as const) {
      const left = await eventIdsIn(database, table, ROOM);
      assert.equal(left.size, MESSAGES + 1 - 10, table);
      assert.ok(!left.has(ids[1]!), table);
    }
  },
);

testEachDatabase(
  'a room purge reads the search index and push actions a fixed number of times',
  async (database) => {
    await fillRoom(database, ROOM, 1);
    await fillRoom(database, OTHER, 10_000);
    const counter = new DeleteCounter();
    await purgeRoomRows(database.db.withPlugin(counter), ROOM);
    // The first transaction and the final sweep; not once per batch of events.
    assert.equal(counter.deletes.get('events'), 3);
    assert.equal(counter.deletes.get('event_search'), 2);
    assert.equal(counter.deletes.get('event_push_actions'), 2);
    assert.equal((await txnEventIds(database, ROOM)).size, 0, 'transaction ids');
    assert.equal((await txnEventIds(database, OTHER)).size, MESSAGES + 1, 'transaction ids');
    for (const table of ['event_search', 'event_push_actions'] as const) {
      assert.equal((await eventIdsIn(database, table, ROOM)).size, 0, table);
      assert.equal((await eventIdsIn(database, table, OTHER)).size, MESSAGES + 1, table);
    }
    const events = await database.db
      .selectFrom('events')
      .select('event_id')
      .where('room_id', '=', ROOM)
      .execute();
    assert.equal(events.length, 0);
  },
);
