// The `ephemeral` section of each joined room in /sync: m.typing (who is typing now) and m.receipt (read
// receipts). An initial sync, or a room joined since the token, gets every current receipt and the typing
// list if anyone types; an incremental one gets the receipts written, and the typing lists changed, since
// the token. m.read.private receipts go to their owner only.
//
// The room filter's `ephemeral` part applies: types and not_types to the event types, senders and
// not_senders to the users inside them (the receipting or typing user, as these events have no sender of
// their own), limit to the number of events per room.
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { Database } from '../../storage/database.js';
import { receiptsForRooms, type ReceiptRecord } from '../../storage/receipts-store.js';
import type { Typing } from '../ephemeral/typing.js';
import { READ_PRIVATE } from '../receipts/receipts.js';
import { typeMatches, type RoomEventFilter } from './filter.js';

export interface EphemeralQuery {
  userId: string;
  /** Joined rooms the sync covers; `full` when the client gets the room whole (initial or newly joined). */
  rooms: { roomId: string; full: boolean }[];
  since: { receipts: number; typing: number };
  upTo: { receipts: number };
  filter: RoomEventFilter;
}

/** Each room's ephemeral events; rooms with none are left out. */
export async function ephemeralByRoom(
  database: Database,
  typing: Typing,
  q: EphemeralQuery,
): Promise<Map<string, JsonObject[]>> {
  const out = new Map<string, JsonObject[]>();
  const userWanted = (userId: string) =>
    !q.filter.notSenders.includes(userId) && (!q.filter.senders || q.filter.senders.includes(userId));
  const add = (roomId: string, event: JsonObject) => {
    const list = out.get(roomId) ?? [];
    if (q.filter.limit !== undefined && list.length >= q.filter.limit) return;
    list.push(event);
    out.set(roomId, list);
  };

  if (typeMatches(q.filter, 'm.typing')) {
    for (const { roomId, full } of q.rooms) {
      const users = typing.typingIn(roomId).filter(userWanted);
      const send = full ? users.length > 0 : typing.changedSince(roomId, q.since.typing);
      if (send) add(roomId, { type: 'm.typing', content: { user_ids: users } });
    }
  }

  if (typeMatches(q.filter, 'm.receipt')) {
    const full = q.rooms.filter((r) => r.full).map((r) => r.roomId);
    const delta = q.rooms.filter((r) => !r.full).map((r) => r.roomId);
    const records = [
      ...(await receiptsForRooms(database.db, full, 0, q.upTo.receipts)),
      ...(await receiptsForRooms(database.db, delta, q.since.receipts, q.upTo.receipts)),
    ].filter((r) => (r.receiptType !== READ_PRIVATE || r.userId === q.userId) && userWanted(r.userId));
    for (const [roomId, content] of receiptContents(records)) add(roomId, { type: 'm.receipt', content });
  }
  return out;
}

/** Receipts grouped per room in the spec's shape: {eventId: {receiptType: {userId: {ts, thread_id?}}}}. */
function receiptContents(records: readonly ReceiptRecord[]): Map<string, JsonObject> {
  const rooms = new Map<string, Record<string, Record<string, Record<string, unknown>>>>();
  for (const r of records) {
    let content = rooms.get(r.roomId);
    if (!content) rooms.set(r.roomId, (content = {}));
    const byType = (content[r.eventId] ??= {});
    const byUser = (byType[r.receiptType] ??= {});
    // One user may hold several receipts of a type on one event (unthreaded and threaded): the spec's shape
    // has room for one, and the unthreaded one is what clients that know no threads read.
    if (byUser[r.userId] === undefined || r.threadId === '') byUser[r.userId] = r.data;
  }
  return rooms as unknown as Map<string, JsonObject>;
}
