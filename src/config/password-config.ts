// Synapse's password_config: whether passwords may be used at all (`enabled`: true, false or
// "only_for_reauth", which keeps them for user-interactive auth but not for /login), the pepper for
// Synapse's bcrypt hashes, and the policy a new password must meet.
import { ConfigValueError, boolean, integer, object, string, withDefault, type Parser } from './schema.js';

export type PasswordsEnabled = boolean | 'only_for_reauth';

const passwordsEnabled: Parser<PasswordsEnabled> = (value, path) => {
  if (typeof value === 'boolean' || value === 'only_for_reauth') return value;
  throw new ConfigValueError(path, 'true, false or "only_for_reauth"', value);
};

export const passwordPolicyConfig = object({
  enabled: withDefault(boolean(), false),
  minimum_length: withDefault(integer({ min: 0 }), 0),
  require_digit: withDefault(boolean(), false),
  require_symbol: withDefault(boolean(), false),
  require_lowercase: withDefault(boolean(), false),
  require_uppercase: withDefault(boolean(), false),
});

export type PasswordPolicyConfig = ReturnType<typeof passwordPolicyConfig>;

export const passwordConfig = object({
  enabled: withDefault(passwordsEnabled, true),
  // Accepted for Synapse configs; Hearth has no password auth providers, so the local database is the
  // only place passwords are checked either way.
  localdb_enabled: withDefault(boolean(), true),
  pepper: withDefault(string(), ''),
  policy: passwordPolicyConfig,
});
