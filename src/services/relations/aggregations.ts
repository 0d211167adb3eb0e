// Bundled aggregations (client-server-api, "Aggregations of child events"): unsigned['m.relations'] of
// the events served to a client, worked out for a whole page at once — a fixed number of queries
// whatever the page's size (bar the rare stand-in for an invisible latest reply, below).
//   m.thread    {latest_event, count, current_user_participated}, for events without a relation of their
//               own; latest_event is served like the root and carries its own aggregations.
//   m.replace   the most recent valid edit, served as a full event (v1.7); none for a redacted original.
//   m.reference {chunk: [{event_id}]}.
// Annotations are not bundled (the spec dropped m.annotation aggregations), nor is anything for state
// events, edits or annotations. A bundled child is one the reader may see by history visibility (a former
// member is not shown replies or edits sent after they left): the newest visible reply or edit stands in.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { relationOf } from '../../protocol/relations.js';
import type { StoredEvent } from '../../storage/events-store.js';
import {
  childrenAt,
  childrenOf,
  childrenOfType,
  relationCounts,
  threadsRepliedTo,
} from '../../storage/relations-store.js';
import { stateKeyOf } from '../../protocol/pdu/types.js';
import type { ClientEvent, FormatOptions } from '../rooms/client-event.js';
import type { RoomServices } from '../rooms/index.js';
import { relationsOf } from './relations.js';

/** Formats events for `userId` as ClientEventFormatter does, with their bundled aggregations. */
export async function formatWithAggregations(
  rooms: RoomServices,
  events: readonly StoredEvent[],
  opts: FormatOptions,
  userId: string,
): Promise<ClientEvent[]> {
  const formatted = await rooms.formatter.format(events, opts);
  await bundleAggregations(rooms, events, formatted, opts, userId, true);
  return formatted;
}

async function bundleAggregations(
  rooms: RoomServices,
  events: readonly StoredEvent[],
  formatted: readonly ClientEvent[],
  opts: FormatOptions,
  userId: string,
  withThreads: boolean,
): Promise<void> {
  const relations = relationsOf(rooms);
  if (!relations) return;
  const parents = new Map<string, StoredEvent>();
  for (const stored of events) {
    if (stored.event.state_key !== undefined) continue;
    const own = stored.redactedBy ? undefined : relationOf(stored.event.content);
    if (own?.relType === 'm.replace' || own?.relType === 'm.annotation') continue;
    parents.set(stored.event.event_id, stored);
  }
  if (parents.size === 0) return;
  await relations.settled();
  const db = rooms.store.db;
  const bundles = new Map<string, JsonObject>();
  const bundleOf = (id: string) => {
    let bundle = bundles.get(id);
    if (!bundle) bundles.set(id, (bundle = {}));
    return bundle;
  };

  const counts = await relationCounts(db, [...parents.keys()], ['m.thread', 'm.replace', 'm.reference']);
  const parentsWith = (relType: string) =>
    counts.filter((c) => c.relType === relType && parents.has(c.parentId));

  // A thread root is an event without a relation of its own (a redacted event has lost its relation).
  const threads = withThreads
    ? parentsWith('m.thread').filter((c) => {
        const root = parents.get(c.parentId)!;
        return root.redactedBy !== null || !relationOf(root.event.content);
      })
    : [];
  if (threads.length > 0) {
    const latestIds = await childrenAt(
      db,
      threads.map((c) => c.latest),
    );
    const replied = await threadsRepliedTo(
      db,
      threads.filter((c) => parents.get(c.parentId)!.event.sender !== userId).map((c) => c.parentId),
      userId,
    );
    const latest = await rooms.store.getEvents([...latestIds.values()]);
    const visible = new Set(
      (await visibleTo(rooms, userId, [...latest.values()])).map((e) => e.event.event_id),
    );
    // A reader who cannot see a thread's newest reply (they left before it) gets their newest visible one.
    for (const c of threads) {
      const id = latestIds.get(c.latest);
      if (id === undefined || visible.has(id)) continue;
      const older = await childrenOf(db, {
        parentId: c.parentId,
        relType: 'm.thread',
        upTo: c.latest - 1,
        direction: 'backward',
        limit: 50,
      });
      const found = await rooms.store.getEvents(older.map((r) => r.event_id));
      const [newest] = await visibleTo(
        rooms,
        userId,
        older.flatMap((r) => found.get(r.event_id) ?? []),
      );
      if (newest) {
        latestIds.set(c.latest, newest.event.event_id);
        latest.set(newest.event.event_id, newest);
        visible.add(newest.event.event_id);
      } else latestIds.delete(c.latest);
    }
    const latestEvents = [...latest.values()].filter((e) => visible.has(e.event.event_id));
    // The latest replies get their own edits and references, but no threads: a reply is no root.
    const latestFormatted = await rooms.formatter.format(latestEvents, opts);
    await bundleAggregations(rooms, latestEvents, latestFormatted, opts, userId, false);
    const byId = new Map(latestFormatted.map((e) => [e.event_id, e]));
    for (const c of threads) {
      const latestEvent = byId.get(latestIds.get(c.latest) ?? '');
      if (!latestEvent) continue;
      bundleOf(c.parentId)['m.thread'] = {
        latest_event: latestEvent,
        count: c.count,
        current_user_participated:
          parents.get(c.parentId)!.event.sender === userId || replied.has(c.parentId),
      };
    }
  }

  // Edits of a redacted original are not bundled.
  const editable = parentsWith('m.replace')
    .filter((c) => !parents.get(c.parentId)!.redactedBy)
    .map((c) => c.parentId);
  const editRows = await childrenOfType(db, editable, 'm.replace');
  const editEvents = await rooms.store.getEvents(editRows.map((e) => e.event_id));
  const visibleEdits = new Set(
    (await visibleTo(rooms, userId, [...editEvents.values()])).map((e) => e.event.event_id),
  );
  const edits = editRows.filter((e) => visibleEdits.has(e.event_id));
  // The most recent edit: latest origin_server_ts, then the lexicographically largest event id.
  const latestEdit = new Map<string, { event_id: string; origin_server_ts: number }>();
  for (const edit of edits) {
    const best = latestEdit.get(edit.relates_to_id);
    if (
      !best ||
      edit.origin_server_ts > best.origin_server_ts ||
      (edit.origin_server_ts === best.origin_server_ts && edit.event_id > best.event_id)
    )
      latestEdit.set(edit.relates_to_id, edit);
  }
  if (latestEdit.size > 0) {
    const ordered = [...latestEdit].flatMap(([parentId, e]) => {
      const stored = editEvents.get(e.event_id);
      return stored ? [{ parentId, stored }] : [];
    });
    const editsFormatted = await rooms.formatter.format(
      ordered.map((o) => o.stored),
      opts,
    );
    ordered.forEach((o, i) => (bundleOf(o.parentId)['m.replace'] = editsFormatted[i]!));
  }

  const referenced = parentsWith('m.reference').map((c) => c.parentId);
  for (const ref of await childrenOfType(db, referenced, 'm.reference')) {
    const bundle = bundleOf(ref.relates_to_id);
    const chunk = ((bundle['m.reference'] as { chunk: JsonObject[] } | undefined) ??= { chunk: [] }).chunk;
    chunk.push({ event_id: ref.event_id });
  }

  if (bundles.size === 0) return;
  for (const event of formatted) {
    const bundle = bundles.get(event.event_id);
    if (bundle)
      event.unsigned['m.relations'] = { ...(event.unsigned['m.relations'] as JsonObject), ...bundle };
  }
}

/** The events `userId` may see by history visibility, judged with their membership in each room now. */
async function visibleTo(
  rooms: RoomServices,
  userId: string,
  events: readonly StoredEvent[],
): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  const byRoom = new Map<string, StoredEvent[]>();
  for (const e of events) byRoom.set(e.event.room_id, [...(byRoom.get(e.event.room_id) ?? []), e]);
  for (const [roomId, inRoom] of byRoom) {
    const room = await rooms.store.runtime(roomId);
    const memberId = room?.state.get(stateKeyOf('m.room.member', userId));
    const member = memberId ? await rooms.store.getEvent(memberId) : undefined;
    const joined = member?.event.content.membership === 'join';
    out.push(...(await rooms.visibility.filter(userId, inRoom, joined)));
  }
  return out;
}
