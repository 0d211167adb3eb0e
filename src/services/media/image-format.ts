// Which image formats Hearth thumbnails, told from a file's first bytes, never from the Content-Type the
// uploader claimed. Pure.
//
// Only these decoders ever see user content: every format let through makes its decoder part of what an
// attacker can reach. So, like Synapse, a short list of the formats chat clients send as pictures:
// JPEG, PNG, GIF, WebP, and AVIF (phones and browsers produce it now). Not SVG (a document that can
// reference other files and run scripts, rendered by a large library), not TIFF, PDF or libvips' own
// format. Sniffing the magic bytes first means an SVG labelled image/png never reaches a decoder.

/** sharp's names for the formats thumbnailed; AVIF is read by its HEIF loader. */
export type ThumbnailableFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'heif';

/** How many leading bytes `sniffImageFormat` needs to see. */
export const SNIFF_BYTES = 64;

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) =>
  head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

export function sniffImageFormat(head: Uint8Array): ThumbnailableFormat | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'webp';
  if (isAvif(head)) return 'heif';
  return undefined;
}

/** An ISO-BMFF `ftyp` box naming AVIF as its major or a compatible brand (HEIC without AV1 is not). */
function isAvif(head: Uint8Array): boolean {
  if (!startsWith(head, ascii('ftyp'), 4)) return false;
  const boxSize = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  const end = Math.min(boxSize, head.length);
  // Major brand at 8, minor version at 12, compatible brands from 16.
  for (let at = 8; at + 4 <= end; at += at === 8 ? 8 : 4)
    if (startsWith(head, ascii('avif'), at) || startsWith(head, ascii('avis'), at)) return true;
  return false;
}
