// Public surface of the authorization rules; see result.ts for how rejections are named.
export { authorize } from './authorize.js';
export { authEventTypes, type EventShape } from './auth-events.js';
export type { AuthorizeOptions, ServerSignatureVerifier } from './context.js';
export { roomCreator, roomCreators, roomIdOfCreateEvent } from './create.js';
export {
  namedPowerLevel,
  parsePowerLevels,
  parsePowerLevelValue,
  requiredPowerLevelForEvent,
  userPowerLevel,
  LEVEL_KEYS,
  type LevelKey,
  type PowerLevels,
  type RoomVersionLike,
} from './power-levels.js';
export { specRuleNumber, type AuthResult, type RuleId } from './result.js';
