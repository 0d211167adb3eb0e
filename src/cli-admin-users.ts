// `hearth admin make-admin | remove-admin | reset-password | list-users`: the user commands that change no
// room. The admin flag and access tokens are read from the database on every request, so a running
// server sees these changes at its next request.
import { listUsers, type AdminUserRow } from './storage/admin-users-store.js';
import { setAdmin, setPasswordHash } from './storage/users-store.js';
import { MAX_PASSWORD_LENGTH } from './services/accounts/credentials.js';
import { passwordUse } from './services/accounts/password-policy.js';
import {
  AdminCommandError,
  UsageError,
  type AdminCommand,
  type AdminContext,
  type OptionValues,
} from './cli-admin-context.js';

const USER_OPTION = { user: { type: 'string', short: 'u' } } as const;

function adminFlagCommand(name: string, admin: boolean): AdminCommand {
  const verb = admin ? 'Makes' : 'Stops';
  return {
    name,
    summary: admin ? 'Make an existing user a server admin' : 'Take server admin rights from a user',
    help: `Usage: hearth admin ${name} [-c FILE] -u NAME

${verb} ${admin ? 'an existing local user a server admin' : 'a local user from being a server admin'} (the Admin API's
"admin" flag). A running server applies it at the user's next request.
  -u, --user NAME          a localpart (alice) or a user id (@alice:example.com)
`,
    options: USER_OPTION,
    async run(values, ctx) {
      const user = await ctx.localUser(values.user as string | undefined);
      if (admin && user.deactivated) {
        throw new AdminCommandError(`${user.userId} is deactivated; it cannot be made an admin`);
      }
      if (user.isAdmin === admin) {
        ctx.io.stdout(`${user.userId} ${admin ? 'is already' : 'is not'} a server admin`);
        return 0;
      }
      await setAdmin((await ctx.database()).db, user.userId, admin);
      ctx.io.stdout(`${user.userId} ${admin ? 'is now' : 'is no longer'} a server admin`);
      return 0;
    },
  };
}

const RESET_PASSWORD: AdminCommand = {
  name: 'reset-password',
  summary: "Set a user's password; logs out their devices",
  help: `Usage: hearth admin reset-password [-c FILE] -u NAME [-p PASSWORD] [--keep-devices]

Sets a new password for a local user, as the Admin API's reset_password does: the password policy of
password_config does not apply (an admin chooses it), and it is refused when password_config disables
password changes. Every device of the user is logged out unless --keep-devices is given.
  -u, --user NAME          a localpart (alice) or a user id (@alice:example.com)
  -p, --password PASS      the new password (asked for twice, hidden, when missing;
                           a password on the command line is visible to other local users)
  --keep-devices           keep the user's devices and access tokens
`,
  options: {
    ...USER_OPTION,
    password: { type: 'string', short: 'p' },
    'keep-devices': { type: 'boolean' },
  },
  async run(values, ctx) {
    const user = await ctx.localUser(values.user as string | undefined);
    if (!passwordUse(ctx.config.password_config).change) {
      throw new AdminCommandError('password changes are disabled here (password_config.enabled)');
    }
    if (user.deactivated) throw new AdminCommandError(`${user.userId} is deactivated`);
    const password = await newPassword(values, ctx);
    const deps = await ctx.services();
    const devices = await deps.accounts.devices.list(user.userId);
    await setPasswordHash(deps.database.db, user.userId, await deps.accounts.hasher.hash(password));
    if (values['keep-devices']) {
      ctx.io.stdout(`Password of ${user.userId} reset; its ${devices.length} device(s) stay logged in`);
      return 0;
    }
    // Tokens without a device (admin tooling) go too: deleteAllDevices removes every token of the user.
    await deps.accounts.devices.deleteAllDevices(user.userId);
    ctx.io.stdout(`Password of ${user.userId} reset; ${devices.length} device(s) logged out`);
    return 0;
  },
};

async function newPassword(values: OptionValues, ctx: AdminContext): Promise<string> {
  let password = values.password as string | undefined;
  if (password === undefined) {
    password = await ctx.prompter.ask('New password: ', { hidden: true });
    if (!password) throw new AdminCommandError('Password cannot be blank.');
    const confirm = await ctx.prompter.ask('Confirm password: ', { hidden: true });
    if (confirm !== password) throw new AdminCommandError('Passwords do not match.');
  }
  if (password === '' || password.length > MAX_PASSWORD_LENGTH) {
    throw new AdminCommandError(`the password must be 1 to ${MAX_PASSWORD_LENGTH} characters`);
  }
  return password;
}

const LIST_USERS: AdminCommand = {
  name: 'list-users',
  summary: 'List local users (a table, or JSON with --json)',
  help: `Usage: hearth admin list-users [-c FILE] [--name TEXT] [--admins] [--deactivated] [--no-guests]
                         [--from N] [--limit N] [--json]

Lists local users ordered by user id, as the Admin API's user list does: deactivated users are left out
unless --deactivated is given, guests are included unless --no-guests is given.
  --name TEXT              only users whose localpart or display name contains TEXT
  --admins                 only server admins
  --deactivated            include deactivated users
  --no-guests              leave out guest users
  --from N, --limit N      the page to show (default: from 0, 100 users)
  --json                   print {"users": [...], "total": N} with the Admin API's field names
`,
  options: {
    name: { type: 'string' },
    admins: { type: 'boolean' },
    deactivated: { type: 'boolean' },
    'no-guests': { type: 'boolean' },
    from: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, ctx) {
    const from = count(values.from, '--from', 0);
    const limit = count(values.limit, '--limit', 100);
    const { users, total } = await listUsers(
      (await ctx.database()).db,
      {
        name: values.name as string | undefined,
        guests: values['no-guests'] !== true,
        deactivated: values.deactivated === true,
        admins: values.admins ? true : undefined,
        locked: true,
      },
      { from, limit, orderBy: 'name', direction: 'f' },
    );
    if (values.json) {
      ctx.io.stdout(JSON.stringify({ users: users.map(userJson), total }));
      return 0;
    }
    for (const line of table(users)) ctx.io.stdout(line);
    ctx.io.stdout(`${users.length} of ${total} user(s) shown`);
    return 0;
  },
};

function count(value: string | boolean | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${option} must be a whole number, not ${JSON.stringify(value)}`);
  }
  return n;
}

function userJson(user: AdminUserRow) {
  return {
    name: user.userId,
    displayname: user.displayname,
    admin: user.isAdmin,
    deactivated: user.deactivated,
    erased: user.erased,
    is_guest: user.isGuest,
    user_type: user.userType,
    creation_ts: user.createdTs,
    last_seen_ts: user.lastSeenTs,
  };
}

/** Fixed-width columns sized to their contents: readable in a terminal, easy to grep. */
function table(users: AdminUserRow[]): string[] {
  const day = (ts: number | null) => (ts === null ? '-' : new Date(ts).toISOString().slice(0, 10));
  const rows = [
    ['USER ID', 'ADMIN', 'DEACTIVATED', 'GUEST', 'CREATED', 'LAST SEEN', 'DISPLAY NAME'],
    ...users.map((u) => [
      u.userId,
      u.isAdmin ? 'yes' : 'no',
      u.deactivated ? (u.erased ? 'erased' : 'yes') : 'no',
      u.isGuest ? 'yes' : 'no',
      day(u.createdTs),
      day(u.lastSeenTs),
      u.displayname ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

export const ADMIN_USER_COMMANDS: AdminCommand[] = [
  adminFlagCommand('make-admin', true),
  adminFlagCommand('remove-admin', false),
  RESET_PASSWORD,
  LIST_USERS,
];
