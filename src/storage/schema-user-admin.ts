// Tables of migration 15 (user-admin): the moderation state an admin puts on a local account.

/**
 * One row per local user an admin has locked, suspended or shadow-banned (now or before); no row means
 * none of them. Kept apart from `users` so the flags can grow without touching the accounts table.
 * Booleans are integers 0/1 on both databases.
 */
export interface UserModerationTable {
  user_id: string;
  /** Spec "Account locking": every authenticated request but logout answers 401 M_USER_LOCKED. */
  locked: number;
  /** Spec "Account suspension": sending, joining, inviting and profile changes answer 403 M_USER_SUSPENDED. */
  suspended: number;
  /** Synapse's shadow ban: the user's room events and invites seem to succeed but reach nobody. */
  shadow_banned: number;
}

export interface UserAdminTables {
  user_moderation: UserModerationTable;
}
