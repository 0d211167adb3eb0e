// The parsed body of POST /search (client-server-api, "Server Side Search"): only the room_events
// category exists.
import type { RoomEventFilter } from '../sync/filter.js';

export interface RoomEventsSearch {
  searchTerm: string;
  keys: string[];
  filter: RoomEventFilter;
  orderBy: 'rank' | 'recent';
  eventContext?: { beforeLimit: number; afterLimit: number; includeProfile: boolean };
  includeState: boolean;
  groupBy: ('room_id' | 'sender')[];
  nextBatch?: string;
}

/** The results a search returns per page when the filter does not say (Synapse's default). */
export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 100;
/** Events of context either side of a result when event_context leaves a limit out. */
export const DEFAULT_CONTEXT_LIMIT = 5;
export const MAX_CONTEXT_LIMIT = 100;

/** Letters and digits runs, lower-cased: safe in FTS5 and tsquery syntax, and the highlights' seeds. */
export function searchTerms(searchTerm: string): string[] {
  const words = searchTerm.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, 32);
}
