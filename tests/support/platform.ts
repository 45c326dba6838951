import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_OPERATOR, DEMO_TENANT_DIR } from '../../platform/src/bootstrap';
import { PlatformAdmin } from '../../platform/src/auth/auth.entity';
import { hashPassword } from '../../platform/src/auth/secrets';
import { ManualClock } from '../../platform/src/clock';
import { PlatformConfig, readConfig } from '../../platform/src/config';
import { Database, tx } from '../../platform/src/db/database';
import { createApp } from '../../platform/src/http/app';
import { SchemaRegistry } from '../../platform/src/http/schemas';
import type { Platform } from '../../platform/src/platform';
import { applyTenant } from '../../platform/src/tenancy/apply';
import { createTestDatabase, TestDatabase } from './database';

export const DEMO_PASSWORD = DEMO_OPERATOR.password;

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (malformed JSON, huge bodies). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A running platform on a fresh database, listening on a random local port. */
export class TestPlatform {
  private constructor(
    readonly platform: Platform,
    readonly clock: ManualClock,
    readonly baseUrl: string,
    private readonly server: http.Server,
    private readonly database: TestDatabase,
  ) {}

  /**
   * `sameDatabaseAs`: a second platform (its own pool and server, as a second API
   * process) on another one's PostgreSQL database, which it neither seeds nor drops.
   */
  static async start(options: { config?: Partial<PlatformConfig>; now?: Date; demo?: boolean; sameDatabaseAs?: TestPlatform } = {}): Promise<TestPlatform> {
    const shared = options.sameDatabaseAs?.database;
    if (shared && !shared.url) throw new Error('Only a PostgreSQL database can be shared by two platforms');
    const database = shared ? { url: shared.url, drop: async () => undefined } : await createTestDatabase();
    const db = await Database.open({ url: database.url, embeddedDataDir: 'memory://' });
    const clock = new ManualClock(options.now ?? new Date());
    const config: PlatformConfig = { ...readConfig({}), allowPrivateWebhookTargets: true, ...options.config };
    const platform: Platform = { config, db, clock, schemas: new SchemaRegistry() };
    const server = createApp(platform).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    platform.config.publicUrl = `http://127.0.0.1:${port}`;
    const test = new TestPlatform(platform, clock, `http://127.0.0.1:${port}`, server, database);
    if (shared) return test;
    await test.createPlatformAdmin();
    if (options.demo !== false) await applyTenant(platform, DEMO_TENANT_DIR);
    return test;
  }

  get db(): Database {
    return this.platform.db;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
    await this.platform.db.close();
    await this.database.drop();
  }

  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method: method.toUpperCase(), headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** Signs in and answers the bearer token; fails the test when refused. */
  async signIn(email: string, password = DEMO_PASSWORD): Promise<string> {
    const response = await this.call('post', '/api/v1/auth/sign_in', { body: { email, password } });
    if (response.status !== 200) throw new Error(`sign in as ${email}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.token;
  }

  async createPlatformAdmin(): Promise<void> {
    const password_hash = await hashPassword(DEMO_OPERATOR.password);
    await this.db.system(() => tx().insert(PlatformAdmin, { email: DEMO_OPERATOR.email, password_hash }));
  }

  /** Creates another territory with its territorial admin, through the API. */
  async createTerritory(name: string, adminEmail: string): Promise<{ id: string; token: string }> {
    const operator = await this.signIn(DEMO_OPERATOR.email);
    const created = await this.call('post', '/api/v1/territories', {
      token: operator,
      body: { name, timezone: 'Europe/Paris', admin: { email: adminEmail, password: DEMO_PASSWORD } },
    });
    if (created.status !== 201) throw new Error(`create territory: ${created.status} ${JSON.stringify(created.body)}`);
    return { id: created.body.id, token: await this.signIn(adminEmail) };
  }

  /** Runs SQL as the owner (above row-level security): for assertions on what was written. */
  async sql<T = any>(query: string, parameters: unknown[] = []): Promise<T[]> {
    return this.db.system(() => tx().query(query, parameters));
  }
}

/** The demo tenant's ids, by readable names, for tests. */
export async function demoIds(test: TestPlatform) {
  const [mairie] = await test.sql(`SELECT id FROM organisations WHERE slug = 'mairie-val-fleuri'`);
  const [ccas] = await test.sql(`SELECT id FROM organisations WHERE slug = 'ccas-val-fleuri'`);
  const agents = await test.sql<{ id: string; email: string | null; last_name: string }>(`SELECT id, email, last_name FROM agents`);
  const agent = (email: string) => agents.find((a) => a.email === email)!.id;
  return {
    mairie: mairie.id as string,
    ccas: ccas.id as string,
    territorialAdmin: agent('territoire@demo.test'),
    mairieAdmin: agent('admin.mairie@demo.test'),
    basicEtatCivil: agent('agent.etatcivil@demo.test'),
    basicUrbanisme: agent('agent.urbanisme@demo.test'),
    secretariat: agent('secretariat@demo.test'),
    ccasAdmin: agent('travailleur.social@demo.test'),
    intervenant: agents.find((a) => a.email === null)!.id,
  };
}
