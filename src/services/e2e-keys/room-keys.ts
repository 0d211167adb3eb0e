// Server-side key backup (client-server-api, "Server-side key backups"). A user makes numbered backup
// versions; keys are written only to the current one (the newest not deleted) and read from any. The
// server never sees inside auth_data or session_data: it keeps them as the client sent them and decides
// between two copies of a session by their metadata alone.
//
// Changes to one user's backups run one at a time (a per-user lock, each in one transaction), as in
// Synapse: the devices of a user upload the same new session at about the same moment, and a new version
// must not take keys meant for the old one while it is being made.
import type { Kysely } from 'kysely';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { MatrixError, invalidParam, notFound } from '../../matrix-error.js';
import type { Schema } from '../../storage/schema.js';
import {
  advanceBackupEtag,
  countRoomKeys,
  deleteAllBackups,
  deleteBackupVersion,
  deleteRoomKeys,
  getBackupVersion,
  getRoomKeys,
  getRoomKeysOfSessions,
  highestBackupVersion,
  insertBackupVersion,
  putRoomKeys,
  setBackupAuthData,
  type RoomKeysScope,
  type StoredBackupVersion,
  type StoredRoomKey,
} from '../../storage/room-keys-store.js';
import { KeyedLock } from '../rooms/keyed-lock.js';
import type { E2eDeps } from './deps.js';

/** The metadata the server compares two backed-up copies of a session by. */
export interface SessionMetadata {
  firstMessageIndex: number;
  forwardedCount: number;
  isVerified: boolean;
}

/** A session as uploaded (the spec's KeyBackupData). */
export interface BackedUpSession extends SessionMetadata {
  sessionData: JsonObject;
}

/** Uploaded or stored sessions: room id → session id → session. */
export type RoomKeyBackup = Map<string, Map<string, BackedUpSession>>;

/** The spec's answer about a backup version. */
export interface BackupVersionInfo {
  algorithm: string;
  auth_data: JsonObject;
  count: number;
  etag: string;
  version: string;
}

/** What a change to the keys answers: the version's etag and its number of keys afterwards. */
export interface RoomKeysUpdate {
  etag: string;
  count: number;
}

/**
 * Whether an uploaded copy of a session should replace the stored one, by the spec's order: a verified
 * copy beats an unverified one; between equals in that, the lower first_message_index (it decrypts more of
 * the room's history); then the lower forwarded_count (fewer hands passed it on). A tie keeps what is stored.
 */
export function isBetterSession(candidate: SessionMetadata, stored: SessionMetadata): boolean {
  if (candidate.isVerified !== stored.isVerified) return candidate.isVerified;
  if (candidate.firstMessageIndex !== stored.firstMessageIndex)
    return candidate.firstMessageIndex < stored.firstMessageIndex;
  return candidate.forwardedCount < stored.forwardedCount;
}

const unknownVersion = () => notFound('Unknown backup version');

/**
 * A version as clients name it: the decimal number we handed out. Anything else names no backup, so it
 * is `undefined` and the caller answers 404, as Synapse does.
 */
export function parseBackupVersion(text: string): number | undefined {
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

export class RoomKeys {
  private readonly lock = new KeyedLock();

  constructor(private readonly deps: E2eDeps) {}

  private get db(): Kysely<Schema> {
    return this.deps.database.db;
  }

  /** Runs a change to a user's backups alone and in one transaction. */
  private change<T>(userId: string, work: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.lock.run(userId, () => this.db.transaction().execute(work));
  }

  // --- versions ---

  /** Makes a new backup version, which becomes the current one; returns its number. */
  async createVersion(userId: string, algorithm: string, authData: JsonObject): Promise<string> {
    return this.change(userId, async (trx) => {
      // Counting on from the highest number ever used: a deleted version's number is not handed out again,
      // so a client holding it cannot mistake a new backup for the one it knew.
      const version = (await highestBackupVersion(trx, userId)) + 1;
      await insertBackupVersion(trx, { userId, version, algorithm, authData: JSON.stringify(authData) });
      return String(version);
    });
  }

  /** The current version, or 404 when the user has none. */
  async currentVersion(userId: string): Promise<BackupVersionInfo> {
    const stored = await getBackupVersion(this.db, userId, 'current');
    if (!stored) throw notFound('No backup found');
    return this.info(stored);
  }

  async getVersion(userId: string, versionText: string): Promise<BackupVersionInfo> {
    const stored = await this.findVersion(this.db, userId, versionText);
    return this.info(stored);
  }

  /**
   * Replaces a version's auth_data. The algorithm cannot change (a new algorithm is a new backup), and a
   * version named in the body must be the one in the path.
   */
  async updateVersion(
    userId: string,
    versionText: string,
    update: { algorithm: string; authData: JsonObject; bodyVersion?: string },
  ): Promise<void> {
    if (update.bodyVersion !== undefined && update.bodyVersion !== versionText)
      throw invalidParam('Version in body does not match');
    await this.change(userId, async (trx) => {
      const stored = await this.findVersion(trx, userId, versionText);
      if (stored.algorithm !== update.algorithm) throw invalidParam('Algorithm does not match');
      await setBackupAuthData(trx, userId, stored.version, JSON.stringify(update.authData));
    });
  }

  /** Deletes a version and its keys; deleting it again succeeds, a version never made is 404. */
  async deleteVersion(userId: string, versionText: string): Promise<void> {
    const version = parseBackupVersion(versionText);
    if (version === undefined) throw unknownVersion();
    await this.change(userId, async (trx) => {
      if (!(await deleteBackupVersion(trx, userId, version))) throw unknownVersion();
    });
  }

  /** Every backup of a user goes when their account is deactivated. */
  async deleteAll(userId: string): Promise<void> {
    await this.change(userId, (trx) => deleteAllBackups(trx, userId));
  }

  // --- keys ---

  /**
   * Stores uploaded sessions in the current version. A session already stored is replaced only by a
   * better copy (isBetterSession); the etag moves on only when something was stored.
   */
  async uploadKeys(userId: string, versionText: string, backup: RoomKeyBackup): Promise<RoomKeysUpdate> {
    return this.change(userId, async (trx) => {
      const current = await getBackupVersion(trx, userId, 'current');
      const version = parseBackupVersion(versionText);
      if (!current || current.version !== version) {
        // An older version that still exists is the spec's "wrong version" (the client should move to the
        // current one); a version that does not exist at all is simply not found.
        if (current && version !== undefined && (await getBackupVersion(trx, userId, version)))
          throw new MatrixError(403, 'M_WRONG_ROOM_KEYS_VERSION', 'Wrong backup version.', {
            current_version: String(current.version),
          });
        throw unknownVersion();
      }
      const toStore: StoredRoomKey[] = [];
      for (const [roomId, sessions] of backup) {
        const stored = new Map(
          (await getRoomKeysOfSessions(trx, userId, current.version, roomId, [...sessions.keys()])).map(
            (k) => [k.sessionId, k],
          ),
        );
        for (const [sessionId, session] of sessions) {
          const existing = stored.get(sessionId);
          if (existing && !isBetterSession(session, existing)) continue;
          toStore.push({
            roomId,
            sessionId,
            firstMessageIndex: session.firstMessageIndex,
            forwardedCount: session.forwardedCount,
            isVerified: session.isVerified,
            sessionData: JSON.stringify(session.sessionData),
          });
        }
      }
      let etag = current.etag;
      if (toStore.length > 0) {
        await putRoomKeys(trx, userId, current.version, toStore);
        etag = await advanceBackupEtag(trx, userId, current.version);
      }
      return { etag: String(etag), count: await countRoomKeys(trx, userId, current.version) };
    });
  }

  /** The keys of any existing version in a scope (all, a room's, one session's). */
  async getKeys(userId: string, versionText: string, scope: RoomKeysScope = {}): Promise<RoomKeyBackup> {
    const stored = await this.findVersion(this.db, userId, versionText);
    const out: RoomKeyBackup = new Map();
    for (const key of await getRoomKeys(this.db, userId, stored.version, scope)) {
      let room = out.get(key.roomId);
      if (!room) out.set(key.roomId, (room = new Map<string, BackedUpSession>()));
      room.set(key.sessionId, {
        firstMessageIndex: key.firstMessageIndex,
        forwardedCount: key.forwardedCount,
        isVerified: key.isVerified,
        sessionData: JSON.parse(key.sessionData) as JsonObject,
      });
    }
    return out;
  }

  /** Deletes the keys of any existing version in a scope; the etag moves on if any went. */
  async deleteKeys(userId: string, versionText: string, scope: RoomKeysScope = {}): Promise<RoomKeysUpdate> {
    return this.change(userId, async (trx) => {
      const stored = await this.findVersion(trx, userId, versionText);
      let etag = stored.etag;
      if ((await deleteRoomKeys(trx, userId, stored.version, scope)) > 0)
        etag = await advanceBackupEtag(trx, userId, stored.version);
      return { etag: String(etag), count: await countRoomKeys(trx, userId, stored.version) };
    });
  }

  // --- helpers ---

  /** A version that exists and is not deleted, or 404. */
  private async findVersion(
    db: Kysely<Schema>,
    userId: string,
    versionText: string,
  ): Promise<StoredBackupVersion> {
    const version = parseBackupVersion(versionText);
    const stored = version === undefined ? undefined : await getBackupVersion(db, userId, version);
    if (!stored) throw unknownVersion();
    return stored;
  }

  private async info(stored: StoredBackupVersion): Promise<BackupVersionInfo> {
    return {
      algorithm: stored.algorithm,
      auth_data: JSON.parse(stored.authData) as JsonObject,
      count: await countRoomKeys(this.db, stored.userId, stored.version),
      etag: String(stored.etag),
      version: String(stored.version),
    };
  }
}
