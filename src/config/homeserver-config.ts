// The keys of homeserver.yaml that Hearth reads, with Synapse's names, meanings and defaults.
// docs/configuration.md documents each one; keep the two in step.
import { dirname, join, resolve } from 'node:path';
import { isValidServerName } from '../protocol/server-name.js';
import { databaseParser, type DatabaseConfig } from './database-config.js';
import { listenerParser, type ListenerConfig } from './listener-config.js';
import {
  ConfigValueError,
  boolean,
  integer,
  list,
  map,
  object,
  optional,
  record,
  string,
  withDefault,
  type ParseContext,
  type Parser,
} from './schema.js';
import { duration } from './units.js';
import { mediaKeys } from './media-config.js';
import { passwordConfig } from './password-config.js';
import { serverNoticesConfig } from './server-notices-config.js';
import { ratelimitKeys } from './ratelimit-config.js';
import { captchaKeys, resolveCaptchaKeys } from './captcha-config.js';
import { checkSessionLifetimes, sessionKeys } from './session-config.js';

export type { DatabaseConfig, ListenerConfig };

/** Keys Synapse users have in their files that Hearth accepts and deliberately ignores. */
export const IGNORED_KEYS = ['report_stats'] as const;

const serverName: Parser<string> = map(string({ nonEmpty: true }), (value, path) => {
  if (!isValidServerName(value)) throw new ConfigValueError(path, 'a server name such as example.com', value);
  return value;
});

const baseUrl: Parser<string> = map(string({ nonEmpty: true }), (value, path) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigValueError(path, 'an http or https URL', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigValueError(path, 'an http or https URL', value);
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
});

const trustedKeyServer = object({
  server_name: serverName,
  verify_keys: optional(record(string())),
  accept_keys_insecurely: withDefault(boolean(), false),
});

const oldSigningKey = object({
  key: string({ nonEmpty: true }),
  expired_ts: integer({ min: 0 }),
});

const topLevel = object(
  {
    server_name: serverName,
    public_baseurl: optional(baseUrl),
    listeners: map(list(listenerParser), (value, path) => {
      if (value.length === 0) throw new ConfigValueError(path, 'at least one listener', value);
      return value;
    }),
    tls_certificate_path: optional(string({ nonEmpty: true })),
    tls_private_key_path: optional(string({ nonEmpty: true })),
    database: optional(databaseParser),
    signing_key_path: optional(string({ nonEmpty: true })),
    old_signing_keys: withDefault(record(oldSigningKey), {}),
    key_refresh_interval: withDefault(duration(), 86_400_000),
    media_store_path: withDefault(string({ nonEmpty: true }), 'media_store'),
    ...mediaKeys,
    pid_file: optional(string({ nonEmpty: true })),
    enable_registration: withDefault(boolean(), false),
    enable_registration_without_verification: withDefault(boolean(), false),
    registration_requires_token: withDefault(boolean(), false),
    allow_guest_access: withDefault(boolean(), false),
    allow_public_rooms_without_auth: withDefault(boolean(), false),
    /** Hearth extension: accept the deprecated `access_token` query parameter (Synapse always does). */
    allow_access_token_query_parameter: withDefault(boolean(), true),
    registration_shared_secret: optional(string({ nonEmpty: true })),
    registration_shared_secret_path: optional(string({ nonEmpty: true })),
    password_config: passwordConfig,
    ...sessionKeys,
    server_notices: serverNoticesConfig,
    ...captchaKeys,
    ...ratelimitKeys,
    presence: object({ enabled: withDefault(boolean(), true) }),
    macaroon_secret_key: optional(string({ nonEmpty: true })),
    macaroon_secret_key_path: optional(string({ nonEmpty: true })),
    form_secret: optional(string({ nonEmpty: true })),
    form_secret_path: optional(string({ nonEmpty: true })),
    trusted_key_servers: withDefault(list(trustedKeyServer), [
      { server_name: 'matrix.org', verify_keys: undefined, accept_keys_insecurely: false },
    ]),
    suppress_key_server_warning: withDefault(boolean(), false),
    max_request_body_size: withDefault(integer({ min: 1024 }), 50 * 1024 * 1024 + 64 * 1024),
  },
  { acceptedKeys: IGNORED_KEYS },
);

type Raw = ReturnType<typeof topLevel>;

/** The validated configuration, with defaults applied and every path made absolute. */
export interface HomeserverConfig extends Omit<Raw, 'database' | 'signing_key_path' | 'public_baseurl'> {
  /** Where the file was read from; relative paths inside it are resolved against the working directory. */
  readonly config_path: string;
  public_baseurl: string;
  database: DatabaseConfig;
  signing_key_path: string;
}

export function parseHomeserverConfig(
  value: unknown,
  configPath: string,
  ctx: ParseContext,
  env: NodeJS.ProcessEnv,
): HomeserverConfig {
  const raw = topLevel(value, [], ctx);
  if (raw.listeners.some((l) => l.tls) && (!raw.tls_certificate_path || !raw.tls_private_key_path)) {
    throw new ConfigValueError(
      ['tls_certificate_path'],
      'tls_certificate_path and tls_private_key_path when a listener has tls: true',
      raw.tls_certificate_path,
    );
  }
  if (
    raw.enable_registration &&
    !raw.enable_registration_without_verification &&
    !raw.registration_requires_token &&
    !raw.enable_registration_captcha
  ) {
    // As Synapse: open registration with no verification step invites spam; a registration token or a
    // captcha are the verifications Hearth offers (no email), else the operator must say they mean it.
    throw new ConfigValueError(
      ['enable_registration'],
      'false unless registration_requires_token, enable_registration_captcha or enable_registration_without_verification is true (Hearth offers no email verification)',
      true,
    );
  }
  checkSessionLifetimes(raw);
  const absolute = (p: string | undefined) => (p === undefined ? undefined : resolve(p));
  const database = databaseFromEnv(env) ?? raw.database ?? { engine: 'sqlite', path: 'homeserver.db' };
  return {
    ...raw,
    ...resolveCaptchaKeys(raw),
    config_path: resolve(configPath),
    public_baseurl: raw.public_baseurl ?? `https://${raw.server_name}/`,
    database:
      database.engine === 'sqlite' && database.path !== ':memory:'
        ? { ...database, path: resolve(database.path) }
        : database,
    signing_key_path: resolve(
      raw.signing_key_path ?? join(dirname(configPath), `${raw.server_name}.signing.key`),
    ),
    media_store_path: resolve(raw.media_store_path),
    pid_file: absolute(raw.pid_file),
    registration_shared_secret_path: absolute(raw.registration_shared_secret_path),
    tls_certificate_path: absolute(raw.tls_certificate_path),
    tls_private_key_path: absolute(raw.tls_private_key_path),
  };
}

/** HEARTH_DATABASE_URL overrides the file's database block (postgres://…, or sqlite:PATH). */
function databaseFromEnv(env: NodeJS.ProcessEnv): DatabaseConfig | undefined {
  const url = env.HEARTH_DATABASE_URL;
  if (!url) return undefined;
  if (/^postgres(ql)?:\/\//.test(url))
    return { engine: 'postgres', connectionString: url, poolMin: 1, poolMax: 10 };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path) return { engine: 'sqlite', path };
  }
  throw new ConfigValueError(['HEARTH_DATABASE_URL'], 'postgres://… or sqlite:PATH', url);
}
