// The event_relations table: children of events by relationship type, thread summaries and thread lists.
// Every query takes a batch of parents, so bundling aggregations for a page of events costs a fixed number
// of round trips whatever the page's size.
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';
import type { EventRelationsTable } from './schema-relations.js';

export type RelationRow = EventRelationsTable;

/** Records a relation; a second write of the same child (a retried hook) changes nothing. */
export async function insertRelation(db: Kysely<Schema>, row: RelationRow): Promise<void> {
  await db
    .insertInto('event_relations')
    .values(row)
    .onConflict((oc) => oc.column('event_id').doNothing())
    .execute();
}

/** Forgets the relation of a child (it was redacted, so its m.relates_to is gone). */
export async function deleteRelation(db: Kysely<Schema>, eventId: string, roomId: string): Promise<void> {
  await db
    .deleteFrom('event_relations')
    .where('event_id', '=', eventId)
    .where('room_id', '=', roomId)
    .execute();
}

export interface ChildrenQuery {
  parentId: string;
  relType?: string;
  eventType?: string;
  /** Exclusive lower bound on stream ordering. */
  after?: number;
  /** Inclusive upper bound on stream ordering. */
  upTo?: number;
  direction: 'forward' | 'backward';
  limit: number;
  /** Also children of children, down to this many levels (1: direct children only). */
  depth?: number;
}

/**
 * One page of the children of an event, in stream order. With a depth above 1 the descendants count
 * too, and the type filters apply to each descendant's own relation (as Synapse reads `recurse`).
 */
export async function childrenOf(
  db: Kysely<Schema>,
  q: ChildrenQuery,
): Promise<{ event_id: string; stream_ordering: number }[]> {
  let query = db
    .selectFrom('event_relations')
    .select(['event_id', 'stream_ordering'])
    .where((eb) =>
      (q.depth ?? 1) <= 1
        ? eb('relates_to_id', '=', q.parentId)
        : // A relation's parent exists before it, so the walk cannot loop; the depth bounds it anyway.
          eb(
            'event_id',
            'in',
            sql<string>`(with recursive descendants(event_id, depth) as (
              select event_id, 1 from event_relations where relates_to_id = ${q.parentId}
              union
              select r.event_id, d.depth + 1 from event_relations r
                join descendants d on r.relates_to_id = d.event_id
                where d.depth < ${q.depth}
            ) select event_id from descendants)`,
          ),
    );
  if (q.relType !== undefined) query = query.where('rel_type', '=', q.relType);
  if (q.eventType !== undefined) query = query.where('type', '=', q.eventType);
  if (q.after !== undefined) query = query.where('stream_ordering', '>', q.after);
  if (q.upTo !== undefined) query = query.where('stream_ordering', '<=', q.upTo);
  const rows = await query
    .orderBy('stream_ordering', q.direction === 'forward' ? 'asc' : 'desc')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({ event_id: r.event_id, stream_ordering: Number(r.stream_ordering) }));
}

export interface RelationCount {
  parentId: string;
  relType: string;
  count: number;
  /** Stream ordering of the newest child of this type. */
  latest: number;
}

/**
 * How many children of each of `relTypes` every parent among `parentIds` has: one query that tells which
 * parents need a closer look (most events have no children at all).
 */
export async function relationCounts(
  db: Kysely<Schema>,
  parentIds: readonly string[],
  relTypes: readonly string[],
): Promise<RelationCount[]> {
  if (parentIds.length === 0) return [];
  const rows = await db
    .selectFrom('event_relations')
    .select([
      'relates_to_id',
      'rel_type',
      sql<number>`count(*)`.as('count'),
      sql<number>`max(stream_ordering)`.as('latest'),
    ])
    .where('relates_to_id', 'in', parentIds)
    .where('rel_type', 'in', relTypes)
    .groupBy(['relates_to_id', 'rel_type'])
    .execute();
  return rows.map((r) => ({
    parentId: r.relates_to_id,
    relType: r.rel_type,
    count: Number(r.count),
    latest: Number(r.latest),
  }));
}

/** The children at these stream positions (unique per event), by position. */
export async function childrenAt(
  db: Kysely<Schema>,
  positions: readonly number[],
): Promise<Map<number, string>> {
  if (positions.length === 0) return new Map();
  const rows = await db
    .selectFrom('event_relations')
    .select(['event_id', 'stream_ordering'])
    .where('stream_ordering', 'in', positions)
    .execute();
  return new Map(rows.map((r) => [Number(r.stream_ordering), r.event_id]));
}

/** The roots among `rootIds` in whose thread `userId` has replied. */
export async function threadsRepliedTo(
  db: Kysely<Schema>,
  rootIds: readonly string[],
  userId: string,
): Promise<Set<string>> {
  if (rootIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('event_relations')
    .select('relates_to_id')
    .distinct()
    .where('relates_to_id', 'in', rootIds)
    .where('rel_type', '=', 'm.thread')
    .where('sender', '=', userId)
    .execute();
  return new Set(rows.map((r) => r.relates_to_id));
}

/** The children of one rel_type of several parents, oldest first. */
export async function childrenOfType(
  db: Kysely<Schema>,
  parentIds: readonly string[],
  relType: string,
): Promise<{ event_id: string; relates_to_id: string; origin_server_ts: number }[]> {
  if (parentIds.length === 0) return [];
  const rows = await db
    .selectFrom('event_relations')
    .select(['event_id', 'relates_to_id', 'origin_server_ts'])
    .where('relates_to_id', 'in', parentIds)
    .where('rel_type', '=', relType)
    .orderBy('stream_ordering', 'asc')
    .execute();
  return rows.map((r) => ({ ...r, origin_server_ts: Number(r.origin_server_ts) }));
}

export interface ThreadListQuery {
  roomId: string;
  /** Only threads whose latest reply is at or before this position. */
  upTo?: number;
  /** Only threads this user started or replied to. */
  participant?: string;
  limit: number;
}

/** Thread roots of a room, the most recently active first. */
export async function threadRoots(
  db: Kysely<Schema>,
  q: ThreadListQuery,
): Promise<{ rootId: string; latest: number }[]> {
  let query = db
    .selectFrom('event_relations as r')
    .innerJoin('events as root', 'root.event_id', 'r.relates_to_id')
    .select(['r.relates_to_id', sql<number>`max(r.stream_ordering)`.as('latest')])
    .where('r.room_id', '=', q.roomId)
    .where('r.rel_type', '=', 'm.thread')
    .groupBy(['r.relates_to_id', 'root.sender']);
  if (q.upTo !== undefined) query = query.having(sql<number>`max(r.stream_ordering)`, '<=', q.upTo);
  if (q.participant !== undefined) {
    const user = q.participant;
    query = query.having((eb) =>
      eb.or([
        eb('root.sender', '=', user),
        eb(sql<number>`sum(case when r.sender = ${user} then 1 else 0 end)`, '>', 0),
      ]),
    );
  }
  const rows = await query.orderBy('latest', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({ rootId: r.relates_to_id, latest: Number(r.latest) }));
}

/** The stream position of the newest recorded relation (-1 when none). */
export async function newestRelationOrdering(db: Kysely<Schema>): Promise<number> {
  const row = await db
    .selectFrom('event_relations')
    .select((eb) => eb.fn.max('stream_ordering').as('newest'))
    .executeTakeFirst();
  return row?.newest === null || row?.newest === undefined ? -1 : Number(row.newest);
}

/** Ids of unredacted events after `after` that may carry a relation, oldest first, a page at a time. */
export async function possibleChildrenAfter(
  db: Kysely<Schema>,
  after: number,
  limit: number,
): Promise<{ eventId: string; streamOrdering: number }[]> {
  const rows = await db
    .selectFrom('events')
    .select(['event_id', 'stream_ordering'])
    .where('stream_ordering', '>', after)
    .where('json', 'like', '%m.relates_to%')
    .where('redacted_by', 'is', null)
    .orderBy('stream_ordering')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ eventId: r.event_id, streamOrdering: Number(r.stream_ordering) }));
}

export interface AnnotationKey {
  /** The annotated event. */
  relatesToId: string;
  sender: string;
  /** The annotation's event type (m.reaction for reactions). */
  type: string;
  key: string;
}

/**
 * The recorded, unredacted annotations of one sender with this key and type on an event. Redaction marks
 * the event in its own transaction while the relation row goes a moment later, so the event decides.
 */
export async function annotationsOf(db: Kysely<Schema>, a: AnnotationKey): Promise<string[]> {
  const rows = await db
    .selectFrom('event_relations as r')
    .innerJoin('events as e', 'e.event_id', 'r.event_id')
    .select('r.event_id')
    .where('r.relates_to_id', '=', a.relatesToId)
    .where('r.rel_type', '=', 'm.annotation')
    .where('r.sender', '=', a.sender)
    .where('r.type', '=', a.type)
    .where('r.aggregation_key', '=', a.key)
    .where('e.redacted_by', 'is', null)
    .execute();
  return rows.map((r) => r.event_id);
}
