// Typing and receipts (issue 7, "Ephemeral"), built together: AppDeps.typing and AppDeps.receipts.
import type { Database } from '../../storage/database.js';
import type { AccountData } from '../accounts/account-data.js';
import type { Notifier } from '../notifier.js';
import type { RoomServices } from '../rooms/index.js';
import { Receipts } from '../receipts/receipts.js';
import { Typing } from './typing.js';

export interface EphemeralDeps {
  database: Database;
  notifier: Notifier;
  clock: () => number;
  rooms: RoomServices;
  accountData: Pick<AccountData, 'putForUser'>;
}

export function createEphemeralServices(deps: EphemeralDeps): { typing: Typing; receipts: Receipts } {
  const { database, notifier, clock, rooms } = deps;
  const typing = new Typing({ notifier, clock });
  // Someone who leaves (or is kicked or banned) is no longer typing there, as Synapse does.
  rooms.pipeline.afterPersist.push(({ event }) => {
    if (event.type === 'm.room.member' && event.state_key && event.content.membership !== 'join')
      typing.stop(event.room_id, event.state_key);
  });
  const receipts = new Receipts({
    database,
    rooms: rooms.store,
    reader: rooms.reader,
    notifier,
    accountData: deps.accountData,
    clock,
  });
  return { typing, receipts };
}
