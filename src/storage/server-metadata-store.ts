// The server_metadata table: facts that must not change under a database, such as the server name.
import type { Database } from './database.js';

export class ServerNameMismatchError extends Error {
  override name = 'ServerNameMismatchError';
}

export async function getServerMetadata(database: Database, key: string): Promise<string | undefined> {
  const row = await database.db
    .selectFrom('server_metadata')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

/**
 * Records the server name on first start and refuses a database made for another name afterwards: every
 * user id, room and signature in it names the old server, as Synapse also refuses.
 */
export async function claimServerName(database: Database, serverName: string): Promise<void> {
  await database.db
    .insertInto('server_metadata')
    .values({ key: 'server_name', value: serverName })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const stored = await getServerMetadata(database, 'server_name');
  if (stored !== serverName) {
    throw new ServerNameMismatchError(
      `The database belongs to server_name ${JSON.stringify(stored)}, but the configuration says ${JSON.stringify(serverName)}; ` +
        'a server name cannot change once users and rooms exist.',
    );
  }
}
