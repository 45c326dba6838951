import type { AddressInfo } from 'node:net';
import { bootstrap, DEMO_OPERATOR, DEMO_TENANT_DIR } from '../../../platform/src/bootstrap';
import { ManualClock } from '../../../platform/src/clock';
import { PlatformConfig, readConfig } from '../../../platform/src/config';
import { Database, tx } from '../../../platform/src/db/database';
import { createApp } from '../../../platform/src/http/app';
import { SchemaRegistry } from '../../../platform/src/http/schemas';
import type { Platform } from '../../../platform/src/platform';
import { applyTenant } from '../../../platform/src/tenancy/apply';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { countRows, fingerprint } from './helpers';

const TABLES = ['platform_admins', 'territories', 'organisations', 'agents', 'agent_roles', 'agent_services', 'motifs', 'lieux', 'territory_configs'];

/** A platform on a fresh, empty database (migrated, nothing seeded), as tests/support/platform.ts builds it. */
class EmptyPlatform {
  private constructor(readonly platform: Platform, private readonly database: TestDatabase) {}

  static async open(config: Partial<PlatformConfig>, now = new Date('2027-02-10T09:30:00Z')): Promise<EmptyPlatform> {
    const database = await createTestDatabase();
    const db = await Database.open({ url: database.url, embeddedDataDir: 'memory://' });
    const platform: Platform = { config: { ...readConfig({}), ...config }, db, clock: new ManualClock(now), schemas: new SchemaRegistry() };
    return new EmptyPlatform(platform, database);
  }

  async close(): Promise<void> {
    await this.platform.db.close();
    await this.database.drop();
  }

  async sql<T = any>(query: string, parameters: unknown[] = []): Promise<T[]> {
    return this.platform.db.system(() => tx().query(query, parameters));
  }

  async adminEmails(): Promise<string[]> {
    return (await this.sql<{ email: string }>(`SELECT email FROM platform_admins ORDER BY email`)).map((row) => row.email);
  }

  /** Signs in over HTTP, as the operator would after `npm start`. */
  async signIn(email: string, password: string): Promise<{ status: number; body: any }> {
    const server = createApp(this.platform).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/auth/sign_in`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
      });
      return { status: response.status, body: await response.json() };
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }
}

describe('first-run bootstrap', () => {
  describe('with ADMIN_EMAIL, ADMIN_PASSWORD and SEED_DEMO=false', () => {
    let empty: EmptyPlatform;
    beforeAll(async () => {
      empty = await EmptyPlatform.open({ adminEmail: 'ops@lapin.test', adminPassword: 'un-mot-de-passe-operateur', seedDemo: false });
    });
    afterAll(() => empty?.close());

    it('creates that platform admin and no territory', async () => {
      expect(await countRows(empty, ...TABLES)).toMatchObject({ platform_admins: 0, territories: 0 });
      expect(await bootstrap(empty.platform)).toEqual({ adminEmail: 'ops@lapin.test', seededDemo: false });
      expect(await empty.adminEmails()).toEqual(['ops@lapin.test']);
      expect(await countRows(empty, ...TABLES)).toMatchObject({ platform_admins: 1, territories: 0, organisations: 0, agents: 0, territory_configs: 0 });

      const signedIn = await empty.signIn('ops@lapin.test', 'un-mot-de-passe-operateur');
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.agent).toMatchObject({ email: 'ops@lapin.test', platform_admin: true });
      expect((await empty.signIn(DEMO_OPERATOR.email, DEMO_OPERATOR.password)).status).toBe(401);
    });

    it('does nothing on a database that is no longer empty', async () => {
      const before = await countRows(empty, ...TABLES);
      empty.platform.config = { ...empty.platform.config, adminEmail: 'autre@lapin.test', seedDemo: true };
      expect(await bootstrap(empty.platform)).toEqual({ seededDemo: false });
      expect(await empty.adminEmails()).toEqual(['ops@lapin.test']);
      expect(await countRows(empty, ...TABLES)).toEqual(before);
    });
  });

  it('refuses an ADMIN_PASSWORD shorter than 12 characters and creates nothing', async () => {
    const empty = await EmptyPlatform.open({ adminEmail: 'ops@lapin.test', adminPassword: 'too-short', seedDemo: false });
    try {
      await expect(bootstrap(empty.platform)).rejects.toThrow(/at least 12 characters/);
      expect(await empty.adminEmails()).toEqual([]);
    } finally {
      await empty.close();
    }
  });

  describe('the demo, whose passwords are published, beside a real install', () => {
    /** Bootstraps an empty database with the settings `env` gives; answers what a visitor could then sign in with. */
    async function bootstrapWith(env: NodeJS.ProcessEnv) {
      const empty = await EmptyPlatform.open(readConfig(env));
      try {
        const result = await bootstrap(empty.platform);
        const { agents, territories } = await countRows(empty, 'agents', 'territories');
        const demoLogins = {
          territorial: (await empty.signIn('territoire@demo.test', DEMO_OPERATOR.password)).status,
          operator: (await empty.signIn(DEMO_OPERATOR.email, DEMO_OPERATOR.password)).status,
        };
        return { result, agents, territories, demoLogins };
      } finally {
        await empty.close();
      }
    }

    it('is not loaded beside a DATABASE_URL without SEED_DEMO: no demo agent, no demo login', async () => {
      expect(await bootstrapWith({ DATABASE_URL: 'postgres://db.internal:5432/lapin' })).toEqual({
        result: { adminEmail: undefined, seededDemo: false }, agents: 0, territories: 0, demoLogins: { territorial: 401, operator: 401 },
      });
    });

    it('is not loaded beside an ADMIN_EMAIL without SEED_DEMO', async () => {
      expect(await bootstrapWith({ ADMIN_EMAIL: 'ops@lapin.test', ADMIN_PASSWORD: 'un-mot-de-passe-operateur' })).toEqual({
        result: { adminEmail: 'ops@lapin.test', seededDemo: false }, agents: 0, territories: 0, demoLogins: { territorial: 401, operator: 401 },
      });
    });

    it('is loaded beside a DATABASE_URL only when SEED_DEMO=true says so; SEED_DEMO=false turns it off everywhere', async () => {
      const asked = await bootstrapWith({ DATABASE_URL: 'postgres://db.internal:5432/lapin', SEED_DEMO: 'true' });
      expect(asked).toMatchObject({ result: { seededDemo: true }, agents: 7, territories: 1, demoLogins: { territorial: 200 } });
      expect(readConfig({ SEED_DEMO: 'false' }).seedDemo).toBe(false);
      expect(readConfig({}).seedDemo).toBe(true);
    });
  });

  describe('with the defaults (demo tenant, no ADMIN_EMAIL)', () => {
    let empty: EmptyPlatform;
    beforeAll(async () => {
      empty = await EmptyPlatform.open({});
    });
    afterAll(() => empty?.close());

    it('creates the demo operator and the demo tenant', async () => {
      expect(await bootstrap(empty.platform)).toEqual({ adminEmail: DEMO_OPERATOR.email, seededDemo: true });
      expect(await countRows(empty, ...TABLES)).toMatchObject({ platform_admins: 1, territories: 1, organisations: 2, agents: 7 });
      expect((await empty.signIn('territoire@demo.test', DEMO_OPERATOR.password)).status).toBe(200);
    });

    it('shows a living mairie: agendas open for months, usagers with the territory’s fields, past rdvs with what happened, coming ones', async () => {
      // The clock stands on Wednesday 10 February 2027, in weeks without a public holiday.
      const plages = await empty.sql(`SELECT p.recurrence, p.until::text, a.email FROM plages_ouverture p JOIN agents a ON a.id = p.agent_id ORDER BY a.email, p.start_time`);
      expect(plages.map((plage) => plage.email)).toEqual(['admin.mairie@demo.test', 'agent.etatcivil@demo.test', 'agent.etatcivil@demo.test', 'agent.urbanisme@demo.test']);
      expect(plages.every((plage) => plage.until === '2027-08-08')).toBe(true);
      const usagers = await empty.sql(`SELECT custom_fields FROM users`);
      expect(usagers).toHaveLength(8);
      expect(usagers.filter((usager) => usager.custom_fields.numero_allocataire)).toHaveLength(2);

      const rdvs = await empty.sql<{ status: string; past: boolean; created_at: Date; starts_at: Date }>(
        `SELECT status, starts_at < '2027-02-10T09:30:00Z' AS past, created_at, starts_at FROM rdvs ORDER BY starts_at`);
      const past = rdvs.filter((rdv) => rdv.past);
      const coming = rdvs.filter((rdv) => !rdv.past);
      expect(past.length).toBeGreaterThanOrEqual(10);
      expect(new Set(past.map((rdv) => rdv.status))).toEqual(new Set(['seen', 'noshow', 'excused']));
      // The past ones were booked then, on the first Monday of the two weeks.
      expect(past.every((rdv) => rdv.created_at.toISOString() === '2027-01-25T06:00:00.000Z')).toBe(true);
      expect(past[0].starts_at.getTime()).toBeGreaterThanOrEqual(Date.parse('2027-01-25T08:00:00Z'));
      expect(coming.length).toBeGreaterThanOrEqual(10);
      expect(coming.filter((rdv) => rdv.status === 'revoked')).toHaveLength(1);
      expect(coming.filter((rdv) => rdv.status !== 'revoked').every((rdv) => rdv.status === 'unknown')).toBe(true);
      expect(coming.at(-1)!.starts_at.getTime()).toBeLessThan(Date.parse('2027-02-25T00:00:00Z'));
      // Nobody was told of rdvs that did not really happen.
      expect(await countRows(empty, 'notification_receipts')).toEqual({ notification_receipts: 0 });
    });

    it('applying the demo tenant again creates and updates nothing', async () => {
      const counts = await countRows(empty, ...TABLES);
      const rows = await fingerprint(empty);
      const report = await applyTenant(empty.platform, DEMO_TENANT_DIR);
      expect({ created: report.created, updated: report.updated }).toEqual({ created: 0, updated: 0 });
      expect(await countRows(empty, ...TABLES)).toEqual(counts);
      expect(await fingerprint(empty)).toEqual(rows);
    });
  });
});
