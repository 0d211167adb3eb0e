import type { AccountTables } from './schema-accounts.js';
import type { RoomTables } from './schema-rooms.js';
import type { PushTables } from './schema-push.js';
import type { PresenceTables } from './schema-presence.js';
import type { E2eTables } from './schema-e2e.js';
import type { MediaTables } from './schema-media.js';
import type { PushActionTables } from './schema-push-actions.js';
import type { SearchTables } from './schema-search.js';
import type { ReceiptTables } from './schema-receipts.js';
import type { RelationTables } from './schema-relations.js';
import type { RegistrationTokenTables } from './schema-registration-tokens.js';
import type { UserAdminTables } from './schema-user-admin.js';
import type { RoomAdminTables } from './schema-room-admin.js';
import type { RatelimitTables } from './schema-ratelimit.js';
import type { PurgedRoomLeaveTables } from './schema-purged-room-leaves.js';

// Kysely's view of the tables. Column names are the SQL names; integers that may pass 2^31 are `bigint` in
// SQL and arrive as JS numbers on both databases (see database.ts).

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_ts: number;
}

export interface ServerMetadataTable {
  key: string;
  value: string;
}

export interface StreamCountersTable {
  stream: string;
  position: number;
}

export interface CoreTables {
  stream_counters: StreamCountersTable;
  hearth_schema_migrations: SchemaMigrationsTable;
  server_metadata: ServerMetadataTable;
}

/** Every table; each area declares its tables in its own schema-<area>.ts file. */
export interface Schema
  extends
    CoreTables,
    AccountTables,
    RoomTables,
    PushTables,
    PresenceTables,
    E2eTables,
    MediaTables,
    PushActionTables,
    SearchTables,
    ReceiptTables,
    RelationTables,
    RegistrationTokenTables,
    UserAdminTables,
    RoomAdminTables,
    RatelimitTables,
    PurgedRoomLeaveTables {}
