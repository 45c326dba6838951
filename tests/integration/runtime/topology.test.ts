import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { buildPlatform, freePort, ROOT_DIR, startProcess, waitUntilAnswering, type PlatformProcess } from '../../support/processes';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtp';
import { parseMime } from '../../unit/notifications/mime';

const realEngines = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

/**
 * The deployment's shape (compose.yaml, deploy/k8s/): two compiled API processes and two
 * workers on one PostgreSQL and one Redis. Needs DATABASE_URL and REDIS_URL (CI has them);
 * on the embedded engines there is one process, and a worker says why it cannot start.
 */
if (realEngines) describe('two API processes and two workers on one PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let dataDir: string;
  const processes: PlatformProcess[] = [];
  const apis: string[] = [];

  beforeAll(async () => {
    buildPlatform();
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-topology-'));
    const env = {
      DATABASE_URL: database.url, REDIS_URL: process.env.REDIS_URL, SMTP_URL: smtp.url, DATA_DIR: dataDir,
      QUEUE_PREFIX: `lapin-topology-${crypto.randomBytes(4).toString('hex')}`, SECRETS_KEY: 'topology-test-key-0123456789abcdef',
      SEED_DEMO: 'false', JOB_POLL_MS: '100',
    };
    // The demo tenant as an operator applies one (`npm run tenant -- apply`), which also migrates.
    execFileSync(process.execPath, [path.join(ROOT_DIR, 'platform', 'dist', 'tenant.js'), 'apply', 'tenants/demo'], {
      cwd: ROOT_DIR, env: { PATH: process.env.PATH, SCRYPT_LOG_N: process.env.SCRYPT_LOG_N, ...env }, stdio: 'pipe',
    });
    for (const index of [0, 1]) {
      const port = await freePort();
      const api = startProcess('main', { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
      processes.push(api);
      apis.push(`http://127.0.0.1:${port}`);
      await waitUntilAnswering(`${apis[index]}/health/ready`, api, 90_000);
    }
    processes.push(startProcess('worker', env), startProcess('worker', env));
  }, 180_000);

  afterAll(async () => {
    const codes = await Promise.all(processes.map((running) => running.stop()));
    expect(codes).toEqual([0, 0, 0, 0]);
    await smtp?.close();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(api: string, method: string, target: string, token: string | null, body?: unknown) {
    const response = await fetch(`${api}${target}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() as any };
  }

  async function demoIds() {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const one = async (sql: string, parameters: unknown[]) => (await client.query(sql, parameters)).rows[0].id as string;
      return {
        mairie: await one(`SELECT id FROM organisations WHERE slug = $1`, ['mairie-val-fleuri']),
        cni: await one(`SELECT id FROM motifs WHERE name = $1`, ["Carte d'identité et passeport"]),
        hotelDeVille: await one(`SELECT id FROM lieux WHERE name = $1`, ['Hôtel de ville']),
        anne: await one(`SELECT id FROM agents WHERE email = $1`, ['agent.etatcivil@demo.test']),
      };
    } finally {
      await client.end();
    }
  }

  it('books through either API process, and a worker sends each confirmation once', async () => {
    const ids = await demoIds();
    const bookings = [
      { api: apis[0], email: `usager.one.${crypto.randomBytes(3).toString('hex')}@example.fr`, starts_at: '2031-03-04T09:00:00+01:00' },
      { api: apis[1], email: `usager.two.${crypto.randomBytes(3).toString('hex')}@example.fr`, starts_at: '2031-03-04T09:40:00+01:00' },
    ];
    for (const booking of bookings) {
      const signIn = await call(booking.api, 'POST', '/api/v1/auth/sign_in', null, { email: 'admin.mairie@demo.test', password: 'demo-password-2026' });
      expect(signIn.status).toBe(200);
      const user = await call(booking.api, 'POST', `/api/v1/organisations/${ids.mairie}/users`, signIn.body.token, {
        first_name: 'Camille', last_name: 'Martin', email: booking.email,
      });
      expect(user.status).toBe(201);
      const rdv = await call(booking.api, 'POST', `/api/v1/organisations/${ids.mairie}/rdvs`, signIn.body.token, {
        motif_id: ids.cni, lieu_id: ids.hotelDeVille, agent_ids: [ids.anne], user_ids: [user.body.id], starts_at: booking.starts_at, force: true,
      });
      expect(rdv.status).toBe(201);
    }

    const confirmationsTo = (email: string) => smtp.received
      .filter((mail) => mail.to.includes(email) && parseMime(mail.raw).headers.get('subject')?.startsWith('Rendez-vous confirmé'));
    for (let waited = 0; waited < 30_000 && bookings.some((booking) => confirmationsTo(booking.email).length === 0); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Both workers poll the same outbox and queue: give a second delivery time to show up.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(bookings.map((booking) => confirmationsTo(booking.email).length)).toEqual([1, 1]);
  });
});

else describe('a worker without PostgreSQL', () => {
  it('refuses to start and says why: the embedded database belongs to npm start', async () => {
    buildPlatform();
    const worker = startProcess('worker', { DATA_DIR: os.tmpdir() });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain('npm run worker needs DATABASE_URL');
  });
});
