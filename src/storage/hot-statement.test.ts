import assert from 'node:assert/strict';
import { testEachDatabase } from '../../test/support/databases.js';
import { HotStatement, withTransactionShortcut } from './hot-statement.js';

const INSERT = new HotStatement('insert into server_metadata (key, value) values (?, ?)');
const READ = new HotStatement<{ value: string }>('select value from server_metadata where key = ?');

testEachDatabase(
  'hot statements: inside a transaction they are part of it; outside, a read sees only what committed',
  async ({ db }) => {
    await INSERT.execute(db, ['outside', '1']);
    assert.equal((await READ.first(db, ['outside']))?.value, '1');

    await assert.rejects(
      db.transaction().execute((trx) =>
        withTransactionShortcut(db, trx, async () => {
          await INSERT.execute(trx, ['rolled-back', '2']);
          // Seen inside the transaction, by a hot read and by Kysely's own.
          assert.equal((await READ.first(trx, ['rolled-back']))?.value, '2');
          const row = await trx
            .selectFrom('server_metadata')
            .select('value')
            .where('key', '=', 'rolled-back')
            .executeTakeFirst();
          assert.equal(row?.value, '2');
          // Not seen outside it before it commits.
          assert.equal(await READ.first(db, ['rolled-back']), undefined);
          throw new Error('roll back');
        }),
      ),
      /roll back/,
    );
    assert.equal(await READ.first(db, ['rolled-back']), undefined, 'the hot insert was rolled back');

    await db
      .transaction()
      .execute((trx) => withTransactionShortcut(db, trx, () => INSERT.execute(trx, ['committed', '3'])));
    assert.equal((await READ.first(db, ['committed']))?.value, '3');
    // A failing hot statement rejects like any query, and leaves the database usable.
    await assert.rejects(
      db
        .transaction()
        .execute((trx) => withTransactionShortcut(db, trx, () => INSERT.execute(trx, ['committed', '4']))),
    );
    assert.equal((await READ.first(db, ['committed']))?.value, '3');
  },
);
