// What the room services share.
import type { Logger } from 'pino';
import type { HomeserverConfig } from '../../config/homeserver-config.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { Database } from '../../storage/database.js';
import type { Notifier } from '../notifier.js';
import type { RoomStore } from './room-store.js';

/** A user's displayname and avatar_url as member events carry them (absent keys left out). */
export type ProfileLookup = (userId: string) => Promise<JsonObject>;

export interface RoomServicesDeps {
  config: HomeserverConfig;
  database: Database;
  rooms: RoomStore;
  notifier: Notifier;
  logger: Logger;
  clock: () => number;
  profileOf: ProfileLookup;
  defaultRoomVersion: string;
}
