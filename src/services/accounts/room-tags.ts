// Room tagging (client-server-api, "Room Tagging"): a user's tags on a room are the room account data
// `m.tag` ({tags: {name: {order?}}}), so /sync carries them like any room account data. A tag write is a
// read-modify-write of that one object, hence one writer per user at a time.
import { getAccountData } from '../../storage/account-data-store.js';
import type { Database } from '../../storage/database.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { KeyedLock } from '../rooms/keyed-lock.js';
import type { Requester } from './access-tokens.js';
import type { AccountData } from './account-data.js';
import { badJson, forbidden, invalidParam } from './errors.js';

type Tags = Record<string, Record<string, unknown>>;

/** The spec: "The name of a tag MUST NOT exceed 255 bytes." */
const MAX_TAG_BYTES = 255;

export class RoomTags {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly database: Database,
    private readonly accountData: AccountData,
  ) {}

  async get(requester: Requester, userId: string, roomId: string): Promise<{ tags: Tags }> {
    if (userId !== requester.userId) throw forbidden('Cannot get tags for other users.');
    await this.accountData.checkRoom(roomId);
    return { tags: await this.read(userId, roomId) };
  }

  async put(requester: Requester, userId: string, roomId: string, tag: string, body: JsonObject) {
    if (userId !== requester.userId) throw forbidden('Cannot add tags for other users.');
    checkTagName(tag);
    const order = body.order;
    if (order !== undefined && (typeof order !== 'number' || !Number.isFinite(order))) {
      throw badJson("'order' must be a number.");
    }
    await this.accountData.checkRoom(roomId);
    await this.update(userId, roomId, (tags) => {
      tags[tag] = body;
      return true;
    });
  }

  async delete(requester: Requester, userId: string, roomId: string, tag: string): Promise<void> {
    if (userId !== requester.userId) throw forbidden('Cannot add tags for other users.');
    await this.accountData.checkRoom(roomId);
    // Removing a tag the room does not have succeeds and announces nothing (as Synapse).
    await this.update(userId, roomId, (tags) => Object.hasOwn(tags, tag) && delete tags[tag]);
  }

  private update(userId: string, roomId: string, change: (tags: Tags) => boolean): Promise<void> {
    return this.lock.run(userId, async () => {
      const tags = await this.read(userId, roomId);
      if (change(tags)) await this.accountData.putForUser(userId, roomId, 'm.tag', { tags });
    });
  }

  private async read(userId: string, roomId: string): Promise<Tags> {
    const stored = await getAccountData(this.database.db, userId, roomId, 'm.tag');
    const tags = stored === undefined ? undefined : (JSON.parse(stored) as { tags?: unknown }).tags;
    // Account data written through the generic endpoint may hold anything: only objects are tags.
    const out: Tags = Object.create(null) as Tags;
    if (typeof tags === 'object' && tags !== null && !Array.isArray(tags)) {
      for (const [name, value] of Object.entries(tags)) {
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          out[name] = value as Record<string, unknown>;
        }
      }
    }
    return out;
  }
}

function checkTagName(tag: string): void {
  if (Buffer.byteLength(tag, 'utf8') > MAX_TAG_BYTES) {
    throw invalidParam(`Tag names must not exceed ${MAX_TAG_BYTES} bytes.`);
  }
}
