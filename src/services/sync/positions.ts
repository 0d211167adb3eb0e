import type { Database } from '../../storage/database.js';
import { currentStreamPosition } from '../../storage/streams.js';
import type { Typing } from '../ephemeral/typing.js';
import type { Presence } from '../presence/presence.js';
import { emptyPositions, type StreamPositions } from './token.js';

/**
 * Every stream's position now, as a token carries them (/sync's next_batch, /events' end). Presence keeps
 * the position of `base` while presence is off, so a token does not move on a stream nobody reads.
 */
export async function currentPositions(
  deps: { database: Database; presence: Presence; typing: Typing },
  base?: StreamPositions,
): Promise<StreamPositions> {
  const db = deps.database.db;
  return {
    ...emptyPositions(),
    ...(base ?? {}),
    events: await currentStreamPosition(db, 'events'),
    account_data: await currentStreamPosition(db, 'account_data'),
    ...(deps.presence.enabled ? { presence: await currentStreamPosition(db, 'presence') } : {}),
    to_device: await currentStreamPosition(db, 'to_device'),
    device_lists: await currentStreamPosition(db, 'device_lists'),
    receipts: await currentStreamPosition(db, 'receipts'),
    typing: deps.typing.position(),
  };
}
