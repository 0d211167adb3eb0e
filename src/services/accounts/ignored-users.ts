// The users a user ignores (modules/ignore_users.md): the keys of `ignored_users` in their global
// `m.ignored_user_list` account data. /sync leaves out their invites and their timeline events other
// than state, from the next sync after the list changes; their events notify no one who ignores them.
import type { Kysely } from 'kysely';
import { Lru } from '../rooms/lru.js';
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { Schema } from '../../storage/schema.js';
import { getAccountData } from '../../storage/account-data-store.js';

export const IGNORED_USER_LIST = 'm.ignored_user_list';

export async function ignoredUsers(db: Kysely<Schema>, userId: string): Promise<ReadonlySet<string>> {
  return parseIgnoredUsers(userId, await getAccountData(db, userId, null, IGNORED_USER_LIST));
}

/** The users named by the JSON text of `userId`'s m.ignored_user_list (none if absent). */
export function parseIgnoredUsers(userId: string, text: string | undefined): ReadonlySet<string> {
  if (text === undefined) return new Set();
  const content = JSON.parse(text) as JsonObject;
  const list = content.ignored_users;
  // A malformed list (account data is free-form) ignores no one rather than failing every sync.
  if (typeof list !== 'object' || list === null || Array.isArray(list)) return new Set();
  return new Set(Object.keys(list).filter((id) => id !== userId));
}

/** Whether a timeline event is hidden from the user: a non-state event of someone they ignore. */
export function isIgnored(
  ignored: ReadonlySet<string>,
  event: { sender: string; state_key?: string },
): boolean {
  return event.state_key === undefined && ignored.has(event.sender);
}

/** How many users' ignore lists are kept (an empty list costs a Set and a map entry). */
const CACHE_SIZE = 10_000;

/**
 * Users' ignore lists as /sync, /messages and /context read them: cached, and forgotten when the user's
 * m.ignored_user_list changes (the account data service tells, rooms/account-hooks.ts). Only this
 * process writes account data, so what is cached is current. (Notifications keeps its own copy, read
 * in one batch with the push rules of everyone an event may notify.)
 */
export class IgnoreLists {
  private readonly cache = new Lru<string, ReadonlySet<string>>(CACHE_SIZE);
  /** Counts forgets, so a read that raced with a change is not cached. */
  private epoch = 0;

  constructor(private readonly db: Kysely<Schema>) {}

  async of(userId: string): Promise<ReadonlySet<string>> {
    const cached = this.cache.get(userId);
    if (cached) return cached;
    const epoch = this.epoch;
    const list = await ignoredUsers(this.db, userId);
    if (epoch === this.epoch) this.cache.set(userId, list);
    return list;
  }

  forget(userId: string): void {
    this.epoch++;
    this.cache.delete(userId);
  }
}
