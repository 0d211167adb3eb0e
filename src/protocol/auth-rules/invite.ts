// membership = invite, including invites that redeem a third-party invite (an m.room.third_party_invite
// whose `signed` block an identity server signed).
import type { JsonObject } from '../canonical-json.js';
import { decodeBase64 } from '../base64.js';
import { verifyJsonSignature } from '../signing.js';
import type { RoomEvent } from '../pdu/types.js';
import type { AuthContext } from './context.js';
import { ALLOWED, reject, type AuthResult } from './result.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkInvite(ctx: AuthContext, target: string): AuthResult {
  const { event, rules } = ctx;
  if (Object.hasOwn(event.content, 'third_party_invite')) return checkThirdPartyInvite(ctx, target);
  if (ctx.membership(event.sender) !== 'join') {
    return reject('m.room.member/invite/sender-not-joined', rules, 'sender is not joined');
  }
  const current = ctx.membership(target);
  if (current === 'join' || current === 'ban') {
    return reject('m.room.member/invite/target-joined-or-banned', rules, `target is already ${current}`);
  }
  if (ctx.power(event.sender) >= ctx.powerLevels.levels.invite) return ALLOWED;
  return reject('m.room.member/invite/insufficient-power', rules, 'sender is below the invite level');
}

function checkThirdPartyInvite(ctx: AuthContext, target: string): AuthResult {
  const { event, rules } = ctx;
  if (ctx.membership(target) === 'ban') {
    return reject('m.room.member/invite/third-party/banned', rules, 'target is banned');
  }
  const invite = event.content.third_party_invite;
  const signed = isObject(invite) ? invite.signed : undefined;
  if (!isObject(signed)) {
    return reject(
      'm.room.member/invite/third-party/no-signed',
      rules,
      'third_party_invite has no signed object',
    );
  }
  const { mxid, token } = signed;
  if (typeof mxid !== 'string' || typeof token !== 'string') {
    return reject('m.room.member/invite/third-party/no-mxid-token', rules, 'signed has no mxid or token');
  }
  if (mxid !== target) {
    return reject(
      'm.room.member/invite/third-party/mxid-mismatch',
      rules,
      'signed.mxid does not match state_key',
    );
  }
  const thirdPartyInvite = ctx.state('m.room.third_party_invite', token);
  if (!thirdPartyInvite) {
    return reject(
      'm.room.member/invite/third-party/no-invite-event',
      rules,
      'no m.room.third_party_invite for token',
    );
  }
  if (thirdPartyInvite.sender !== event.sender) {
    return reject(
      'm.room.member/invite/third-party/sender-mismatch',
      rules,
      'sender did not send the m.room.third_party_invite',
    );
  }
  if (signedByAnyKey(signed, publicKeysOf(thirdPartyInvite))) return ALLOWED;
  return reject(
    'm.room.member/invite/third-party/bad-signature',
    rules,
    'no signature in signed matches a public key of the m.room.third_party_invite',
  );
}

/** `public_key` and every `public_keys[].public_key`, decoded; keys that are not base64 are skipped. */
function publicKeysOf(thirdPartyInvite: RoomEvent): Uint8Array[] {
  const { public_key: single, public_keys: list } = thirdPartyInvite.content;
  const encoded: unknown[] = [single];
  if (Array.isArray(list)) for (const entry of list) if (isObject(entry)) encoded.push(entry.public_key);
  const keys: Uint8Array[] = [];
  for (const key of encoded) {
    if (typeof key !== 'string') continue;
    try {
      const bytes = decodeBase64(key);
      if (bytes.length === 32) keys.push(bytes);
    } catch {
      // An undecodable key cannot have made any signature; the others may still match.
    }
  }
  return keys;
}

function signedByAnyKey(signed: JsonObject, keys: readonly Uint8Array[]): boolean {
  const signatures = signed.signatures;
  if (!isObject(signatures)) return false;
  for (const [server, byKeyId] of Object.entries(signatures)) {
    if (!isObject(byKeyId)) continue;
    for (const keyId of Object.keys(byKeyId)) {
      if (keys.some((key) => verifyJsonSignature(signed, server, keyId, key))) return true;
    }
  }
  return false;
}
