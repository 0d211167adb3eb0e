// The deprecated, unauthenticated media paths (frozen since spec v1.11): v3, r0 and v1, all three of
// which Synapse still serves. Tools written for Synapse use them; synapse-admin links media through
// /_matrix/media/v1/download and shows avatars through /_matrix/media/r0/thumbnail.
export const LEGACY_MEDIA_PREFIXES = ['/_matrix/media/v3', '/_matrix/media/r0', '/_matrix/media/v1'] as const;
