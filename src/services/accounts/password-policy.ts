// Synapse's password_config as the accounts services use it: which uses of a password are allowed
// (`enabled` true, false or "only_for_reauth"; `localdb_enabled`), and the policy a new password must
// meet. The policy applies where a user chooses a password (POST /register, POST /account/password);
// like Synapse, the shared-secret admin registration and `hearth register-user` are trusted and skip it.
import type { PasswordsEnabled, PasswordPolicyConfig } from '../../config/password-config.js';
import { MatrixError } from './errors.js';

export interface PasswordConfig {
  enabled: PasswordsEnabled;
  localdb_enabled: boolean;
  policy: PasswordPolicyConfig;
}

/** What passwords may be used for. Hearth has no password providers, so the local database is all. */
export interface PasswordUse {
  /** m.login.password at /login (and offered in GET /login). */
  login: boolean;
  /** m.login.password as a user-interactive auth stage. */
  reauth: boolean;
  /** Setting or changing a password (POST /account/password): Synapse's can_change_password. */
  change: boolean;
}

export function passwordUse(config: Pick<PasswordConfig, 'enabled' | 'localdb_enabled'>): PasswordUse {
  const local = config.localdb_enabled;
  const reauth = config.enabled !== false && local;
  return { login: config.enabled === true && local, reauth, change: reauth };
}

/** A refused password: 400 with Synapse's errcode for the rule it broke. */
export class PasswordRefused extends MatrixError {
  constructor(errcode: string, message: string) {
    super(400, errcode, message);
  }
}

// Synapse counts anything that is neither a letter nor a digit as a symbol (Unicode-aware).
const DIGIT = /\p{Nd}/u;
const SYMBOL = /[^\p{L}\p{Nd}]/u;
const LOWERCASE = /\p{Ll}/u;
const UPPERCASE = /\p{Lu}/u;

/** Throws PasswordRefused for the first rule the password breaks; the rules are checked in Synapse's order. */
export function checkPasswordPolicy(password: string, policy: PasswordPolicyConfig): void {
  if (!policy.enabled) return;
  // Length in code points, as Python's len() counts it.
  if ([...password].length < policy.minimum_length) {
    throw new PasswordRefused(
      'M_PASSWORD_TOO_SHORT',
      `The password must be at least ${policy.minimum_length} characters long`,
    );
  }
  if (policy.require_digit && !DIGIT.test(password)) {
    throw new PasswordRefused('M_PASSWORD_NO_DIGIT', 'The password must include at least one digit');
  }
  if (policy.require_symbol && !SYMBOL.test(password)) {
    throw new PasswordRefused('M_PASSWORD_NO_SYMBOL', 'The password must include at least one symbol');
  }
  if (policy.require_uppercase && !UPPERCASE.test(password)) {
    throw new PasswordRefused(
      'M_PASSWORD_NO_UPPERCASE',
      'The password must include at least one uppercase letter',
    );
  }
  if (policy.require_lowercase && !LOWERCASE.test(password)) {
    throw new PasswordRefused(
      'M_PASSWORD_NO_LOWERCASE',
      'The password must include at least one lowercase letter',
    );
  }
}
