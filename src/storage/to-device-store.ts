// The to-device queue: messages waiting for a device's next /sync, in to_device stream order, and the
// transaction ids that make /sendToDevice idempotent.
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';
import { nextStreamPosition } from './streams.js';

export interface ToDeviceMessage {
  streamId: number;
  /** `{type, sender, content}` as JSON text. */
  messageJson: string;
}

/** Records a transaction id; false when the device already used it on this endpoint. */
export async function claimToDeviceTxn(
  trx: Kysely<Schema>,
  key: { userId: string; deviceId: string; endpoint: string; txnId: string },
  now: number,
): Promise<boolean> {
  const result = await trx
    .insertInto('to_device_txns')
    .values({
      user_id: key.userId,
      device_id: key.deviceId,
      endpoint: key.endpoint,
      txn_id: key.txnId,
      created_ts: now,
    })
    .onConflict((oc) => oc.columns(['user_id', 'device_id', 'endpoint', 'txn_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Queues one message for a device at the next to_device position. */
export async function queueToDevice(
  trx: Kysely<Schema>,
  message: { userId: string; deviceId: string; messageJson: string; sentTs: number },
): Promise<void> {
  const streamId = await nextStreamPosition(trx, 'to_device');
  await trx
    .insertInto('to_device_messages')
    .values({
      stream_id: streamId,
      user_id: message.userId,
      device_id: message.deviceId,
      message_json: message.messageJson,
      sent_ts: message.sentTs,
    })
    .execute();
}

/** Up to `limit` messages for a device after position `after`, oldest first. */
export async function pendingToDevice(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string,
  after: number,
  upTo: number,
  limit: number,
): Promise<ToDeviceMessage[]> {
  const rows = await db
    .selectFrom('to_device_messages')
    .select(['stream_id', 'message_json'])
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .where('stream_id', '>', after)
    .where('stream_id', '<=', upTo)
    .orderBy('stream_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ streamId: Number(r.stream_id), messageJson: r.message_json }));
}

/** Deletes a device's messages up to and including `upTo` (the client has them). */
export async function deleteDeliveredToDevice(
  db: Kysely<Schema>,
  userId: string,
  deviceId: string,
  upTo: number,
): Promise<void> {
  await db
    .deleteFrom('to_device_messages')
    .where('user_id', '=', userId)
    .where('device_id', '=', deviceId)
    .where('stream_id', '<=', upTo)
    .execute();
}

/** Keeps each device's newest `keep` messages, deleting older ones; returns how many went. */
export async function trimToDeviceQueues(db: Kysely<Schema>, keep: number): Promise<number> {
  const result = await sql<never>`
    delete from to_device_messages where stream_id in (
      select stream_id from (
        select stream_id,
          row_number() over (partition by user_id, device_id order by stream_id desc) as newer
        from to_device_messages
      ) ranked where newer > ${keep}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Deletes messages queued before `before` (ms) and transaction ids older than that. */
export async function deleteOldToDevice(db: Kysely<Schema>, before: number): Promise<number> {
  const result = await db.deleteFrom('to_device_messages').where('sent_ts', '<', before).executeTakeFirst();
  await db.deleteFrom('to_device_txns').where('created_ts', '<', before).execute();
  return Number(result.numDeletedRows);
}

/** Deletes everything queued for these devices. */
export async function deleteToDeviceOfDevices(
  trx: Kysely<Schema>,
  userId: string,
  deviceIds: readonly string[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  await trx
    .deleteFrom('to_device_messages')
    .where('user_id', '=', userId)
    .where('device_id', 'in', deviceIds)
    .execute();
}
