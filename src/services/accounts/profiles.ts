// Profiles (client-server-api, "Profiles"): displayname and avatar_url of local users. A change is
// stored, then handed to onProfileChange hooks (the rooms service sends updated member events).
import type { Database } from '../../storage/database.js';
import {
  getProfile,
  setProfileField,
  type Profile,
  type ProfileField,
} from '../../storage/profiles-store.js';
import { getUser } from '../../storage/users-store.js';
import type { Requester } from './access-tokens.js';
import { badRequest, forbidden, invalidParam, notFound } from './errors.js';
import { localpartOf } from './user-ids.js';

export type { Profile, ProfileField };

/** Synapse's limits. */
export const MAX_DISPLAYNAME_LENGTH = 256;
export const MAX_AVATAR_URL_LENGTH = 1000;

export type ProfileChangeHook = (userId: string, profile: Profile) => Promise<void>;

export interface ProfilesDeps {
  database: Database;
  serverName: string;
  onProfileChange: ProfileChangeHook[];
  onError: (err: unknown) => void;
}

export class Profiles {
  constructor(private readonly deps: ProfilesDeps) {}

  /** A local user's profile; 404 when the user or their profile does not exist (or is not ours, yet). */
  async get(userId: string): Promise<Profile> {
    if (localpartOf(userId, this.deps.serverName) === undefined) throw notFound('Profile was not found');
    const profile = await getProfile(this.deps.database.db, userId);
    if (!profile) throw notFound('Profile was not found');
    return profile;
  }

  /**
   * Sets displayname or avatar_url. Users change their own profile (admins anyone's); guests only their
   * displayname. An empty string clears the field, as in Synapse.
   */
  async set(requester: Requester, userId: string, field: ProfileField, value: unknown): Promise<void> {
    if (localpartOf(userId, this.deps.serverName) === undefined) {
      throw badRequest('User is not hosted on this homeserver');
    }
    if (userId !== requester.userId && !requester.isAdmin) {
      throw forbidden(`Cannot set another user's ${field}`);
    }
    if (requester.isGuest && field !== 'displayname') throw forbidden('Guests may only set a displayname');
    const stored = validate(field, value);
    const user = await getUser(this.deps.database.db, userId);
    if (!user) throw notFound('Profile was not found');
    if (user.deactivated && !requester.isAdmin) throw forbidden('The account is deactivated');
    const before = await getProfile(this.deps.database.db, userId);
    await setProfileField(this.deps.database.db, userId, field, stored);
    if (before?.[field] === stored) return;
    // A shadow-banned user's new name or avatar is theirs to see but reaches no room (as Synapse): a
    // spammer's name change must not broadcast to everyone they share a room with.
    if (requester.shadowBanned) return;
    const after = (await getProfile(this.deps.database.db, userId))!;
    for (const hook of this.deps.onProfileChange) {
      try {
        await hook(userId, after);
      } catch (err) {
        // The profile is stored; a room that could not take the new member event keeps the old one.
        this.deps.onError(err);
      }
    }
  }
}

function validate(field: ProfileField, value: unknown): string | null {
  if (typeof value !== 'string') throw invalidParam(`'${field}' must be a string`);
  if (field === 'displayname' && value.length > MAX_DISPLAYNAME_LENGTH) {
    throw invalidParam(`Displayname is too long (max ${MAX_DISPLAYNAME_LENGTH})`);
  }
  if (field === 'avatar_url') {
    if (value.length > MAX_AVATAR_URL_LENGTH) {
      throw invalidParam(`Avatar URL is too long (max ${MAX_AVATAR_URL_LENGTH})`);
    }
    if (value !== '' && !value.startsWith('mxc://')) throw invalidParam('avatar_url must be an mxc:// URI');
  }
  return value === '' ? null : value;
}
