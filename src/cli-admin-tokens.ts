// `hearth admin create-registration-token`: a token for registration_requires_token, made by the same
// service (and with the same rules) as the Admin API's POST /_synapse/admin/v1/registration_tokens/new.
import { RegistrationTokens } from './services/accounts/registration-tokens.js';
import { UsageError, type AdminCommand } from './cli-admin-context.js';

const DAY_MS = 86_400_000;

export const REGISTRATION_TOKEN_COMMAND: AdminCommand = {
  name: 'create-registration-token',
  summary: 'Create a registration token; prints it',
  help: `Usage: hearth admin create-registration-token [-c FILE] [--token TOKEN | --length N]
                                        [--uses-allowed N] [--expires-in-days N] [--json]

Creates a token for registration_requires_token and prints it (with --json, the Admin API's shape:
token, uses_allowed, pending, completed, expiry_time).
  --token TOKEN            the token itself (A-Z, a-z, 0-9, '.', '_', '~', '-'; up to 64 characters)
  --length N               the length of a generated token (default 16)
  --uses-allowed N         how many registrations it allows (default: unlimited)
  --expires-in-days N      days until it expires (default: never)
  --json                   print the stored token as JSON
`,
  options: {
    token: { type: 'string' },
    length: { type: 'string' },
    'uses-allowed': { type: 'string' },
    'expires-in-days': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, ctx) {
    if (values.token !== undefined && values.length !== undefined) {
      throw new UsageError('--token and --length contradict each other');
    }
    const body: Record<string, unknown> = {};
    if (values.token !== undefined) body.token = values.token;
    if (values.length !== undefined) body.length = whole(values.length, '--length');
    if (values['uses-allowed'] !== undefined) {
      body.uses_allowed = whole(values['uses-allowed'], '--uses-allowed');
    }
    const now = Date.now();
    if (values['expires-in-days'] !== undefined) {
      const days = Number(values['expires-in-days']);
      if (!Number.isFinite(days) || days <= 0) {
        throw new UsageError(`--expires-in-days must be a number above 0, not ${values['expires-in-days']}`);
      }
      body.expiry_time = now + Math.round(days * DAY_MS);
    }
    const tokens = new RegistrationTokens(await ctx.database(), () => now);
    const created = await tokens.create(body);
    ctx.io.stdout(values.json ? JSON.stringify(created) : created.token);
    return 0;
  },
};

/** A non-negative whole number from the command line; the service checks the allowed range. */
function whole(value: string | boolean | undefined, option: string): number {
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${option} must be a whole number, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}
