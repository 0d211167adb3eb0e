// The user directory (client-server-api, "User directory"): users who share a room with the searcher or
// sit in a public room (Synapse's default, search_all_users: false), matched on display name and user id.
//
// There are no directory tables: each search reads current_state and profiles, so its cost grows with the
// members of the searcher's rooms and of the public rooms (a join over current_state, then matching in
// memory). That is milliseconds for a household or club server; a server with tens of thousands of users
// would want Synapse's precomputed user_directory tables instead.
import type { JsonObject } from '../../protocol/canonical-json.js';
import type { Database } from '../../storage/database.js';
import { usersSharingRooms } from '../../storage/state-store.js';
import { accessStateOfRooms, profilesOf, usersJoinedTo } from '../../storage/user-directory-store.js';

export const DEFAULT_DIRECTORY_LIMIT = 10;
export const MAX_DIRECTORY_LIMIT = 100;

interface Candidate {
  userId: string;
  displayName: string | null;
  avatarUrl: string | null;
  score: number;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export class UserDirectory {
  constructor(private readonly deps: { database: Database }) {}

  async search(
    searcher: string,
    searchTerm: string,
    limit: number,
  ): Promise<{ results: JsonObject[]; limited: boolean }> {
    const terms = words(searchTerm);
    if (terms.length === 0) return { results: [], limited: false };
    const db = this.deps.database.db;
    // As in Synapse, sharing a private room makes others visible but not the searcher: they find
    // themselves only through a public room.
    const visible = await usersSharingRooms(db, searcher);
    visible.delete(searcher);
    for (const userId of await usersJoinedTo(db, await this.publicRoomIds())) visible.add(userId);
    const ids = [...visible];
    const profiles = await profilesOf(db, ids);
    const matched: Candidate[] = [];
    for (const userId of ids) {
      const profile = profiles.get(userId);
      const displayName = profile?.displayname ?? null;
      const score = matchScore(terms, searchTerm, userId, displayName);
      if (score > 0) matched.push({ userId, displayName, avatarUrl: profile?.avatar_url ?? null, score });
    }
    // Best match first; then users with a display name and an avatar, as Synapse orders them.
    matched.sort(
      (a, b) =>
        b.score - a.score ||
        Number(a.displayName === null) - Number(b.displayName === null) ||
        Number(a.avatarUrl === null) - Number(b.avatarUrl === null) ||
        (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
    );
    const results = matched.slice(0, limit).map((c) => {
      const entry: JsonObject = { user_id: c.userId };
      if (c.displayName !== null) entry.display_name = c.displayName;
      if (c.avatarUrl !== null) entry.avatar_url = c.avatarUrl;
      return entry;
    });
    return { results, limited: matched.length > limit };
  }

  /** Rooms anyone may join or read: their members are in everyone's directory. */
  private async publicRoomIds(): Promise<string[]> {
    const out = new Set<string>();
    for (const row of await accessStateOfRooms(this.deps.database.db)) {
      const content = (JSON.parse(row.json) as { content?: Record<string, unknown> }).content ?? {};
      if (row.type === 'm.room.join_rules' && content.join_rule === 'public') out.add(row.roomId);
      if (row.type === 'm.room.history_visibility' && content.history_visibility === 'world_readable')
        out.add(row.roomId);
    }
    return [...out];
  }
}

/**
 * 0 when some term is no prefix of a word of the display name or user id; otherwise higher for better
 * matches: the whole name or localpart typed, then matches in the display name, then in the id alone.
 */
function matchScore(terms: string[], searchTerm: string, userId: string, displayName: string | null): number {
  const nameWords = displayName ? words(displayName) : [];
  const idWords = words(userId);
  let inName = true;
  for (const term of terms) {
    const nameHit = nameWords.some((w) => w.startsWith(term));
    if (!nameHit && !idWords.some((w) => w.startsWith(term))) return 0;
    inName &&= nameHit;
  }
  const typed = searchTerm.trim().toLowerCase();
  const localpart = userId.slice(1, userId.indexOf(':')).toLowerCase();
  if (typed === displayName?.toLowerCase() || typed === localpart || typed === userId.toLowerCase()) return 3;
  return inName ? 2 : 1;
}
