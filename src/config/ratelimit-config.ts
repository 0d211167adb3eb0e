// Synapse's rate-limit keys (rc_*), with Synapse's defaults. Each limit is {per_second, burst_count}; a
// missing field takes its own default, as Synapse reads them. Limits Hearth does not enforce are left
// out of these shapes on purpose, so that the loader's unknown-key warning names them (rc_federation,
// rc_joins.remote, rc_3pid_validation, rc_third_party_invite, rc_delayed_event_mgmt, and rc_reports,
// which Synapse applies only to user reports, which Hearth does not have): set, they would otherwise
// look enforced.
import { ConfigValueError, object, optional, withDefault, type ConfigPath, type Parser } from './schema.js';

export interface RateLimitSettings {
  per_second: number;
  /** Whole actions, as Synapse truncates the configured number to an integer. */
  burst_count: number;
}

function positiveNumber(value: unknown, path: ConfigPath): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigValueError(path, 'a number greater than 0', value);
  }
  return value;
}

// Synapse divides by per_second and refuses every action at a burst below 1, so neither would be a
// working limit: a wrong value here is an error naming the key rather than a server that refuses all.
const perSecond: Parser<number> = (value, path) => positiveNumber(value, path);
const burstCount: Parser<number> = (value, path) => {
  const burst = Math.trunc(positiveNumber(value, path));
  if (burst < 1) throw new ConfigValueError(path, 'a number of at least 1', value);
  return burst;
};

export function rateLimit(defaultPerSecond: number, defaultBurstCount: number): Parser<RateLimitSettings> {
  return object({
    per_second: withDefault(perSecond, defaultPerSecond),
    burst_count: withDefault(burstCount, defaultBurstCount),
  });
}

export const ratelimitKeys = {
  rc_message: optional(rateLimit(0.2, 10)),
  // Synapse's older spelling of rc_message, read when rc_message is absent.
  rc_messages_per_second: optional(perSecond),
  rc_message_burst_count: optional(burstCount),
  rc_registration: rateLimit(0.17, 3),
  rc_registration_token_validity: rateLimit(0.1, 5),
  rc_login: object({
    address: rateLimit(0.003, 5),
    account: rateLimit(0.003, 5),
    failed_attempts: rateLimit(0.17, 3),
  }),
  // `remote` is Synapse's limit on joins over federation, which Hearth does not make yet.
  rc_joins: object({ local: rateLimit(0.1, 10) }),
  rc_joins_per_room: rateLimit(1, 10),
  rc_invites: object({
    per_room: rateLimit(0.3, 10),
    per_user: rateLimit(0.003, 5),
    per_issuer: rateLimit(0.3, 10),
  }),
  rc_room_creation: rateLimit(0.016, 10),
  // Absent: redactions of others' events count against rc_message like any event (as Synapse).
  rc_admin_redaction: optional(rateLimit(0.17, 3)),
  rc_user_directory: rateLimit(0.016, 200),
  rc_presence: object({ per_user: rateLimit(0.1, 1) }),
  rc_media_create: rateLimit(10, 50),
};

/** rc_message, or the legacy rc_messages_per_second / rc_message_burst_count, or the defaults. */
export function messageLimit(raw: {
  rc_message?: RateLimitSettings;
  rc_messages_per_second?: number;
  rc_message_burst_count?: number;
}): RateLimitSettings {
  return (
    raw.rc_message ?? {
      per_second: raw.rc_messages_per_second ?? 0.2,
      burst_count: raw.rc_message_burst_count ?? 10,
    }
  );
}
