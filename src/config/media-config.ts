// The media repository's keys of homeserver.yaml, with Synapse's names, meanings and defaults.
import { isIP } from 'node:net';
import {
  ConfigValueError,
  boolean,
  integer,
  list,
  map,
  object,
  oneOf,
  optional,
  string,
  withDefault,
  type Parser,
} from './schema.js';
import { duration, size } from './units.js';

export interface ThumbnailSize {
  width: number;
  height: number;
  method: 'crop' | 'scale';
}

/** Synapse's default thumbnail_sizes. */
export const DEFAULT_THUMBNAIL_SIZES: readonly ThumbnailSize[] = [
  { width: 32, height: 32, method: 'crop' },
  { width: 96, height: 96, method: 'crop' },
  { width: 320, height: 240, method: 'scale' },
  { width: 640, height: 480, method: 'scale' },
  { width: 800, height: 600, method: 'scale' },
];

const thumbnailSize: Parser<ThumbnailSize> = object({
  width: integer({ min: 1, max: 10_000 }),
  height: integer({ min: 1, max: 10_000 }),
  method: withDefault(oneOf('crop', 'scale'), 'scale'),
});

/** An IPv4 or IPv6 address or CIDR range, as url_preview_ip_range_blacklist takes them. */
const ipRange: Parser<string> = map(string({ nonEmpty: true }), (value, path) => {
  const [address, bits, extra] = value.split('/');
  const family = isIP(address ?? '');
  const max = family === 4 ? 32 : 128;
  const ok =
    family !== 0 &&
    extra === undefined &&
    (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max));
  if (!ok) throw new ConfigValueError(path, 'an IP address or CIDR range such as 10.0.0.0/8', value);
  return value;
});

export const mediaKeys = {
  /** Hearth serves media itself; false turns the endpoints off (a separate media server). */
  enable_media_repo: withDefault(boolean(), true),
  max_upload_size: withDefault(size(), 50 * 1024 ** 2),
  max_image_pixels: withDefault(size(), 32 * 1024 ** 2),
  dynamic_thumbnails: withDefault(boolean(), false),
  thumbnail_sizes: withDefault(list(thumbnailSize), [...DEFAULT_THUMBNAIL_SIZES]),
  enable_authenticated_media: withDefault(boolean(), true),
  max_pending_media_uploads: withDefault(integer({ min: 1 }), 5),
  unused_expiration_time: withDefault(duration(), 24 * 3_600_000),
  url_preview_enabled: withDefault(boolean(), false),
  url_preview_ip_range_blacklist: optional(list(ipRange)),
  url_preview_ip_range_whitelist: withDefault(list(ipRange), []),
  max_spider_size: withDefault(size(), 10 * 1024 ** 2),
  url_preview_accept_language: withDefault(list(string({ nonEmpty: true })), ['en']),
  media_retention: object({
    local_media_lifetime: optional(duration()),
    remote_media_lifetime: optional(duration()),
  }),
};
