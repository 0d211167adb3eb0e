// Read queries of the Synapse-compatible Admin API over users, profiles, devices and room membership.
// Same SQL on SQLite and PostgreSQL: nulls are ordered explicitly because the two engines disagree.
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Schema } from './schema.js';

export const USER_ORDER_BY = [
  'name',
  'is_guest',
  'admin',
  'user_type',
  'deactivated',
  'shadow_banned',
  'displayname',
  'avatar_url',
  'creation_ts',
  'last_seen_ts',
  'locked',
] as const;
export type UserOrderBy = (typeof USER_ORDER_BY)[number];

export interface UserListFilter {
  /** Part of the localpart or of the displayname. */
  name?: string;
  /** Part of the user id (used only when name is absent, as in Synapse). */
  userId?: string;
  guests: boolean;
  deactivated: boolean;
  /** Only deactivated users (v3's deactivated=true); deactivated must then be true too. */
  onlyDeactivated?: boolean;
  admins?: boolean;
  /** '' stands for ordinary users (user_type null). */
  userTypes?: string[];
  /** Synapse's not_user_type: user types left out; '' leaves out ordinary users (user_type null). */
  notUserTypes?: string[];
  /** Whether locked users are listed (Synapse: not unless asked for). */
  locked: boolean;
}

export interface UserListPage {
  from: number;
  limit: number;
  orderBy: UserOrderBy;
  direction: 'f' | 'b';
}

export interface AdminUserRow {
  userId: string;
  userType: string | null;
  isGuest: boolean;
  isAdmin: boolean;
  deactivated: boolean;
  erased: boolean;
  displayname: string | null;
  avatarUrl: string | null;
  createdTs: number;
  lastSeenTs: number | null;
  locked: boolean;
  suspended: boolean;
  shadowBanned: boolean;
}

/** A user's latest activity over all devices (Synapse reads it from user_ips). */
const LAST_SEEN_TS = '(select max(d.last_seen_ts) from devices d where d.user_id = u.user_id)';

/**
 * last_seen_ts repeats the subquery because PostgreSQL does not let an output alias appear inside an
 * ORDER BY expression; a user without a moderation row counts as not shadow-banned.
 */
const ORDER_COLUMN: Record<UserOrderBy, string> = {
  name: 'u.user_id',
  is_guest: 'u.is_guest',
  admin: 'u.is_admin',
  user_type: 'u.user_type',
  deactivated: 'u.deactivated',
  shadow_banned: 'coalesce(m.shadow_banned, 0)',
  displayname: 'lower(p.displayname)',
  avatar_url: 'p.avatar_url',
  creation_ts: 'u.created_ts',
  last_seen_ts: LAST_SEEN_TS,
  locked: 'coalesce(m.locked, 0)',
};

function baseQuery(db: Kysely<Schema>, filter: UserListFilter) {
  let query = db
    .selectFrom('users as u')
    .leftJoin('profiles as p', 'p.user_id', 'u.user_id')
    .leftJoin('user_moderation as m', 'm.user_id', 'u.user_id');
  if (filter.name !== undefined) {
    const name = filter.name.toLowerCase();
    query = query.where(
      sql<SqlBool>`(lower(u.user_id) like ${`@%${name}%:%`} or lower(p.displayname) like ${`%${name}%`})`,
    );
  } else if (filter.userId !== undefined) {
    query = query.where(sql<SqlBool>`lower(u.user_id) like ${`%${filter.userId.toLowerCase()}%`}`);
  }
  if (!filter.guests) query = query.where('u.is_guest', '=', 0);
  if (!filter.deactivated) query = query.where('u.deactivated', '=', 0);
  if (filter.onlyDeactivated) query = query.where('u.deactivated', '=', 1);
  if (!filter.locked) query = query.where(sql<SqlBool>`coalesce(m.locked, 0) = 0`);
  if (filter.admins !== undefined) query = query.where('u.is_admin', '=', filter.admins ? 1 : 0);
  const types = filter.userTypes;
  if (types !== undefined && types.length > 0) {
    const named = types.filter((type) => type !== '');
    query = query.where((eb) =>
      eb.or([
        ...(named.length > 0 ? [eb('u.user_type', 'in', named)] : []),
        ...(types.includes('') ? [eb('u.user_type', 'is', null)] : []),
      ]),
    );
  }
  const excluded = filter.notUserTypes;
  if (excluded !== undefined && excluded.length > 0) {
    const named = excluded.filter((type) => type !== '');
    const ordinaryExcluded = excluded.includes('');
    query = query.where((eb) => {
      if (named.length === 0) return eb('u.user_type', 'is not', null);
      const notNamed = eb.not(eb('u.user_type', 'in', named));
      // NOT IN is unknown for a null type: it leaves ordinary users out unless they are added back.
      return ordinaryExcluded ? notNamed : eb.or([notNamed, eb('u.user_type', 'is', null)]);
    });
  }
  return query;
}

/** One page of users and how many match the filter in all. */
export async function listUsers(
  db: Kysely<Schema>,
  filter: UserListFilter,
  page: UserListPage,
): Promise<{ users: AdminUserRow[]; total: number }> {
  const totalRow = await baseQuery(db, filter)
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  const dir = sql.raw(page.direction === 'b' ? 'desc' : 'asc');
  const column = sql.raw(ORDER_COLUMN[page.orderBy]);
  const rows = await baseQuery(db, filter)
    .select([
      'u.user_id',
      'u.user_type',
      'u.is_guest',
      'u.is_admin',
      'u.deactivated',
      'u.erased',
      'u.created_ts',
      'p.displayname',
      'p.avatar_url',
      'm.locked',
      'm.suspended',
      'm.shadow_banned',
      lastSeenTs(),
    ])
    // Nulls count as the smallest value on both engines; the user id breaks ties, as in Synapse.
    .orderBy(sql`case when ${column} is null then 0 else 1 end ${dir}`)
    .orderBy(sql`${column} ${dir}`)
    .orderBy('u.user_id', 'asc')
    .limit(page.limit)
    .offset(page.from)
    .execute();
  return { users: rows.map(toRow), total: Number(totalRow.count) };
}

/** One user with profile and last activity, or undefined for an unknown user. */
export async function getAdminUser(db: Kysely<Schema>, userId: string): Promise<AdminUserRow | undefined> {
  const row = await db
    .selectFrom('users as u')
    .leftJoin('profiles as p', 'p.user_id', 'u.user_id')
    .leftJoin('user_moderation as m', 'm.user_id', 'u.user_id')
    .select([
      'u.user_id',
      'u.user_type',
      'u.is_guest',
      'u.is_admin',
      'u.deactivated',
      'u.erased',
      'u.created_ts',
      'p.displayname',
      'p.avatar_url',
      'm.locked',
      'm.suspended',
      'm.shadow_banned',
      lastSeenTs(),
    ])
    .where('u.user_id', '=', userId)
    .executeTakeFirst();
  return row ? toRow(row) : undefined;
}

export interface DeviceConnection {
  deviceId: string;
  ip: string | null;
  lastSeenTs: number | null;
  userAgent: string | null;
}

/** The last connection of each of a user's devices that has been seen. */
export async function lastConnections(db: Kysely<Schema>, userId: string): Promise<DeviceConnection[]> {
  const rows = await db
    .selectFrom('devices')
    .select(['device_id', 'last_seen_ip', 'last_seen_ts', 'last_seen_user_agent'])
    .where('user_id', '=', userId)
    .where('last_seen_ts', 'is not', null)
    .orderBy('device_id')
    .execute();
  return rows.map((row) => ({
    deviceId: row.device_id,
    ip: row.last_seen_ip,
    lastSeenTs: row.last_seen_ts === null ? null : Number(row.last_seen_ts),
    userAgent: row.last_seen_user_agent,
  }));
}

/** The rooms a user is joined to now, from current state. */
export async function joinedRoomIds(db: Kysely<Schema>, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('current_state')
    .select('room_id')
    .where('type', '=', 'm.room.member')
    .where('state_key', '=', userId)
    .where('membership', '=', 'join')
    .orderBy('room_id')
    .execute();
  return rows.map((row) => row.room_id);
}

/** Every room the user has a membership in, with the latest membership (leave and ban included). */
export async function membershipsOf(db: Kysely<Schema>, userId: string): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom('current_state')
    .select(['room_id', 'membership'])
    .where('type', '=', 'm.room.member')
    .where('state_key', '=', userId)
    .orderBy('room_id')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.room_id, row.membership ?? 'leave']));
}

/** All of a user's account data: global entries, then per room; contents as stored (JSON text). */
export async function allAccountData(
  db: Kysely<Schema>,
  userId: string,
): Promise<{ roomId: string; type: string; content: string }[]> {
  const rows = await db
    .selectFrom('account_data')
    .select(['room_id', 'type', 'content'])
    .where('user_id', '=', userId)
    .orderBy('room_id')
    .orderBy('type')
    .execute();
  return rows.map((row) => ({ roomId: row.room_id, type: row.type, content: row.content }));
}

/**
 * Undoes a deactivation (Synapse's activate_account): active and no longer erased, with an empty profile
 * row again if erasure deleted it. Rooms, devices and the password are not restored.
 */
export async function reactivateUser(db: Kysely<Schema>, userId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ deactivated: 0, erased: 0 }).where('user_id', '=', userId).execute();
    await trx
      .insertInto('profiles')
      .values({ user_id: userId, displayname: null, avatar_url: null })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
  });
}

/** Synapse's set_user_type: null for an ordinary user. */
export async function setUserType(
  db: Kysely<Schema>,
  userId: string,
  userType: string | null,
): Promise<void> {
  await db.updateTable('users').set({ user_type: userType }).where('user_id', '=', userId).execute();
}

function lastSeenTs() {
  return sql<number | string | null>`${sql.raw(LAST_SEEN_TS)}`.as('last_seen_ts');
}

interface SelectedRow {
  user_id: string;
  user_type: string | null;
  is_guest: number;
  is_admin: number;
  deactivated: number;
  erased: number;
  created_ts: number;
  displayname: string | null;
  avatar_url: string | null;
  last_seen_ts: number | string | null;
  locked: number | null;
  suspended: number | null;
  shadow_banned: number | null;
}

function toRow(row: SelectedRow): AdminUserRow {
  return {
    userId: row.user_id,
    userType: row.user_type,
    isGuest: Number(row.is_guest) === 1,
    isAdmin: Number(row.is_admin) === 1,
    deactivated: Number(row.deactivated) === 1,
    erased: Number(row.erased) === 1,
    displayname: row.displayname,
    avatarUrl: row.avatar_url,
    createdTs: Number(row.created_ts),
    lastSeenTs: row.last_seen_ts === null ? null : Number(row.last_seen_ts),
    locked: Number(row.locked) === 1,
    suspended: Number(row.suspended) === 1,
    shadowBanned: Number(row.shadow_banned) === 1,
  };
}
