// The m.room.member rules (rule 5 of v1–v5 and v12, rule 4 of v6–v11).
import { referencedIds } from '../pdu/types.js';
import type { AuthContext } from './context.js';
import { roomCreator } from './create.js';
import { domainOf } from './identifiers.js';
import { checkInvite } from './invite.js';
import { ALLOWED, reject, type AuthResult } from './result.js';

export function checkMember(ctx: AuthContext): AuthResult {
  const { event, rules } = ctx;
  const { membership } = event.content;
  if (event.state_key === undefined || membership === undefined) {
    return reject('m.room.member/malformed', rules, 'no state_key or no content.membership');
  }
  if (rules.restrictedJoinRule && Object.hasOwn(event.content, 'join_authorised_via_users_server')) {
    const authoriser = event.content.join_authorised_via_users_server;
    const server = typeof authoriser === 'string' ? domainOf(authoriser) : undefined;
    if (server === undefined || !ctx.verifyServerSignature(event, server)) {
      return reject(
        'm.room.member/authorised-via-signature',
        rules,
        "the event is not signed by join_authorised_via_users_server's server",
      );
    }
  }
  switch (membership) {
    case 'join':
      return checkJoin(ctx, event.state_key);
    case 'invite':
      return checkInvite(ctx, event.state_key);
    case 'leave':
      return checkLeave(ctx, event.state_key);
    case 'ban':
      return checkBan(ctx, event.state_key);
    case 'knock':
      if (rules.knockJoinRule) return checkKnock(ctx, event.state_key);
      break;
  }
  return reject('m.room.member/unknown', rules, `unknown membership ${JSON.stringify(membership)}`);
}

function checkJoin(ctx: AuthContext, target: string): AuthResult {
  const { event, rules, create } = ctx;
  const prevEvents = referencedIds(event.prev_events);
  // The creator's own first join has nothing else to be authorised by.
  if (
    create &&
    prevEvents.length === 1 &&
    prevEvents[0] === create.event_id &&
    target === roomCreator(create, rules)
  ) {
    return ALLOWED;
  }
  if (event.sender !== target) {
    return reject('m.room.member/join/sender-mismatch', rules, 'sender does not match state_key');
  }
  const current = ctx.membership(event.sender);
  if (current === 'ban') return reject('m.room.member/join/banned', rules, 'sender is banned');
  const joinRule = ctx.joinRule();
  const isMember = current === 'invite' || current === 'join';
  if (joinRule === 'invite' || (rules.knockJoinRule && joinRule === 'knock')) {
    if (isMember) return ALLOWED;
  }
  const restricted =
    (rules.restrictedJoinRule && joinRule === 'restricted') ||
    (rules.knockRestrictedJoinRule && joinRule === 'knock_restricted');
  if (restricted) {
    if (isMember) return ALLOWED;
    const authoriser = event.content.join_authorised_via_users_server;
    if (
      typeof authoriser !== 'string' ||
      ctx.membership(authoriser) !== 'join' ||
      ctx.power(authoriser) < ctx.powerLevels.levels.invite
    ) {
      return reject(
        'm.room.member/join/authoriser',
        rules,
        'join_authorised_via_users_server is not a joined member able to invite',
      );
    }
    return ALLOWED;
  }
  if (joinRule === 'public') return ALLOWED;
  return reject(
    'm.room.member/join/not-allowed',
    rules,
    `join rule ${String(joinRule)} does not let sender join`,
  );
}

function checkLeave(ctx: AuthContext, target: string): AuthResult {
  const { event, rules } = ctx;
  if (event.sender === target) {
    const current = ctx.membership(target);
    const mayLeave =
      current === 'invite' || current === 'join' || (rules.knockJoinRule && current === 'knock');
    return mayLeave
      ? ALLOWED
      : reject('m.room.member/leave/not-member', rules, `sender cannot leave from ${String(current)}`);
  }
  if (ctx.membership(event.sender) !== 'join') {
    return reject('m.room.member/leave/sender-not-joined', rules, 'sender is not joined');
  }
  const senderPower = ctx.power(event.sender);
  const { ban, kick } = ctx.powerLevels.levels;
  if (ctx.membership(target) === 'ban' && senderPower < ban) {
    return reject(
      'm.room.member/leave/target-banned',
      rules,
      'target is banned and sender is below the ban level',
    );
  }
  if (senderPower >= kick && ctx.power(target) < senderPower) return ALLOWED;
  return reject(
    'm.room.member/leave/insufficient-power',
    rules,
    "sender is below the kick level or not above the target's level",
  );
}

function checkBan(ctx: AuthContext, target: string): AuthResult {
  const { event, rules } = ctx;
  if (ctx.membership(event.sender) !== 'join') {
    return reject('m.room.member/ban/sender-not-joined', rules, 'sender is not joined');
  }
  const senderPower = ctx.power(event.sender);
  if (senderPower >= ctx.powerLevels.levels.ban && ctx.power(target) < senderPower) return ALLOWED;
  return reject(
    'm.room.member/ban/insufficient-power',
    rules,
    "sender is below the ban level or not above the target's level",
  );
}

function checkKnock(ctx: AuthContext, target: string): AuthResult {
  const { event, rules } = ctx;
  const joinRule = ctx.joinRule();
  const knockable =
    joinRule === 'knock' || (rules.knockRestrictedJoinRule && joinRule === 'knock_restricted');
  if (!knockable) {
    return reject(
      'm.room.member/knock/join-rule',
      rules,
      `join rule ${String(joinRule)} does not allow knocking`,
    );
  }
  if (event.sender !== target) {
    return reject('m.room.member/knock/sender-mismatch', rules, 'sender does not match state_key');
  }
  const current = ctx.membership(event.sender);
  if (current !== 'ban' && current !== 'invite' && current !== 'join') return ALLOWED;
  return reject('m.room.member/knock/already-member', rules, `sender is already ${current}`);
}
