import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testEachDatabase } from '../../../test/support/databases.js';
import { migrate } from '../migrate.js';
import { MIGRATIONS } from './index.js';

testEachDatabase(
  'migration 12 indexes the valid relations of events stored before it',
  async (database) => {
    await migrate(database, MIGRATIONS.slice(0, 11));
    const { db } = database;
    let position = 0;
    const insert = async (id: string, sender: string, content: object, redactedBy: string | null = null) => {
      position += 1;
      const json = JSON.stringify({
        type: 'm.room.message',
        sender,
        content,
        origin_server_ts: 1000 + position,
      });
      await sql`insert into events (event_id, room_id, stream_ordering, depth, type, state_key, sender,
        origin_server_ts, membership, json, state_group_before, state_group_after, redacted_by)
      values (${id}, '!r:hs', ${position}, ${position}, 'm.room.message', null, ${sender}, ${1000 + position},
        null, ${json}, 0, 0, ${redactedBy})`.execute(db);
    };
    const relatesTo = (rel_type: string, event_id: string, extra: object = {}) => ({
      'm.relates_to': { rel_type, event_id, ...extra },
    });
    await insert('$root', '@a:hs', { body: 'root' });
    await insert('$edit', '@a:hs', {
      body: '*',
      'm.new_content': { body: 'x' },
      ...relatesTo('m.replace', '$root'),
    });
    await insert('$forged', '@b:hs', {
      body: '*',
      'm.new_content': { body: 'y' },
      ...relatesTo('m.replace', '$root'),
    });
    await insert('$reply', '@b:hs', { body: 'r', ...relatesTo('m.thread', '$root') });
    await insert('$nested', '@b:hs', { body: 'n', ...relatesTo('m.thread', '$reply') });
    await insert('$react', '@b:hs', relatesTo('m.annotation', '$root', { key: '👍' }));
    await insert('$gone', '@b:hs', relatesTo('m.annotation', '$root', { key: '👎' }), '$redaction');
    await insert('$orphan', '@b:hs', relatesTo('m.reference', '$unknown'));
    await migrate(database);
    const rows = await db
      .selectFrom('event_relations')
      .select([
        'event_id',
        'relates_to_id',
        'rel_type',
        'aggregation_key',
        'stream_ordering',
        'origin_server_ts',
      ])
      .orderBy('stream_ordering')
      .execute();
    assert.deepEqual(rows, [
      {
        event_id: '$edit',
        relates_to_id: '$root',
        rel_type: 'm.replace',
        aggregation_key: null,
        stream_ordering: 2,
        origin_server_ts: 1002,
      },
      {
        event_id: '$reply',
        relates_to_id: '$root',
        rel_type: 'm.thread',
        aggregation_key: null,
        stream_ordering: 4,
        origin_server_ts: 1004,
      },
      {
        event_id: '$react',
        relates_to_id: '$root',
        rel_type: 'm.annotation',
        aggregation_key: '👍',
        stream_ordering: 6,
        origin_server_ts: 1006,
      },
    ]);
  },
  { migrate: false },
);
