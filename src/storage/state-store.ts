// Room state as state groups: each group is a delta on the one before it, with a snapshot every
// MAX_DELTA_DEPTH groups so that reading a state walks a bounded chain. Unchanged state is never copied
// per event (events point at the group in force). current_state holds each room's state for fast reads.
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { nextStreamPosition } from './streams.js';

/** State as a map from `type\0state_key` (protocol's stateKeyOf) to event id. */
export type StateEntries = ReadonlyMap<string, string>;

export const MAX_DELTA_DEPTH = 32;

export interface StateGroupRef {
  id: number;
  deltaDepth: number;
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

/**
 * Writes a new group: a delta on `prev` (or a snapshot when there is no prev or its chain is long).
 * `fullState` is the whole state of the new group, needed only when a snapshot is written.
 */
export async function createStateGroup(
  trx: Kysely<Schema>,
  roomId: string,
  prev: StateGroupRef | null,
  delta: StateEntries,
  fullState: StateEntries,
): Promise<StateGroupRef> {
  const id = await nextStreamPosition(trx, 'state_groups');
  const snapshot = prev === null || prev.deltaDepth + 1 >= MAX_DELTA_DEPTH;
  const deltaDepth = snapshot ? 0 : prev.deltaDepth + 1;
  await trx
    .insertInto('state_groups')
    .values({ id, room_id: roomId, prev_group: snapshot ? null : prev.id, delta_depth: deltaDepth })
    .execute();
  const entries = [...(snapshot ? fullState : delta)].map(([key, eventId]) => {
    const [type, stateKey] = splitKey(key);
    return { group_id: id, type, state_key: stateKey, event_id: eventId };
  });
  for (let i = 0; i < entries.length; i += 500) {
    await trx
      .insertInto('state_group_entries')
      .values(entries.slice(i, i + 500))
      .execute();
  }
  return { id, deltaDepth };
}

export async function stateGroupRef(db: Kysely<Schema>, id: number): Promise<StateGroupRef | undefined> {
  const row = await db
    .selectFrom('state_groups')
    .select(['id', 'delta_depth'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? { id: Number(row.id), deltaDepth: Number(row.delta_depth) } : undefined;
}

/** The full state of a group: its chain's deltas applied from the snapshot forward. */
export async function loadStateGroup(db: Kysely<Schema>, id: number): Promise<Map<string, string>> {
  const chain = await sql<{ id: number; prev_group: number | null }>`
    with recursive chain(id, prev_group) as (
      select id, prev_group from state_groups where id = ${id}
      union all
      select g.id, g.prev_group from state_groups g join chain c on g.id = c.prev_group
    )
    select id, prev_group from chain`.execute(db);
  const ids = chain.rows.map((r) => Number(r.id));
  if (ids.length === 0) throw new Error(`state group ${id} does not exist`);
  const rows = await db
    .selectFrom('state_group_entries')
    .select(['group_id', 'type', 'state_key', 'event_id'])
    .where('group_id', 'in', ids)
    .execute();
  // Apply oldest first so the newest delta wins; group ids grow along a chain.
  rows.sort((a, b) => Number(a.group_id) - Number(b.group_id));
  const state = new Map<string, string>();
  for (const row of rows) state.set(`${row.type}\u0000${row.state_key}`, row.event_id);
  return state;
}

export async function updateCurrentState(
  trx: Kysely<Schema>,
  roomId: string,
  delta: ReadonlyMap<string, { eventId: string; membership: string | null }>,
): Promise<void> {
  for (const [key, { eventId, membership }] of delta) {
    const [type, stateKey] = splitKey(key);
    await trx
      .insertInto('current_state')
      .values({ room_id: roomId, type, state_key: stateKey, event_id: eventId, membership })
      .onConflict((oc) =>
        oc.columns(['room_id', 'type', 'state_key']).doUpdateSet({ event_id: eventId, membership }),
      )
      .execute();
  }
}

export async function currentStateIds(db: Kysely<Schema>, roomId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('current_state')
    .select(['type', 'state_key', 'event_id'])
    .where('room_id', '=', roomId)
    .execute();
  return new Map(rows.map((r) => [`${r.type}\u0000${r.state_key}`, r.event_id]));
}

/** Rooms where the user's current membership is one of `memberships`. */
export async function roomsForUser(
  db: Kysely<Schema>,
  userId: string,
  memberships: readonly string[],
): Promise<{ roomId: string; membership: string; eventId: string }[]> {
  const rows = await db
    .selectFrom('current_state')
    .select(['room_id', 'membership', 'event_id'])
    .where('type', '=', 'm.room.member')
    .where('state_key', '=', userId)
    .where('membership', 'in', memberships)
    .execute();
  return rows.map((r) => ({ roomId: r.room_id, membership: r.membership!, eventId: r.event_id }));
}

/** Current members of a room with a given membership. */
export async function roomMembers(db: Kysely<Schema>, roomId: string, membership: string): Promise<string[]> {
  const rows = await db
    .selectFrom('current_state')
    .select('state_key')
    .where('room_id', '=', roomId)
    .where('type', '=', 'm.room.member')
    .where('membership', '=', membership)
    .execute();
  return rows.map((r) => r.state_key);
}

/** Users who share a joined room with `userId` (the user included when joined anywhere). */
export async function usersSharingRooms(db: Kysely<Schema>, userId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('current_state as other')
    .innerJoin('current_state as mine', 'mine.room_id', 'other.room_id')
    .select('other.state_key')
    .distinct()
    .where('mine.type', '=', 'm.room.member')
    .where('mine.state_key', '=', userId)
    .where('mine.membership', '=', 'join')
    .where('other.type', '=', 'm.room.member')
    .where('other.membership', '=', 'join')
    .execute();
  return new Set(rows.map((r) => r.state_key));
}
