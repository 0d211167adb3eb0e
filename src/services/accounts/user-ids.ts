// User ids of this server (appendices, "User Identifiers"): what a new localpart may look like, and
// turning what clients send (a localpart or a full id) into a user id.

/** The longest user id, in bytes, including '@' and ':server_name'. */
export const MAX_USER_ID_BYTES = 255;

const NEW_LOCALPART = /^[a-z0-9._=\-/+]+$/;

/**
 * Why a localpart cannot be registered, or undefined when it can. New localparts use the spec's current
 * grammar (a-z, 0-9, `._=-/+`); like Synapse, a leading `_` (reserved for bridges' users) and all-digit
 * localparts (reserved for generated and guest users) are refused too.
 */
export function localpartProblem(localpart: string, serverName: string): string | undefined {
  if (localpart === '') return 'User ID cannot be empty';
  if (!NEW_LOCALPART.test(localpart)) return "User ID can only contain characters a-z, 0-9, or '=_-./+'";
  if (localpart.startsWith('_')) return 'User ID may not begin with _';
  if (Buffer.byteLength(userIdOf(localpart, serverName), 'utf8') > MAX_USER_ID_BYTES) {
    return `User ID may not be longer than ${MAX_USER_ID_BYTES} characters`;
  }
  if (/^\d+$/.test(localpart)) return 'Numeric user IDs are reserved for guest users.';
  return undefined;
}

export function userIdOf(localpart: string, serverName: string): string {
  return `@${localpart}:${serverName}`;
}

/** The localpart of a user id of this server, or undefined for another server's or a malformed id. */
export function localpartOf(userId: string, serverName: string): string | undefined {
  if (!userId.startsWith('@')) return undefined;
  const colon = userId.indexOf(':');
  if (colon < 0 || userId.slice(colon + 1) !== serverName) return undefined;
  return userId.slice(1, colon);
}

/** True for something shaped like a user id: '@', a localpart without ':' or NUL, ':', a domain. */
export function looksLikeUserId(value: string): boolean {
  const colon = value.indexOf(':');
  return (
    value.startsWith('@') &&
    colon > 0 &&
    colon < value.length - 1 &&
    !value.includes('\u0000') &&
    Buffer.byteLength(value, 'utf8') <= MAX_USER_ID_BYTES
  );
}

/**
 * True for a syntactically valid room id: '!' and an opaque part (v12 room ids have no server name),
 * no NUL, at most 255 bytes.
 */
export function looksLikeRoomId(value: string): boolean {
  return (
    value.length > 1 &&
    value.startsWith('!') &&
    !value.includes('\u0000') &&
    Buffer.byteLength(value, 'utf8') <= 255
  );
}

/** What a client put in `identifier.user` (or the legacy `user`): a localpart or a full user id. */
export function qualifyUserId(user: string, serverName: string): string {
  return user.startsWith('@') ? user : userIdOf(user, serverName);
}
