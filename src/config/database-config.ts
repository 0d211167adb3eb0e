// The `database` block, exactly as a Synapse config has it: `name: sqlite3` with `args.database`, or
// `name: psycopg2` with libpq-style args (user, password, dbname or database, host, port, cp_min, cp_max).
import {
  ConfigValueError,
  integer,
  isMapping,
  object,
  oneOf,
  optional,
  string,
  withDefault,
  type Parser,
} from './schema.js';

export type DatabaseConfig =
  | { engine: 'sqlite'; path: string; synchronous?: 'normal' | 'full' }
  | {
      engine: 'postgres';
      connectionString?: string;
      host?: string;
      port?: number;
      user?: string;
      password?: string;
      database?: string;
      sslmode?: string;
      sslrootcert?: string;
      applicationName?: string;
      connectTimeoutMs?: number;
      poolMin: number;
      poolMax: number;
    };

const sqliteArgs = object(
  {
    database: withDefault(string({ nonEmpty: true }), 'homeserver.db'),
    // A Hearth extension: how hard SQLite syncs commits to disk (see docs/configuration.md).
    synchronous: withDefault(oneOf('normal', 'full'), 'normal'),
  },
  {
    // Synapse passes these on to sqlite3.connect(); they have no meaning for Hearth.
    acceptedKeys: ['check_same_thread', 'cp_min', 'cp_max'],
  },
);

const postgresArgs = object(
  {
    user: optional(string()),
    password: optional(string()),
    dbname: optional(string({ nonEmpty: true })),
    database: optional(string({ nonEmpty: true })),
    host: optional(string({ nonEmpty: true })),
    port: optional(integer({ min: 1, max: 65535 })),
    cp_min: withDefault(integer({ min: 0, max: 1000 }), 5),
    cp_max: withDefault(integer({ min: 1, max: 1000 }), 10),
    sslmode: optional(oneOf('disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full')),
    sslrootcert: optional(string({ nonEmpty: true })),
    application_name: optional(string()),
    connect_timeout: optional(integer({ min: 0 })),
  },
  // TCP keepalive tuning that libpq takes; node-postgres keeps connections alive by itself.
  { acceptedKeys: ['keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count'] },
);

const databaseBlock = object(
  {
    name: oneOf('sqlite3', 'psycopg2', 'psycopg'),
    args: (value: unknown) => value,
  },
  // Synapse tuning knobs for its own transaction handling.
  { acceptedKeys: ['txn_limit', 'allow_unsafe_locale'] },
);

export const databaseParser: Parser<DatabaseConfig> = (value, path, ctx) => {
  const block = databaseBlock(value, path, ctx);
  const args: unknown = block.args ?? {};
  if (!isMapping(args)) throw new ConfigValueError([...path, 'args'], 'a mapping', args);
  if (block.name === 'sqlite3') {
    const sqlite = sqliteArgs(args, [...path, 'args'], ctx);
    return { engine: 'sqlite', path: sqlite.database, synchronous: sqlite.synchronous };
  }
  const pg = postgresArgs(args, [...path, 'args'], ctx);
  if (pg.cp_min > pg.cp_max)
    throw new ConfigValueError([...path, 'args', 'cp_min'], `at most cp_max (${pg.cp_max})`, pg.cp_min);
  return {
    engine: 'postgres',
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database: pg.dbname ?? pg.database,
    sslmode: pg.sslmode,
    sslrootcert: pg.sslrootcert,
    applicationName: pg.application_name,
    connectTimeoutMs: pg.connect_timeout === undefined ? undefined : pg.connect_timeout * 1000,
    poolMin: pg.cp_min,
    poolMax: pg.cp_max,
  };
};
