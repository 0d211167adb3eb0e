// Content-Type and Content-Disposition of served media (client-server-api, "Serving inline content").
// Pure: the headers follow from the stored content type and upload name alone.

/** The types the spec lists as safe to serve inline. */
const INLINE_TYPES = new Set([
  'text/css',
  'text/plain',
  'text/csv',
  'application/json',
  'application/ld+json',
  'image/jpeg',
  'image/gif',
  'image/png',
  'image/apng',
  'image/webp',
  'image/avif',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'video/quicktime',
  'audio/mp4',
  'audio/webm',
  'audio/aac',
  'audio/mpeg',
  'audio/ogg',
  'audio/wave',
  'audio/wav',
  'audio/x-wav',
  'audio/x-pn-wav',
  'audio/flac',
  'audio/x-flac',
]);

/** The spec's recommended policy for served media. */
export const MEDIA_CSP =
  "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; object-src 'self';";

/** The media type without parameters, lowercased (`Text/Plain; charset=utf-8` → `text/plain`). */
export function essence(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** Whether a content type may be served inline. */
export function isInlineSafe(contentType: string): boolean {
  return INLINE_TYPES.has(essence(contentType));
}

/**
 * The Content-Disposition: `inline` only for the spec's safe types, else `attachment`; the file name as
 * RFC 6266 asks (a plain `filename` when it is printable ASCII without quotes or backslashes, else
 * `filename*=utf-8''` with percent-encoding).
 */
export function contentDisposition(contentType: string, fileName: string | null): string {
  const type = isInlineSafe(contentType) ? 'inline' : 'attachment';
  if (!fileName) return type;
  if (/^[\x20-\x7e]*$/.test(fileName) && !/["\\]/.test(fileName)) return `${type}; filename="${fileName}"`;
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename*=utf-8''${encoded}`;
}

/** A content type to send: the stored one, or the generic binary type when none was given. */
export function servedContentType(stored: string | null): string {
  return stored && stored.trim() !== '' ? stored : 'application/octet-stream';
}
