// Send-to-device messaging (client-server-api, "Send-to-Device messaging"). Messages wait in a table until
// the device's /sync moves past them. Limits (documented in docs/configuration.md):
//   - one message's content may be at most 64 KiB of JSON (federation's EDU limit, so they can travel later);
//   - a device keeps at most 10,000 waiting messages: an hourly sweep drops the oldest beyond that;
//   - a message waits at most 30 days (a device that never syncs again does not hold them forever).
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError, badJson } from '../../matrix-error.js';
import { listDevices } from '../../storage/devices-store.js';
import {
  claimToDeviceTxn,
  deleteDeliveredToDevice,
  deleteOldToDevice,
  pendingToDevice,
  queueToDevice,
  trimToDeviceQueues,
} from '../../storage/to-device-store.js';
import type { E2eDeps } from './deps.js';

export const MAX_TO_DEVICE_CONTENT_BYTES = 65_536;
export const MAX_QUEUED_PER_DEVICE = 10_000;
export const MAX_TO_DEVICE_AGE_MS = 30 * 24 * 3600 * 1000;
/** Messages per /sync response, as the spec recommends. */
export const TO_DEVICE_PER_SYNC = 100;
const SWEEP_INTERVAL_MS = 3600 * 1000;

export class ToDevice {
  private readonly localSuffix: string;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deps: E2eDeps) {
    this.localSuffix = `:${deps.config.server_name}`;
    this.sweeper = setInterval(() => {
      this.sweep().catch((err: unknown) =>
        deps.logger.warn({ err: { message: (err as Error).message } }, 'to-device sweep failed'),
      );
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  // PUT /sendToDevice/{eventType}/{txnId}
  async send(
    sender: { userId: string; deviceId: string | null },
    eventType: string,
    txnId: string,
    messages: JsonObject,
  ): Promise<void> {
    const deliveries = this.parse(messages);
    const now = this.deps.clock();
    const woken = new Set<string>();
    await this.deps.database.db.transaction().execute(async (trx) => {
      // A session without a device (an appservice, later) has no transaction scope to record.
      if (sender.deviceId !== null) {
        const fresh = await claimToDeviceTxn(
          trx,
          { userId: sender.userId, deviceId: sender.deviceId, endpoint: `sendToDevice/${eventType}`, txnId },
          now,
        );
        if (!fresh) return;
      }
      for (const { userId, deviceId, content } of deliveries) {
        // Users of other servers are skipped until federation exists.
        if (!userId.endsWith(this.localSuffix)) continue;
        const devices =
          deviceId === '*' ? (await listDevices(trx, userId)).map((d) => d.deviceId) : [deviceId];
        const messageJson = JSON.stringify({ type: eventType, sender: sender.userId, content });
        for (const target of devices) {
          await queueToDevice(trx, { userId, deviceId: target, messageJson, sentTs: now });
          woken.add(userId);
        }
      }
    });
    this.deps.notifier.notifyUsers(woken);
  }

  private parse(messages: JsonObject): { userId: string; deviceId: string; content: JsonObject }[] {
    const out: { userId: string; deviceId: string; content: JsonObject }[] = [];
    for (const [userId, devices] of Object.entries(messages)) {
      if (!/^@[^:]+:.+$/.test(userId)) throw badJson(`messages: ${userId} is not a user ID`);
      if (typeof devices !== 'object' || devices === null || Array.isArray(devices))
        throw badJson('messages must map user IDs to objects of device IDs');
      for (const [deviceId, content] of Object.entries(devices)) {
        if (typeof content !== 'object' || content === null || Array.isArray(content))
          throw badJson('each message content must be an object');
        if (Buffer.byteLength(JSON.stringify(content)) > MAX_TO_DEVICE_CONTENT_BYTES)
          throw new MatrixError(
            413,
            'M_TOO_LARGE',
            `A to-device message may be at most ${MAX_TO_DEVICE_CONTENT_BYTES} bytes`,
          );
        out.push({ userId, deviceId, content });
      }
    }
    return out;
  }

  /**
   * The messages a device's /sync carries: the client having synced from `since` acknowledges everything
   * up to it, which is deleted; then up to 100 more. Returns them with the position the next token
   * should carry (less than `upTo` when more are waiting).
   */
  async forSync(
    userId: string,
    deviceId: string,
    since: number,
    upTo: number,
  ): Promise<{ events: JsonObject[]; position: number }> {
    const db = this.deps.database.db;
    // Deleting takes the writer, so only when there is something to delete.
    if (since > 0 && (await pendingToDevice(db, userId, deviceId, 0, since, 1)).length > 0)
      await deleteDeliveredToDevice(db, userId, deviceId, since);
    const pending = await pendingToDevice(db, userId, deviceId, since, upTo, TO_DEVICE_PER_SYNC);
    const position = pending.length === TO_DEVICE_PER_SYNC ? pending[pending.length - 1]!.streamId : upTo;
    return { events: pending.map((m) => JSON.parse(m.messageJson) as JsonObject), position };
  }

  /** Applies the age limit and the per-device cap. */
  async sweep(): Promise<void> {
    const db = this.deps.database.db;
    const aged = await deleteOldToDevice(db, this.deps.clock() - MAX_TO_DEVICE_AGE_MS);
    const trimmed = await trimToDeviceQueues(db, MAX_QUEUED_PER_DEVICE);
    if (aged + trimmed > 0)
      this.deps.logger.info({ aged, trimmed }, 'dropped undelivered to-device messages');
  }
}
