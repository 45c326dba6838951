import { Database, tx } from '../../../platform/src/db/database';
import { MIGRATIONS } from '../../../platform/src/db/migrations';
import { createTestDatabase, TestDatabase } from '../../support/database';

/** API and worker processes start together on one PostgreSQL: migrations must not race. */
describe('migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('are applied once when several processes open the same empty database at the same time', async () => {
    // PGlite lives inside one process: there is no race to have there.
    const opens = database.url ? 3 : 1;
    const databases = await Promise.all(Array.from({ length: opens }, () => Database.open({ url: database.url, embeddedDataDir: 'memory://' })));
    try {
      const applied = await databases[0].system(() => tx().query(`SELECT name FROM migrations ORDER BY id`));
      expect(applied.map((row: { name: string }) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    } finally {
      await Promise.all(databases.map((db) => db.close()));
    }
  });
});
