// Matrix's "unpadded Base64" (appendices, "Unpadded Base64"): standard alphabet, no trailing '='.
// Decoding accepts padded input and the URL-safe alphabet too, as the spec asks implementations to.

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

const BASE64_CHARS = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** Decodes unpadded or padded Base64 (standard or URL-safe); throws on characters outside the alphabet. */
export function decodeBase64(text: string): Uint8Array {
  if (!BASE64_CHARS.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new Error('invalid base64');
  }
  return new Uint8Array(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}
