// Synapse's shared-secret registration (POST /_synapse/admin/v1/register), exactly as register_new_matrix_user
// and other tools speak it: GET hands out a nonce (valid 60 s, once); POST carries an HMAC-SHA1, keyed with
// registration_shared_secret, over nonce NUL username NUL password NUL "admin"|"notadmin" [NUL user_type].
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClientRegistration, RegisterResponse } from './client-registration.js';
import { MAX_PASSWORD_LENGTH } from './credentials.js';
import { MatrixError, badRequest } from './errors.js';
import type { PasswordHasher } from './password-hasher.js';
import { USER_TYPES, type Registration } from './registration.js';

const NONCE_TIMEOUT_MS = 60_000;
/** Nonces are free to ask for; past this many outstanding ones the oldest are dropped. */
const MAX_NONCES = 10_000;

export interface SharedSecretDeps {
  /** undefined: shared-secret registration is off. */
  secret: string | undefined;
  registration: Registration;
  clientRegistration: ClientRegistration;
  hasher: PasswordHasher;
  clock: () => number;
}

/** The MAC a client computes (exported for tools and tests). */
export function registrationMac(
  secret: string,
  fields: { nonce: string; username: string; password: string; admin: boolean; userType?: string | null },
): string {
  const mac = createHmac('sha1', Buffer.from(secret, 'utf8'));
  mac.update(Buffer.from(fields.nonce, 'utf8'));
  mac.update(Buffer.from([0]));
  mac.update(Buffer.from(fields.username, 'utf8'));
  mac.update(Buffer.from([0]));
  mac.update(Buffer.from(fields.password, 'utf8'));
  mac.update(Buffer.from([0]));
  mac.update(fields.admin ? 'admin' : 'notadmin');
  if (fields.userType) {
    mac.update(Buffer.from([0]));
    mac.update(Buffer.from(fields.userType, 'utf8'));
  }
  return mac.digest('hex');
}

export class SharedSecretRegistration {
  private readonly nonces = new Map<string, number>();

  constructor(private readonly deps: SharedSecretDeps) {}

  get enabled(): boolean {
    return this.deps.secret !== undefined;
  }

  createNonce(): string {
    this.clearOldNonces();
    const nonce = randomBytes(64).toString('hex');
    if (this.nonces.size >= MAX_NONCES) this.nonces.delete(this.nonces.keys().next().value!);
    this.nonces.set(nonce, this.deps.clock());
    return nonce;
  }

  async register(body: Record<string, unknown>): Promise<RegisterResponse> {
    this.clearOldNonces();
    const secret = this.deps.secret;
    if (secret === undefined) throw badRequest('Shared secret registration is not enabled');
    if (!('nonce' in body)) throw badRequest('nonce must be specified', 'M_BAD_JSON');
    const nonce = body.nonce;
    if (typeof nonce !== 'string' || !this.nonces.has(nonce)) throw badRequest('unrecognised nonce');
    // A nonce is spent by any attempt, right or wrong.
    this.nonces.delete(nonce);

    if (!('username' in body)) throw badRequest('username must be specified', 'M_BAD_JSON');
    const username = body.username;
    if (typeof username !== 'string' || username.length > 512 || username.includes('\u0000')) {
      throw badRequest('Invalid username');
    }
    if (!('password' in body)) throw badRequest('password must be specified', 'M_BAD_JSON');
    const password = body.password;
    if (
      typeof password !== 'string' ||
      password.length > MAX_PASSWORD_LENGTH ||
      password.includes('\u0000')
    ) {
      throw badRequest('Invalid password');
    }
    const admin = Boolean(body.admin);
    const userType = body.user_type ?? null;
    if (
      userType !== null &&
      (typeof userType !== 'string' || !(USER_TYPES as readonly string[]).includes(userType))
    ) {
      throw badRequest('Invalid user type');
    }
    const displayname = body.displayname;
    if (displayname !== undefined && displayname !== null && typeof displayname !== 'string') {
      throw badRequest('Invalid displayname', 'M_BAD_JSON');
    }
    if (!('mac' in body)) throw badRequest('mac must be specified', 'M_BAD_JSON');
    const want = Buffer.from(
      registrationMac(secret, { nonce, username, password, admin, userType }),
      'ascii',
    );
    const got = Buffer.from(typeof body.mac === 'string' ? body.mac : '', 'utf8');
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new MatrixError(403, 'M_FORBIDDEN', 'HMAC incorrect');
    }
    if (body.refresh_token !== undefined && typeof body.refresh_token !== 'boolean') {
      throw badRequest('refresh_token must be a boolean');
    }

    const userId = await this.deps.registration.register({
      localpart: username.toLowerCase(),
      passwordHash: await this.deps.hasher.hash(password),
      admin,
      userType,
      displayname: typeof displayname === 'string' ? displayname : undefined,
    });
    return this.deps.clientRegistration.details(userId, body);
  }

  private clearOldNonces(): void {
    const now = this.deps.clock();
    for (const [nonce, created] of this.nonces)
      if (now - created > NONCE_TIMEOUT_MS) this.nonces.delete(nonce);
  }
}
