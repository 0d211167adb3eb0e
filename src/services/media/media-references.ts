// Which media an event refers to. Pure: the Admin API uses it to list and quarantine a room's media, and to
// find the media in use as avatars, which deletion by age keeps.

/** mxc://{serverName}/{mediaId}, as Synapse's MXC_REGEX reads it (anything after the id is ignored). */
const MXC = /^mxc:\/\/([^/]+)\/([^/?#]+)/;

export interface MediaRef {
  serverName: string;
  mediaId: string;
}

export function parseMxc(uri: unknown): MediaRef | undefined {
  if (typeof uri !== 'string') return undefined;
  const match = MXC.exec(uri);
  return match ? { serverName: match[1]!, mediaId: match[2]! } : undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * The mxc URIs in an event's content: the attachment (`url`, or `file.url` of an encrypted attachment sent
 * in the clear), its thumbnail (`info.thumbnail_url`, `info.thumbnail_file.url`) and a member's
 * `avatar_url`. Synapse looks at `url` and `info.thumbnail_url` only; the others are media of the room too.
 */
export function mediaUrisOfContent(content: unknown): string[] {
  const info = field(content, 'info');
  const candidates = [
    field(content, 'url'),
    field(field(content, 'file'), 'url'),
    field(info, 'thumbnail_url'),
    field(field(info, 'thumbnail_file'), 'url'),
    field(content, 'avatar_url'),
  ];
  return candidates.filter((uri): uri is string => parseMxc(uri) !== undefined);
}

/** The media a current avatar event shows: a room's picture and its thumbnail, or a member's avatar. */
export function avatarUrisOfEvent(event: { type?: unknown; content?: unknown }): string[] {
  const { content } = event;
  if (event.type === 'm.room.avatar') {
    const uris = [field(content, 'url'), field(field(content, 'info'), 'thumbnail_url')];
    return uris.filter((uri): uri is string => parseMxc(uri) !== undefined);
  }
  if (event.type === 'm.room.member') {
    const uri = field(content, 'avatar_url');
    return parseMxc(uri) ? [uri as string] : [];
  }
  return [];
}
