// Password hashes: argon2id for everything Hearth writes; bcrypt ($2a$/$2b$/$2y$) hashes brought over from
// Synapse are verified (with Synapse's password_config.pepper appended, as Synapse hashed them) and
// reported as needing a rehash, so a successful login upgrades them to argon2id.
// Loaded on the first password operation, so an idle server does not hold the native module.
const argon2 = () => import('@node-rs/argon2');
type Argon2Module = Awaited<ReturnType<typeof argon2>>;

export interface Argon2Cost {
  /** KiB of memory per hash. */
  memoryCost: number;
  /** Passes over the memory. */
  timeCost: number;
  parallelism: number;
}

/** OWASP's recommended argon2id setting (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane. */
export const OWASP_ARGON2ID: Argon2Cost = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export interface VerifyResult {
  ok: boolean;
  /** The hash is bcrypt, or argon2 with other costs than configured: store a fresh hash. */
  needsRehash: boolean;
}

export class PasswordHasher {
  constructor(
    private readonly cost: Argon2Cost = OWASP_ARGON2ID,
    /** Synapse's password_config.pepper: appended to the password before bcrypt verification. */
    private readonly bcryptPepper = '',
  ) {}

  /** An argon2id hash in PHC format (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
  async hash(password: string): Promise<string> {
    return (await argon2()).hash(password, { ...this.cost });
  }

  async verify(password: string, storedHash: string | null): Promise<VerifyResult> {
    if (!storedHash) return { ok: false, needsRehash: false };
    try {
      if (storedHash.startsWith('$argon2')) {
        const module = await argon2();
        const ok = await module.verify(storedHash, password);
        return { ok, needsRehash: ok && !this.hasCurrentCost(storedHash, module.parseOptions) };
      }
      if (/^\$2[abxy]\$/.test(storedHash)) {
        // Pure JavaScript bcrypt, loaded on first use: only users imported from Synapse have such hashes,
        // and each is replaced by argon2id at its first successful login.
        const { default: bcrypt } = await import('bcryptjs');
        const ok = await bcrypt.compare(password + this.bcryptPepper, storedHash);
        return { ok, needsRehash: ok };
      }
    } catch {
      // A malformed stored hash verifies nothing.
    }
    return { ok: false, needsRehash: false };
  }

  private hasCurrentCost(storedHash: string, parseOptions: Argon2Module['parseOptions']): boolean {
    try {
      const options = parseOptions(storedHash);
      return (
        storedHash.startsWith('$argon2id$') &&
        options.memoryCost === this.cost.memoryCost &&
        options.timeCost === this.cost.timeCost &&
        options.parallelism === this.cost.parallelism
      );
    } catch {
      return false;
    }
  }
}
