// What a Hearth version that stored notifications after the event's commit could leave after a crash:
// the rows of the events after `ordering` missing, and the stored position there. The next start's
// catch-up must fill the gap (services/push/notifications.ts).
import { openDatabase } from '../../src/storage/database.js';
import type { ScratchDatabase } from './databases.js';

export async function loseNotificationsAfter(scratch: ScratchDatabase, ordering: number): Promise<void> {
  const database = await openDatabase(scratch.config);
  try {
    await database.db.deleteFrom('event_push_actions').where('stream_ordering', '>', ordering).execute();
    await database.db
      .updateTable('server_metadata')
      .set({ value: String(ordering) })
      .where('key', '=', 'push_actions_position')
      .execute();
  } finally {
    await database.close();
  }
}
