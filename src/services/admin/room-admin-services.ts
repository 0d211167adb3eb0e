// The room Admin API's services, grouped: AppDeps.roomAdmin. The task scheduler is shared by every
// listener, and deps.ts resumes the tasks a previous run left unfinished.
import type { Logger } from 'pino';
import type { Database } from '../../storage/database.js';
import type { Notifier } from '../notifier.js';
import type { RoomServices } from '../rooms/index.js';
import { RoomAdmin } from './room-admin.js';
import { RoomDeletion } from './room-deletion.js';
import { RoomModeration } from './room-moderation.js';
import { TaskScheduler } from './scheduled-tasks.js';
import { UserRedaction } from './user-redaction.js';

export interface RoomAdminServices {
  reader: RoomAdmin;
  moderation: RoomModeration;
  deletion: RoomDeletion;
  tasks: TaskScheduler;
  /** Redacting a user's events: a scheduled task too, though it is about a user. */
  userRedaction: UserRedaction;
}

export function createRoomAdminServices(deps: {
  database: Database;
  rooms: RoomServices;
  notifier: Notifier;
  serverName: string;
  clock: () => number;
  logger: Logger;
}): RoomAdminServices {
  const { database, rooms, notifier, serverName, clock, logger } = deps;
  const tasks = new TaskScheduler({ database, clock, logger });
  const reader = new RoomAdmin(database, rooms, serverName);
  return {
    reader,
    moderation: new RoomModeration(database, rooms, reader, serverName),
    deletion: new RoomDeletion({ database, rooms, tasks, notifier, serverName, clock, logger }),
    tasks,
    userRedaction: new UserRedaction({ database, rooms, tasks, serverName, logger }),
  };
}
