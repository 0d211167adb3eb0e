// The room services, grouped: AppDeps.rooms.
import type { ServerKeys } from '../server-keys/server-keys.js';
import { ClientEventFormatter } from './client-event.js';
import type { RoomServicesDeps } from './deps.js';
import { Directory } from './directory.js';
import { EventPipeline } from './event-pipeline.js';
import { Membership } from './membership.js';
import { Messaging } from './messaging.js';
import { PublicRooms } from './public-rooms.js';
import { RoomCreation } from './room-creation.js';
import { RoomReader } from './room-reader.js';
import { RoomStore } from './room-store.js';
import { RoomUpgrades } from './upgrade.js';
import { Visibility } from './visibility.js';
import { erasedUsers } from '../../storage/users-store.js';
import { IgnoreLists } from '../accounts/ignored-users.js';

export interface RoomServices {
  store: RoomStore;
  pipeline: EventPipeline;
  creation: RoomCreation;
  membership: Membership;
  messaging: Messaging;
  reader: RoomReader;
  visibility: Visibility;
  formatter: ClientEventFormatter;
  directory: Directory;
  publicRooms: PublicRooms;
  upgrades: RoomUpgrades;
  /** Who each user ignores, cached for the readers (/sync, /messages, /context). */
  ignoreLists: IgnoreLists;
}

export function createRoomServices(
  deps: Omit<RoomServicesDeps, 'rooms'>,
  serverKeys: ServerKeys,
): RoomServices {
  const store = new RoomStore(deps.database);
  const full: RoomServicesDeps = { ...deps, rooms: store };
  const pipeline = new EventPipeline({
    database: deps.database,
    rooms: store,
    serverKeys,
    notifier: deps.notifier,
    clock: deps.clock,
    logger: deps.logger,
  });
  const visibility = new Visibility(store, (userIds) => erasedUsers(deps.database.db, userIds));
  const formatter = new ClientEventFormatter(store, async (roomId) => {
    const room = await store.runtime(roomId);
    if (!room) throw new Error(`room ${roomId} is unknown`);
    return room.roomVersion;
  });
  const ignoreLists = new IgnoreLists(deps.database.db);
  return {
    store,
    pipeline,
    creation: new RoomCreation(full, pipeline),
    membership: new Membership(full, pipeline),
    messaging: new Messaging(full, pipeline),
    reader: new RoomReader(full, visibility, ignoreLists),
    visibility,
    formatter,
    directory: new Directory(full, pipeline, visibility),
    publicRooms: new PublicRooms(full),
    upgrades: new RoomUpgrades(full, pipeline),
    ignoreLists,
  };
}

export type { RoomServicesDeps };
