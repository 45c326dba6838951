import { tx } from '../../../platform/src/db/database';
import { SYSTEM_ROLE, TENANT_ROLE } from '../../../platform/src/db/isolation';
import { UNSCOPED_REFERENCES } from '../../../platform/src/db/migrations/1765200100000-TerritoryScopedReferencesEverywhere';
import { demoIds, TestPlatform } from '../../support/platform';
import { fingerprint, lieuBody, motifBody } from './helpers';

/** Tenant-owned tables of the foundation; `territories` is keyed on its own id. */
const TENANT_TABLES = [
  'organisations', 'agents', 'agent_roles', 'agent_services', 'invitations',
  'motifs', 'lieux', 'territory_configs', 'outbox_events',
];

class Rollback extends Error {}

/** Runs `work` in a tenant transaction and rolls it back, so destructive statements can be tried. */
async function inRolledBackTenant(test: TestPlatform, territoryId: string, work: () => Promise<void>): Promise<void> {
  await expect(test.db.tenant(territoryId, async () => {
    await work();
    throw new Rollback();
  })).rejects.toBeInstanceOf(Rollback);
}

/** SQLSTATE of a refused statement (42501: row-level security, 23503: foreign key). */
async function sqlState(statement: Promise<unknown>): Promise<string | undefined> {
  try {
    await statement;
    return undefined;
  } catch (error) {
    return (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
  }
}

describe('row-level security between territories', () => {
  let test: TestPlatform;
  let demo: Awaited<ReturnType<typeof demoIds>>;
  let territoryA: string;
  let territoryB: string;
  let tokenA: string;
  let tokenB: string;
  /** Records of territory B, created through the API by B's territorial admin. */
  const b = { organisation: '', motif: '', lieu: '', agent: '' };
  /** Records of the demo territory (A) reachable by id. */
  const a = { motif: '', lieu: '' };

  beforeAll(async () => {
    test = await TestPlatform.start();
    demo = await demoIds(test);
    [{ id: territoryA }] = await test.sql(`SELECT territory_id AS id FROM organisations WHERE id = $1`, [demo.mairie]);
    const other = await test.createTerritory('Territoire du Bourg', 'admin@bourg.test');
    territoryB = other.id;
    tokenB = other.token;

    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await test.call(method, path, { token, body });
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    await call('put', '/api/v1/territories/current/config/services', tokenB, { enabled: ['etat_civil', 'secretariat'] });
    b.organisation = (await call('post', '/api/v1/organisations', tokenB, { name: 'Mairie du Bourg' })).id;
    b.motif = (await call('post', `/api/v1/organisations/${b.organisation}/motifs`, tokenB, motifBody('Mariage'))).id;
    b.lieu = (await call('post', `/api/v1/organisations/${b.organisation}/lieux`, tokenB, lieuBody('Mairie'))).id;
    b.agent = (await call('post', `/api/v1/organisations/${b.organisation}/agents`, tokenB,
      { email: 'agent@bourg.test', access_level: 'basic', service_ids: ['etat_civil'] })).agent.id;

    // Territory A gets an invitation and events too, so that every table has rows on both sides.
    tokenA = await test.signIn('territoire@demo.test');
    await call('post', `/api/v1/organisations/${demo.mairie}/agents`, tokenA,
      { email: 'nouvelle@demo.test', access_level: 'basic', service_ids: ['etat_civil'] });
    [{ id: a.motif }] = await test.sql(`SELECT id FROM motifs WHERE organisation_id = $1 LIMIT 1`, [demo.mairie]);
    [{ id: a.lieu }] = await test.sql(`SELECT id FROM lieux WHERE organisation_id = $1 LIMIT 1`, [demo.mairie]);
  });
  afterAll(() => test?.stop());

  it('puts every table that holds a territory_id under a row-level security policy', async () => {
    const unprotected = await test.sql(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND (EXISTS (SELECT 1 FROM information_schema.columns col
                        WHERE col.table_schema = 'public' AND col.table_name = c.relname AND col.column_name = 'territory_id')
               OR c.relname = 'territories')
          AND NOT (c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname))`);
    expect(unprotected).toEqual([]);
  });

  describe('a query with no territory filter, inside db.tenant(A)', () => {
    it.each(TENANT_TABLES)('SELECT * FROM %s returns only territory A\'s rows', async (table) => {
      const [{ ownA, ownB }] = await test.sql(
        `SELECT count(*) FILTER (WHERE territory_id = $1)::int AS "ownA", count(*) FILTER (WHERE territory_id = $2)::int AS "ownB" FROM ${table}`,
        [territoryA, territoryB]);
      expect(ownA).toBeGreaterThan(0);
      expect(ownB).toBeGreaterThan(0);
      const seen = await test.db.tenant(territoryA, () => tx().query(`SELECT * FROM ${table}`));
      expect(seen).toHaveLength(ownA);
      expect(new Set(seen.map((row: { territory_id: string }) => row.territory_id))).toEqual(new Set([territoryA]));
    });

    it('SELECT * FROM territories returns territory A alone', async () => {
      const seen = await test.db.tenant(territoryA, () => tx().query(`SELECT id FROM territories`));
      expect(seen).toEqual([{ id: territoryA }]);
    });

    it('cannot read sessions nor platform admins at all', async () => {
      for (const table of ['api_tokens', 'platform_admins']) {
        await expect(test.db.tenant(territoryA, () => tx().query(`SELECT * FROM ${table}`))).rejects.toThrow(/permission denied/);
      }
    });
  });

  describe('writes aimed at territory B, inside db.tenant(A)', () => {
    it('UPDATE and DELETE of B\'s rows by id change nothing', async () => {
      const before = await fingerprint(test);
      const affected = await test.db.tenant(territoryA, async () => [
        await tx().query(`UPDATE organisations SET name = 'Pris' WHERE id = $1`, [b.organisation]),
        await tx().query(`UPDATE agents SET email = 'pirate@demo.test', deleted_at = now() WHERE id = $1`, [b.agent]),
        await tx().query(`DELETE FROM motifs WHERE id = $1`, [b.motif]),
        await tx().query(`DELETE FROM lieux WHERE id = $1`, [b.lieu]),
        await tx().query(`DELETE FROM agent_roles WHERE agent_id = $1`, [b.agent]),
        await tx().query(`DELETE FROM territory_configs WHERE territory_id = $1`, [territoryB]),
        await tx().query(`UPDATE territories SET name = 'Pris' WHERE id = $1`, [territoryB]),
      ]);
      // pg answers [rows, count] for UPDATE/DELETE: every count is 0.
      expect(affected.map((result: [unknown[], number]) => result[1])).toEqual([0, 0, 0, 0, 0, 0, 0]);
      expect(await fingerprint(test)).toEqual(before);
    });

    it('UPDATE and DELETE with no WHERE at all touch only A\'s rows', async () => {
      const before = await fingerprint(test);
      await inRolledBackTenant(test, territoryA, async () => {
        const [renamed] = await tx().query(`UPDATE lieux SET name = name || ' (modifié)' RETURNING territory_id`);
        expect(new Set(renamed.map((row: { territory_id: string }) => row.territory_id))).toEqual(new Set([territoryA]));
        const [deleted] = await tx().query(`DELETE FROM motifs RETURNING territory_id`);
        expect(new Set(deleted.map((row: { territory_id: string }) => row.territory_id))).toEqual(new Set([territoryA]));
        // Back to the session's role, in the same transaction: B's rows are all there, unchanged.
        await tx().query('RESET ROLE');
        const [motifsB] = await tx().query(`SELECT count(*)::int AS count FROM motifs WHERE territory_id = $1`, [territoryB]);
        expect(motifsB.count).toBe(1);
        const [lieuB] = await tx().query(`SELECT name FROM lieux WHERE id = $1`, [b.lieu]);
        expect(lieuB.name).toBe('Mairie');
      });
      expect(await fingerprint(test)).toEqual(before);
    });

    it('refuses to insert a row into territory B, or to move one of A\'s rows there', async () => {
      const before = await fingerprint(test);
      expect(await sqlState(test.db.tenant(territoryA, () => tx().query(
        `INSERT INTO organisations (territory_id, name, slug) VALUES ($1, 'Intruse', 'intruse')`, [territoryB])))).toBe('42501');
      expect(await sqlState(test.db.tenant(territoryA, () => tx().query(
        `UPDATE lieux SET territory_id = $1 WHERE id = $2`, [territoryB, a.lieu])))).toBe('42501');
      expect(await sqlState(test.db.tenant(territoryA, () => tx().query(
        `INSERT INTO territory_configs (territory_id, key, version, document) VALUES ($1, 'services', 99, '{"enabled": []}')`, [territoryB])))).toBe('42501');
      expect(await fingerprint(test)).toEqual(before);
    });

    it('refuses A\'s rows that point at B\'s organisation or agent', async () => {
      const before = await fingerprint(test);
      const [agentA] = await test.sql(`SELECT id FROM agents WHERE email = 'agent.etatcivil@demo.test'`);
      const attempts = [
        [`INSERT INTO motifs (territory_id, organisation_id, service_id, name, default_duration_in_min, location_type)
          VALUES ($1, $2, 'etat_civil', 'Intrus', 30, 'public_office')`, [territoryA, b.organisation]],
        [`INSERT INTO lieux (territory_id, organisation_id, name, address) VALUES ($1, $2, 'Intrus', 'Ailleurs')`, [territoryA, b.organisation]],
        [`INSERT INTO agent_roles (territory_id, agent_id, organisation_id, access_level) VALUES ($1, $2, $3, 'admin')`, [territoryA, agentA.id, b.organisation]],
        [`INSERT INTO agent_roles (territory_id, agent_id, organisation_id, access_level) VALUES ($1, $2, $3, 'admin')`, [territoryA, b.agent, demo.mairie]],
        [`INSERT INTO agent_services (territory_id, agent_id, service_slug) VALUES ($1, $2, 'urbanisme')`, [territoryA, b.agent]],
        [`INSERT INTO invitations (territory_id, agent_id, token_hash, expires_at) VALUES ($1, $2, 'x', now())`, [territoryA, b.agent]],
      ] as const;
      for (const [statement, parameters] of attempts) {
        expect(await sqlState(test.db.tenant(territoryA, () => tx().query(statement, [...parameters])))).toBe('23503');
      }
      expect(await fingerprint(test)).toEqual(before);
    });
  });

  describe('the role the running platform acts as', () => {
    const ownerOf = async (table: string) => (await test.sql(`SELECT tableowner FROM pg_tables WHERE tablename = $1`, [table]))[0].tableowner;

    it('owns no table, in system transactions and lone statements alike, even when the connecting user does', async () => {
      const owner = await ownerOf('rdvs');
      const [inTransaction] = await test.sql(`SELECT current_user AS role, session_user AS connected`);
      const [lone] = await test.db.systemStatement<{ role: string }>(`SELECT current_user AS role`, []);
      expect({ transaction: inTransaction.role, lone: lone.role }).toEqual({ transaction: SYSTEM_ROLE, lone: SYSTEM_ROLE });
      expect(inTransaction.role).not.toBe(owner);
      const owned = await test.sql(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1`, [SYSTEM_ROLE]);
      expect(owned).toEqual([]);
    });

    it('cannot turn row-level security off, change the schema or reach rows through the owner', async () => {
      const before = await fingerprint(test);
      for (const statement of [
        `ALTER TABLE rdvs DISABLE ROW LEVEL SECURITY`,
        `ALTER TABLE organisations NO FORCE ROW LEVEL SECURITY`,
        `DROP POLICY territory_isolation ON motifs`,
        `DROP TABLE lieux`,
        `CREATE TABLE intruse (id int)`,
        `TRUNCATE outbox_events`,
      ]) {
        expect({ statement, state: await sqlState(test.sql(statement)) }).toEqual({ statement, state: expect.stringMatching(/^42501$/) });
      }
      expect(await fingerprint(test)).toEqual(before);
    });

    it('forces row-level security on every isolated table, so an owner without superuser rights is bound too', async () => {
      const unforced = await test.sql(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity AND NOT c.relforcerowsecurity`);
      expect(unforced).toEqual([]);
      // The territory policy names the tenant role alone; the owner has no policy, so it would see nothing.
      const policies = await test.sql(`SELECT DISTINCT policyname, roles::text AS roles FROM pg_policies ORDER BY policyname`);
      expect(policies).toEqual([
        { policyname: 'system_access', roles: `{${SYSTEM_ROLE}}` },
        { policyname: 'territory_isolation', roles: `{${TENANT_ROLE}}` },
      ]);
    });
  });

  describe('references between tenant tables', () => {
    it('every foreign key between two tables holding a territory_id carries the territory', async () => {
      expect(await test.sql(UNSCOPED_REFERENCES)).toEqual([]);
    });

    it("refuses A's rdvs, rdv agents and participations that point at B's motif, lieu, agent or usager", async () => {
      const [userB] = await test.sql(
        `INSERT INTO users (territory_id, first_name, last_name) VALUES ($1, 'Usager', 'Du Bourg') RETURNING id`, [territoryB]);
      const [userA] = await test.sql(
        `INSERT INTO users (territory_id, first_name, last_name) VALUES ($1, 'Usager', 'De Val-Fleuri') RETURNING id`, [territoryA]);
      const before = await fingerprint(test);
      const newRdv = (motif: string, lieu: string) => tx().query(
        `INSERT INTO rdvs (territory_id, organisation_id, motif_id, lieu_id, starts_at, ends_at, created_by)
         VALUES ($1, $2, $3, $4, '2030-01-07T09:00:00Z', '2030-01-07T09:30:00Z', 'agent') RETURNING id`,
        [territoryA, demo.mairie, motif, lieu]);
      expect(await sqlState(test.db.tenant(territoryA, () => newRdv(b.motif, a.lieu)))).toBe('23503');
      expect(await sqlState(test.db.tenant(territoryA, () => newRdv(a.motif, b.lieu)))).toBe('23503');
      expect(await sqlState(test.db.tenant(territoryA, async () => {
        const [rdv] = await newRdv(a.motif, a.lieu);
        await tx().query(`INSERT INTO rdv_agents (territory_id, rdv_id, agent_id, starts_at, ends_at, active)
          VALUES ($1, $2, $3, '2030-01-07T09:00:00Z', '2030-01-07T09:30:00Z', true)`, [territoryA, rdv.id, b.agent]);
      }))).toBe('23503');
      expect(await sqlState(test.db.tenant(territoryA, async () => {
        const [rdv] = await newRdv(a.motif, a.lieu);
        await tx().query(`INSERT INTO participations (territory_id, rdv_id, user_id, created_by) VALUES ($1, $2, $3, 'agent')`,
          [territoryA, rdv.id, userB.id]);
      }))).toBe('23503');
      expect(await fingerprint(test)).toEqual(before);
      // The same rows within A are accepted (rolled back).
      await inRolledBackTenant(test, territoryA, async () => {
        const [rdv] = await newRdv(a.motif, a.lieu);
        await tx().query(`INSERT INTO participations (territory_id, rdv_id, user_id, created_by) VALUES ($1, $2, $3, 'agent')`,
          [territoryA, rdv.id, userA.id]);
      });
      await test.sql(`DELETE FROM users WHERE id IN ($1, $2)`, [userA.id, userB.id]);
    });
  });

  describe('a transaction with no territory set', () => {
    it('sees nothing and writes nothing as the tenant role, even on a connection that served a territory before', async () => {
      const runner = test.db.dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        await runner.query(`SET LOCAL ROLE ${TENANT_ROLE}`);
        await runner.query(`SELECT set_config('app.territory_id', $1, true)`, [territoryA]);
        expect((await runner.query(`SELECT id FROM organisations`)).length).toBeGreaterThan(0);
        await runner.commitTransaction();

        await runner.startTransaction();
        await runner.query(`SET LOCAL ROLE ${TENANT_ROLE}`);
        for (const table of [...TENANT_TABLES, 'territories']) {
          expect({ table, rows: await runner.query(`SELECT * FROM ${table}`) }).toEqual({ table, rows: [] });
        }
        await expect(runner.query(`INSERT INTO organisations (territory_id, name, slug) VALUES ($1, 'Sans territoire', 'sans')`, [territoryA]))
          .rejects.toThrow(/row-level security/);
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    });

    it('db.tenant() refuses to run without a territory rather than run as the owner', async () => {
      await expect(test.db.tenant('', () => tx().query(`SELECT id FROM organisations`))).rejects.toThrow(/territory/);
    });

    it('a tenant call nested in a system transaction does not escape row-level security', async () => {
      await expect(test.db.system(() => test.db.tenant(territoryA, () => tx().query(`SELECT DISTINCT territory_id FROM organisations`))))
        .rejects.toThrow(/scope/);
    });
  });

  describe("every route of the foundation, aimed at another territory's ids", () => {
    type Ids = typeof b;
    const ROUTES: { method: string; what: string; path: (ids: Ids) => string; body?: unknown }[] = [
      { method: 'get', what: 'organisation', path: (ids) => `/api/v1/organisations/${ids.organisation}` },
      { method: 'patch', what: 'organisation', path: (ids) => `/api/v1/organisations/${ids.organisation}`, body: { name: 'Prise' } },
      { method: 'delete', what: 'organisation', path: (ids) => `/api/v1/organisations/${ids.organisation}` },
      { method: 'get', what: 'organisation agents', path: (ids) => `/api/v1/organisations/${ids.organisation}/agents` },
      { method: 'post', what: 'organisation agents', path: (ids) => `/api/v1/organisations/${ids.organisation}/agents`, body: { email: 'intrus@demo.test', access_level: 'admin', service_ids: ['etat_civil'] } },
      { method: 'get', what: 'organisation motifs', path: (ids) => `/api/v1/organisations/${ids.organisation}/motifs` },
      { method: 'post', what: 'organisation motifs', path: (ids) => `/api/v1/organisations/${ids.organisation}/motifs`, body: motifBody('Intrus') },
      { method: 'get', what: 'organisation lieux', path: (ids) => `/api/v1/organisations/${ids.organisation}/lieux` },
      { method: 'post', what: 'organisation lieux', path: (ids) => `/api/v1/organisations/${ids.organisation}/lieux`, body: lieuBody('Intrus') },
      { method: 'get', what: 'agent', path: (ids) => `/api/v1/agents/${ids.agent}` },
      { method: 'patch', what: 'agent', path: (ids) => `/api/v1/agents/${ids.agent}`, body: { first_name: 'Pris' } },
      { method: 'delete', what: 'agent', path: (ids) => `/api/v1/agents/${ids.agent}` },
      { method: 'get', what: 'motif', path: (ids) => `/api/v1/motifs/${ids.motif}` },
      { method: 'patch', what: 'motif', path: (ids) => `/api/v1/motifs/${ids.motif}`, body: { name: 'Pris' } },
      { method: 'delete', what: 'motif', path: (ids) => `/api/v1/motifs/${ids.motif}` },
      { method: 'get', what: 'lieu', path: (ids) => `/api/v1/lieux/${ids.lieu}` },
      { method: 'patch', what: 'lieu', path: (ids) => `/api/v1/lieux/${ids.lieu}`, body: { name: 'Pris' } },
      { method: 'delete', what: 'lieu', path: (ids) => `/api/v1/lieux/${ids.lieu}` },
    ];

    it.each(ROUTES)("$method $what: the demo territory's admin gets 404 for territory B's ids, and B is unchanged", async ({ method, path, body }) => {
      const before = await fingerprint(test);
      const response = await test.call(method, path(b), { token: tokenA, body });
      expect(response.status).toBe(404);
      expect(await fingerprint(test)).toEqual(before);
    });

    it.each(ROUTES)("$method $what: territory B's admin gets 404 for the demo territory's ids, and the demo is unchanged", async ({ method, path, body }) => {
      const ids: Ids = { organisation: demo.mairie, motif: a.motif, lieu: a.lieu, agent: demo.basicEtatCivil };
      const before = await fingerprint(test);
      const response = await test.call(method, path(ids), { token: tokenB, body });
      expect(response.status).toBe(404);
      expect(await fingerprint(test)).toEqual(before);
    });
  });
});
