import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { DataSource, DataSourceOptions, EntityManager } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SYSTEM_ROLE, TENANT_ROLE } from './isolation';

interface TransactionScope {
  manager: EntityManager;
  /** null in a system transaction (the system role, which sees every territory). */
  territoryId: string | null;
}

const scope = new AsyncLocalStorage<TransactionScope>();

/** The entity manager of the transaction the caller runs in. Domain code reads and writes through it. */
export function tx(): EntityManager {
  const current = scope.getStore();
  if (!current) throw new Error('No transaction: call through db.tenant() or db.system()');
  return current.manager;
}

/** The territory whose rows the current transaction may see. */
export function currentTerritoryId(): string {
  const territoryId = scope.getStore()?.territoryId;
  if (!territoryId) throw new Error('No territory in the current transaction');
  return territoryId;
}

/** Any constant: the key of the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 7_240_611;

/**
 * Applies pending migrations. Several processes (API, workers) may start at once on one
 * PostgreSQL: a session-level advisory lock makes the others wait, then find nothing to do.
 */
async function migrate(dataSource: DataSource, embedded: boolean): Promise<void> {
  if (embedded) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent, the embedded PostgreSQL (PGlite) is used. */
  url?: string;
  /** PGlite's data folder; `memory://` keeps it in memory. */
  embeddedDataDir?: string;
  poolSize?: number;
}

/**
 * The platform's database: TypeORM over pg (real PostgreSQL) or PGlite (embedded).
 * Every read and write happens in a transaction opened here:
 * - `tenant(id, fn)` switches to the unprivileged role and sets the territory, so
 *   row-level security hides every other territory's rows, whatever the query says;
 * - `system(fn)` runs as the system role, which sees every territory but owns nothing:
 *   sign-in lookups, platform administration, dispatchers.
 * Only migrations (and `maintenance`) act as the tables' owner.
 */
export class Database {
  /** PGlite has one session for the whole pool: transactions must not interleave there. */
  private serial: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dataSource: DataSource,
    readonly embedded: boolean,
  ) {}

  static async open(options: DatabaseOptions): Promise<Database> {
    const common = {
      type: 'postgres' as const,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      synchronize: false,
      installExtensions: false, // migrations create what they need; gen_random_uuid() is core PostgreSQL
      migrationsTransactionMode: 'each' as const,
      logging: false, // failed queries surface as exceptions; unexpected ones are logged at the HTTP edge
    };
    if (options.url) {
      // Migrations run as the connecting user, who owns the tables, on connections of their own...
      const owner = new DataSource({ ...common, url: options.url, extra: { max: 2 } });
      await owner.initialize();
      try {
        await migrate(owner, false);
      } finally {
        await owner.destroy();
      }
      // ...then every connection of the platform starts as the system role (RESET ROLE comes back to it).
      const dataSource = new DataSource({
        ...common, url: options.url, extra: { max: options.poolSize ?? 10, options: `-c role=${SYSTEM_ROLE}` },
      });
      await dataSource.initialize();
      return new Database(dataSource, false);
    }
    const dataDir = options.embeddedDataDir ?? 'memory://';
    // PGlite does not create missing parent folders.
    if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
    // PostgreSQL's default 128 MB of shared buffers lives in the process's own memory here:
    // 16 MB keeps an embedded install's server within its memory target, the OS caches the rest.
    const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
    const driver = new PGliteDriver({ dataDir, extensions: { btree_gist, pg_trgm }, startParams }).driver;
    const dataSource = new DataSource({ ...common, driver } as DataSourceOptions);
    await dataSource.initialize();
    await migrate(dataSource, true);
    // PGlite has one session: it leaves the owner once migrations are done.
    await dataSource.query(`SET ROLE ${SYSTEM_ROLE}`);
    return new Database(dataSource, true);
  }

  tenant<T>(territoryId: string, work: () => Promise<T>): Promise<T> {
    // Without a territory the transaction would run as the system role, above the territory policy.
    if (!territoryId) return Promise.reject(new Error('A tenant transaction needs a territory'));
    return this.transaction(territoryId, work);
  }

  system<T>(work: () => Promise<T>): Promise<T> {
    return this.transaction(null, work);
  }

  /**
   * One statement as the system role, outside any transaction: a lone read (such as
   * resolving a token on every request) spares the BEGIN and COMMIT round trips.
   */
  systemStatement<T = Record<string, unknown>>(sql: string, parameters: unknown[]): Promise<T[]> {
    if (scope.getStore()) return Promise.reject(new Error('A lone statement cannot run inside a transaction'));
    return this.inTurn(() => this.dataSource.query(sql, parameters));
  }

  /**
   * One statement as the tables' owner, outside any transaction: upkeep such as
   * VACUUM ANALYZE (scripts, benchmarks), never a request's work.
   */
  async maintenance(sql: string): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await this.inTurn(async () => {
      await runner.connect();
      try {
        await runner.query(`SELECT set_config('role', session_user, false)`);
        await runner.query(sql);
      } finally {
        await runner.query(`SELECT set_config('role', $1, false)`, [SYSTEM_ROLE]);
        await runner.release();
      }
    });
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private transaction<T>(territoryId: string | null, work: () => Promise<T>): Promise<T> {
    const outer = scope.getStore();
    if (outer) {
      // Nested calls join the open transaction only in the same scope: a tenant call inside
      // a system transaction would otherwise run as the system role, above the territory policy.
      if (outer.territoryId !== territoryId) {
        return Promise.reject(new Error('A transaction cannot open a transaction for another scope'));
      }
      return work();
    }
    const run = () =>
      this.dataSource.transaction(async (manager) => {
        if (territoryId) {
          // One round trip: `role` is the setting SET LOCAL ROLE changes.
          await manager.query(`SELECT set_config('role', $1, true), set_config('app.territory_id', $2, true)`, [TENANT_ROLE, territoryId]);
        }
        return scope.run({ manager, territoryId }, work);
      });
    return this.inTurn(run);
  }

  /** Runs `work` at once on PostgreSQL; on the embedded engine, after what was queued before it. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    if (!this.embedded) return work();
    const result = this.serial.then(work, work);
    this.serial = result.catch(() => undefined);
    return result;
  }
}
