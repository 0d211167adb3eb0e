// `hearth admin deactivate`: the Admin API's deactivation (devices and access tokens deleted, password
// cleared, account data and push rules deleted, with --erase the profile too, every room left) from the
// command line. Leaving rooms writes room events, which only the process serving the rooms may do: with
// a server running on this database the leaves are asked of it (cli-admin-server.ts), as the user, with
// an access token that lives for the length of the command; without one they are made in-process.
import { roomsForUser } from './storage/state-store.js';
import { deleteAccessToken } from './storage/tokens-store.js';
import { AdminCommandError, type AdminCommand, type AdminContext } from './cli-admin-context.js';
import { candidateUrls, findServingServer, leaveThroughServer } from './cli-admin-server.js';

const LEFT_MEMBERSHIPS = ['join', 'invite', 'knock'] as const;

export const DEACTIVATE_COMMAND: AdminCommand = {
  name: 'deactivate',
  summary: 'Deactivate a user (--erase: also erase the profile)',
  help: `Usage: hearth admin deactivate [-c FILE] -u NAME [--erase] [--yes] [--server-url URL]

Deactivates a local user as the Admin API does: their devices and access tokens are deleted, the password
cleared, account data and push rules deleted, every joined room left and every invite rejected. The user
id stays taken. It cannot be undone. Asks for confirmation unless --yes is given.
  -u, --user NAME          a localpart (alice) or a user id (@alice:example.com)
  --erase                  also delete the profile and mark the user erased (GDPR erasure)
  -y, --yes                do not ask for confirmation
  --server-url URL         where the running server answers, when not at the client listener of the
                           configuration (rooms are left through it; without a running server they
                           are left by this command)
`,
  options: {
    user: { type: 'string', short: 'u' },
    erase: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    'server-url': { type: 'string' },
  },
  async run(values, ctx) {
    const user = await ctx.localUser(values.user as string | undefined);
    const erase = values.erase === true;
    const deps = await ctx.services();
    const rooms = await roomsForUser(deps.database.db, user.userId, [...LEFT_MEMBERSHIPS]);
    if (user.deactivated && (!erase || user.erased)) {
      ctx.io.stdout(`${user.userId} is already deactivated${user.erased ? ' and erased' : ''}`);
      return 0;
    }
    if (user.deactivated && rooms.length > 0) {
      // Its access tokens are refused now, so the running server cannot be asked to leave for it.
      throw new AdminCommandError(`${user.userId} is deactivated but still in ${rooms.length} room(s)`);
    }
    if (!values.yes && !(await confirmed(ctx, user.userId, erase, rooms.length))) {
      ctx.io.stderr('Not deactivated.');
      return 1;
    }

    let leftThrough: string | undefined;
    if (rooms.length > 0) {
      const given = values['server-url'] as string | undefined;
      const { accessToken, tokenId } = await deps.accounts.tokens.issue(user.userId, null);
      leftThrough = await findServingServer(
        given ? [given.replace(/\/+$/, '')] : candidateUrls(ctx.config),
        accessToken,
        user.userId,
      );
      const failures: string[] = [];
      if (leftThrough) {
        for (const { roomId } of rooms) {
          const outcome = await leaveThroughServer(leftThrough, accessToken, roomId);
          if (outcome.ok) continue;
          // A rule's refusal (a server notices invite cannot be rejected) is what the Admin API's
          // deactivation meets too: the room is kept and the deactivation goes on. The same rule refuses
          // the in-process attempt deactivate() makes, so nothing is written beside the server.
          if (outcome.refused)
            ctx.io.stderr(`hearth admin deactivate: ${roomId} not left: ${outcome.reason}`);
          else failures.push(`${roomId}: ${outcome.reason}`);
        }
      } else if (given) {
        failures.push(`no Hearth serving this database answers at ${given}`);
      }
      if (failures.length > 0) {
        await deleteAccessToken(deps.database.db, tokenId, user.userId);
        for (const failure of failures) ctx.io.stderr(`  ${failure}`);
        throw new AdminCommandError(`${user.userId} was not deactivated: rooms could not be left`);
      }
      // The command's own token goes with the rest of the user's tokens in deactivate().
      if (leftThrough) {
        // From here on the rooms belong to the server just found: an invite that arrives before the
        // account is marked deactivated stays an invite rather than be rejected from this process.
        deps.rooms.membership.guards.push({
          beforeLeave: () => Promise.reject(new AdminCommandError('the running server owns the rooms')),
        });
      }
    }
    await deps.accounts.deactivation.deactivate(user.userId, { erase });
    const where = leftThrough ? ` (through the server at ${leftThrough})` : '';
    // Counted from the database: a room a rule kept the user in (offline too) is not claimed as left.
    const kept = (await roomsForUser(deps.database.db, user.userId, [...LEFT_MEMBERSHIPS])).length;
    const left = kept > 0 ? `${rooms.length - kept} of ${rooms.length}` : `${rooms.length}`;
    ctx.io.stdout(`${user.userId} deactivated${erase ? ' and erased' : ''}; left ${left} room(s)${where}`);
    return 0;
  },
};

async function confirmed(ctx: AdminContext, userId: string, erase: boolean, rooms: number): Promise<boolean> {
  const what = erase ? 'Deactivate and erase' : 'Deactivate';
  const answer = await ctx.prompter.ask(
    `${what} ${userId}? The user leaves ${rooms} room(s); this cannot be undone [no]: `,
  );
  const normalised = answer?.trim().toLowerCase();
  return normalised === 'y' || normalised === 'yes';
}
