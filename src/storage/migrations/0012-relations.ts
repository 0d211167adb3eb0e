import type { Migration } from '../migrate.js';
import { isValidRelation, relationOf, type RelatedEvent } from '../../protocol/relations.js';

/**
 * Valid relationships between events (client-server-api, "Forming relationships between events"): one row
 * per child event whose content.m.relates_to passed the rules of its rel_type, so that /relations,
 * /threads and bundled aggregations read an index instead of parsing event JSON. Events stored before
 * this version are indexed here too, so a database upgraded in place aggregates its old edits and threads.
 */
export const relations: Migration = {
  version: 12,
  name: 'relations',
  async up(db) {
    await db.schema
      .createTable('event_relations')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('relates_to_id', 'text', (c) => c.notNull())
      .addColumn('rel_type', 'text', (c) => c.notNull())
      .addColumn('room_id', 'text', (c) => c.notNull())
      .addColumn('sender', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('stream_ordering', 'bigint', (c) => c.notNull())
      // m.replace picks the latest edit by origin_server_ts (then event id), not by arrival.
      .addColumn('origin_server_ts', 'bigint', (c) => c.notNull())
      .addColumn('aggregation_key', 'text')
      .execute();
    await db.schema
      .createIndex('event_relations_parent')
      .on('event_relations')
      .columns(['relates_to_id', 'rel_type', 'stream_ordering'])
      .execute();
    // The thread list of a room, newest activity first.
    await db.schema
      .createIndex('event_relations_room')
      .on('event_relations')
      .columns(['room_id', 'rel_type', 'stream_ordering'])
      .execute();

    // Backfill, a page of candidates at a time (a redacted event has lost its relation).
    let after = -1;
    for (;;) {
      const rows = (await db
        .selectFrom('events')
        .select(['event_id', 'room_id', 'stream_ordering', 'json'])
        .where('json', 'like', '%m.relates_to%')
        .where('redacted_by', 'is', null)
        .where('stream_ordering', '>', after)
        .orderBy('stream_ordering')
        .limit(500)
        .execute()) as EventRow[];
      if (rows.length === 0) break;
      after = Number(rows[rows.length - 1]!.stream_ordering);
      const children = rows.flatMap((row) => {
        const event = toRelated(row);
        const relation = relationOf(event.content);
        return relation ? [{ row, event, relation }] : [];
      });
      const parentIds = [...new Set(children.map((c) => c.relation.eventId))];
      const parents = new Map<string, { event: RelatedEvent; redacted: boolean }>();
      if (parentIds.length > 0) {
        const parentRows = (await db
          .selectFrom('events')
          .select(['event_id', 'room_id', 'stream_ordering', 'json', 'redacted_by'])
          .where('event_id', 'in', parentIds)
          .execute()) as (EventRow & { redacted_by: string | null })[];
        for (const p of parentRows)
          parents.set(p.event_id, { event: toRelated(p), redacted: p.redacted_by !== null });
      }
      const values = children.flatMap(({ row, event, relation }) => {
        const parent = parents.get(relation.eventId);
        if (!parent) return [];
        const parentRelation = parent.redacted ? undefined : relationOf(parent.event.content);
        if (!isValidRelation(event, relation, parent.event, parentRelation)) return [];
        return [
          {
            event_id: event.event_id,
            relates_to_id: relation.eventId,
            rel_type: relation.relType,
            room_id: event.room_id,
            sender: event.sender,
            type: event.type,
            stream_ordering: Number(row.stream_ordering),
            origin_server_ts: event.origin_server_ts,
            aggregation_key: relation.relType === 'm.annotation' ? (relation.key ?? null) : null,
          },
        ];
      });
      if (values.length > 0) await db.insertInto('event_relations').values(values).execute();
    }
  },
};

interface EventRow {
  event_id: string;
  room_id: string;
  stream_ordering: number | string;
  json: string;
}

function toRelated(row: EventRow): RelatedEvent & { origin_server_ts: number } {
  const pdu = JSON.parse(row.json) as Omit<RelatedEvent, 'event_id' | 'room_id'> & {
    origin_server_ts: number;
  };
  // Event ids of v3+ rooms, and room ids of v12 rooms, live in their columns, not in the PDU.
  return { ...pdu, content: pdu.content ?? {}, event_id: row.event_id, room_id: row.room_id };
}
