// Tables of migration 17 (ratelimit): per-user overrides of the message rate limit, as Synapse's
// `ratelimit_override`, set through the Admin API's override_ratelimit.

export interface RatelimitOverrideTable {
  user_id: string;
  /** Messages per second; 0 (or null, as Synapse may store it) lifts every rate limit for the user. */
  messages_per_second: number | null;
  burst_count: number | null;
}

export interface RatelimitTables {
  ratelimit_override: RatelimitOverrideTable;
}
