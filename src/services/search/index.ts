// Wiring of search: the indexer is attached to the rooms' event pipeline once per app (deps.ts), and the
// search routes find it again through the same RoomServices, so AppDeps needs no new member.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import type { RoomServices } from '../rooms/index.js';
import { SearchIndexer } from './indexer.js';
import { RoomSearch } from './room-search.js';

const attached = new WeakMap<RoomServices, RoomSearch>();

/** Indexes every event the pipeline persists from now on. */
export function connectSearchIndex(
  rooms: RoomServices,
  deps: { database: Database; logger: Logger; clock: () => number },
): RoomSearch {
  const indexer = new SearchIndexer(deps);
  rooms.pipeline.derived.push(indexer);
  const search = new RoomSearch({ database: deps.database, rooms, indexer, clock: deps.clock });
  attached.set(rooms, search);
  return search;
}

export function roomSearchOf(rooms: RoomServices): RoomSearch {
  const search = attached.get(rooms);
  if (!search) throw new Error('search is not connected to these room services (see deps.ts)');
  return search;
}
