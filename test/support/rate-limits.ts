// Tests and benchmarks act far faster than a person: Synapse's default rate limits (10 messages, then one
// every 5 s) would refuse them. A test config gets limits no test reaches for every rc_* key it does not
// set itself, so a test about rate limits sets exactly the ones it exercises and keeps the defaults'
// semantics, and no other test depends on how fast it runs.

const GENEROUS = '{ per_second: 1000000, burst_count: 1000000 }';

/** Each rate-limit key of homeserver.yaml with a generous value of its shape. */
export const GENEROUS_RATE_LIMITS: Record<string, string> = {
  rc_message: GENEROUS,
  rc_registration: GENEROUS,
  rc_registration_token_validity: GENEROUS,
  rc_login: `{ address: ${GENEROUS}, account: ${GENEROUS}, failed_attempts: ${GENEROUS} }`,
  rc_joins: `{ local: ${GENEROUS} }`,
  rc_joins_per_room: GENEROUS,
  rc_invites: `{ per_room: ${GENEROUS}, per_user: ${GENEROUS}, per_issuer: ${GENEROUS} }`,
  rc_room_creation: GENEROUS,
  rc_user_directory: GENEROUS,
  rc_presence: `{ per_user: ${GENEROUS} }`,
  rc_media_create: GENEROUS,
};

/** The YAML with a generous line appended for every rc_* key it does not set at its top level. */
export function withGenerousRateLimits(yaml: string): string {
  let out = yaml.endsWith('\n') ? yaml : `${yaml}\n`;
  for (const [key, value] of Object.entries(GENEROUS_RATE_LIMITS)) {
    if (!new RegExp(`^${key}\\s*:`, 'm').test(yaml)) out += `${key}: ${value}\n`;
  }
  return out;
}
