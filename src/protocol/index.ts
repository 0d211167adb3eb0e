// The protocol library's public face: pure Matrix logic with no I/O (README.md beside this file).
export {
  canonicalJson,
  compareCodePoints,
  CanonicalJsonError,
  MAX_SAFE_INTEGER,
  type JsonObject,
  type JsonValue,
} from './canonical-json.js';
export { decodeBase64, encodeBase64, encodeBase64Url } from './base64.js';
export {
  signJson,
  verifyJsonSignature,
  signatureOf,
  publicKeyFromSeed,
  publicKeyBase64,
  type SigningKey,
  type Signatures,
} from './signing.js';
export {
  contentHash,
  referenceHash,
  addContentHash,
  signEvent,
  verifyEventSignature,
  checkContentHash,
  toPdu,
} from './hashes.js';
export { eventId, roomIdFromCreateEvent, toRoomEvent, EventIdError } from './event-id.js';
export { redact, keptContentKeys } from './redact.js';
export { checkPduFormat, MAX_PDU_BYTES, MAX_ID_BYTES, type PduFormatResult } from './pdu/format.js';
export {
  referencedIds,
  stateKeyOf,
  type EventReference,
  type Pdu,
  type RoomEvent,
  type StateMap,
} from './pdu/types.js';
export {
  roomVersions,
  roomVersionRules,
  DEFAULT_ROOM_VERSION,
  UnsupportedRoomVersionError,
  type RoomVersionRules,
  type EventIdFormat,
  type StateResolutionAlgorithm,
} from './room-versions.js';
export { parseServerName, isValidServerName, type ParsedServerName } from './server-name.js';
export * from './auth-rules/index.js';
export { resolveState, isPowerEvent, type StateResolutionProvider } from './state-res/index.js';
