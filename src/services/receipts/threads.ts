// Which thread an event is in, for checking a threaded receipt's thread_id (client-server-api, "Threaded
// read receipts"): an event is in a thread when it has an m.thread relation, or when it relates (by any
// relation, up to a few hops) to an event that has one. Thread roots, and events relating to them by a
// non-thread relation, are in the main timeline.
import type { RoomEvent } from '../../protocol/pdu/types.js';

/** The spec's recommended bound on following relations. */
const MAX_HOPS = 3;

export const MAIN_TIMELINE = 'main';

type Fetch = (eventId: string) => Promise<RoomEvent | undefined>;

function relation(event: RoomEvent): { relType?: string; eventId?: string } {
  const relatesTo = (event.content as Record<string, unknown>)['m.relates_to'];
  if (typeof relatesTo !== 'object' || relatesTo === null || Array.isArray(relatesTo)) return {};
  const { rel_type: relType, event_id: eventId } = relatesTo as Record<string, unknown>;
  return {
    relType: typeof relType === 'string' ? relType : undefined,
    eventId: typeof eventId === 'string' ? eventId : undefined,
  };
}

/** The thread root an event belongs to, or 'main'. */
export async function threadOf(event: RoomEvent, fetch: Fetch): Promise<string> {
  let current: RoomEvent | undefined = event;
  for (let hop = 0; current && hop <= MAX_HOPS; hop++) {
    const { relType, eventId } = relation(current);
    if (!eventId) return MAIN_TIMELINE;
    if (relType === 'm.thread') return eventId;
    current = await fetch(eventId);
  }
  return MAIN_TIMELINE;
}

/**
 * Whether a receipt for `event` may name `threadId`: for 'main', the event must be in the main timeline;
 * for a thread, the event must be in that thread or be its root.
 */
export async function eventFitsThread(event: RoomEvent, threadId: string, fetch: Fetch): Promise<boolean> {
  const thread = await threadOf(event, fetch);
  if (threadId === MAIN_TIMELINE) return thread === MAIN_TIMELINE;
  return thread === threadId || event.event_id === threadId;
}
