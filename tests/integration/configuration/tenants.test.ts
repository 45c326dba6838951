import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_TENANT_DIR } from '../../../platform/src/bootstrap';
import { applyTenant } from '../../../platform/src/tenancy/apply';
import { exportTenant, findTerritoryId } from '../../../platform/src/tenancy/export';
import { readTenantFolder, tenantFileMap, TenantFiles, writeTenantFolder } from '../../../platform/src/tenancy/files';
import { createTestDatabase } from '../../support/database';
import { TestPlatform } from '../../support/platform';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DEMO_NAME = 'Démo — Communauté de communes du Val Fleuri';

/** Every row a tenant folder describes, as a digest per table: equal digests, nothing changed. */
async function tenantRows(test: TestPlatform): Promise<Record<string, string>> {
  const tables = ['territories', 'organisations', 'lieux', 'motifs', 'agents', 'agent_roles', 'agent_services', 'territory_configs', 'outbox_events'];
  const rows = await test.sql<{ name: string; digest: string }>(tables.map((table) => `
    SELECT '${table}' AS name, count(*) || ':' || md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS digest
      FROM (SELECT to_jsonb(t) - 'last_seen_at' AS r FROM ${table} t) s`).join(' UNION ALL '));
  return Object.fromEntries(rows.map((row) => [row.name, row.digest]));
}

const folders: string[] = [];

function temporaryFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-tenant-'));
  folders.push(folder);
  return folder;
}

/** A copy of the demo folder to break in one way. */
function demoCopy(change: (dir: string) => void): string {
  const dir = temporaryFolder();
  fs.cpSync(DEMO_TENANT_DIR, dir, { recursive: true });
  change(dir);
  return dir;
}

function editJson(file: string, edit: (value: any) => any): void {
  fs.writeFileSync(file, JSON.stringify(edit(JSON.parse(fs.readFileSync(file, 'utf8'))), null, 2));
}

describe('tenants as files', () => {
  let test: TestPlatform;
  let territoryId: string;
  const exportDemo = () => test.db.tenant(territoryId, () => exportTenant(test.platform));

  beforeAll(async () => {
    test = await TestPlatform.start();
    territoryId = await findTerritoryId(test.platform, DEMO_NAME);
  });
  afterAll(async () => {
    await test.stop();
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('applies the same folder twice without changing anything the second time', async () => {
    const before = await tenantRows(test);
    const report = await applyTenant(test.platform, DEMO_TENANT_DIR);
    expect(report).toEqual({ territoryId, created: 0, updated: 0 });
    expect(await tenantRows(test)).toEqual(before);
  });

  it('answers the same files to territorial admins through the API', async () => {
    const admin = await test.signIn('territoire@demo.test');
    const response = await test.call('get', '/api/v1/territories/current/export', { token: admin });
    expect(response.status).toBe(200);
    expect(response.body.files).toEqual(JSON.parse(JSON.stringify(tenantFileMap(await exportDemo()))));
    expect(Object.keys(response.body.files)).toEqual(expect.arrayContaining([
      'territory.json', 'agents.json', 'config/user_fields.json', 'organisations/mairie-val-fleuri/motifs.json',
    ]));
    const basic = await test.signIn('admin.mairie@demo.test');
    expect((await test.call('get', '/api/v1/territories/current/export', { token: basic })).status).toBe(403);
  });

  describe('refuses a bad folder with the file and field, writing nothing', () => {
    const renamed = (dir: string) => editJson(path.join(dir, 'territory.json'), (territory) => ({ ...territory, name: `Copie ${path.basename(dir)}` }));
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['a motif of a service the territory does not enable', (dir) => {
        editJson(path.join(dir, 'organisations/mairie-val-fleuri/motifs.json'), (motifs) => [...motifs, { ...motifs[0], name: 'Urbanisme bis', service_id: 'logement' }]);
      }, /motifs\.json: logement is not a service enabled/],
      ['an invalid user_fields document', (dir) => {
        editJson(path.join(dir, 'config/user_fields.json'), (document) => ({ ...document, fields: [...document.fields, { name: 'email', type: 'string', label: 'E-mail' }] }));
      }, /config\/user_fields\.json: The user_fields document is invalid/],
      ['two motifs with one name', (dir) => {
        editJson(path.join(dir, 'organisations/ccas-val-fleuri/motifs.json'), (motifs) => [...motifs, motifs[0]]);
      }, /ccas-val-fleuri\/motifs\.json: the name "Premier accueil social" appears twice/],
      ['a misspelt file', (dir) => {
        fs.writeFileSync(path.join(dir, 'organisations/ccas-val-fleuri/motif.json'), '[]');
      }, /organisations\/ccas-val-fleuri\/motif\.json: not a tenant file/],
      ['an unknown configuration document', (dir) => {
        fs.writeFileSync(path.join(dir, 'config/colours.json'), '{}');
      }, /config\/colours\.json: no configuration document is named colours/],
      ['a role in an organisation the folder lacks', (dir) => {
        editJson(path.join(dir, 'agents.json'), (agents) => [{ ...agents[0], email: 'nouveau@demo.test', roles: { 'mediatheque': 'basic' } }, ...agents.slice(1)]);
      }, /agents\.json: no organisations\/mediatheque folder/],
      ['another territory\'s organisation slug', (dir) => renamed(dir), /organisations\/ccas-val-fleuri: this slug belongs to an organisation of another territory/],
      ['a new territory refused inside (it is not left behind)', (dir) => {
        renamed(dir);
        fs.rmSync(path.join(dir, 'agents.json'));
        for (const slug of ['ccas-val-fleuri', 'mairie-val-fleuri']) fs.renameSync(path.join(dir, 'organisations', slug), path.join(dir, 'organisations', `${slug}-copie`));
        editJson(path.join(dir, 'config/services.json'), () => ({ enabled: ['social'] }));
      }, /mairie-val-fleuri-copie\/motifs\.json: titres_identite is not a service enabled/],
      ['a time zone that does not exist', (dir) => editJson(path.join(dir, 'territory.json'), (territory) => ({ ...territory, timezone: 'Europe/Lyon' })), /Europe\/Lyon is not a known time zone/],
    ];

    it.each(cases)('%s', async (_what, breakIt, message) => {
      const before = await tenantRows(test);
      const dir = demoCopy(breakIt);
      const refusal = await applyTenant(test.platform, dir).catch((error) => error);
      expect(refusal.message).toMatch(message);
      expect(await tenantRows(test)).toEqual(before);
    });
  });

  it('runs as `npm run tenant -- apply|export` on the configured database', async () => {
    const database = await createTestDatabase();
    const dataDir = temporaryFolder();
    const out = path.join(temporaryFolder(), 'export');
    const env = { ...process.env, DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) };
    const run = (...args: string[]) => promisify(execFile)('npm', ['run', 'tenant', '--', ...args], { cwd: ROOT, env });
    try {
      expect((await run('apply', 'tenants/demo')).stdout).toMatch(/Applied tenants\/demo: territory [0-9a-f-]{36}, \d+ created, \d+ updated/);
      expect((await run('export', DEMO_NAME, out)).stdout).toMatch(/Exported/);
      const fresh = readTenantFolder(test.platform.schemas, out);
      const reference: TenantFiles = readTenantFolder(test.platform.schemas, DEMO_TENANT_DIR);
      expect(fresh.config).toEqual(reference.config);
      expect(Object.keys(fresh.organisations)).toEqual(Object.keys(reference.organisations));
      expect(fresh.agents.map((agent) => agent.email ?? agent.name).sort()).toEqual(reference.agents.map((agent) => agent.email ?? agent.name).sort());
      await expect(run('export', DEMO_NAME, out)).rejects.toMatchObject({ stderr: expect.stringMatching(/is not empty/) });
      expect((await run('export', DEMO_NAME, out, '--replace')).stdout).toMatch(/Exported/);
      await expect(run('export', 'Territoire inconnu', temporaryFolder())).rejects.toMatchObject({ stderr: expect.stringMatching(/not found/) });
    } finally {
      await database.drop();
    }
  }, 180_000);

  // Last: it replaces the demo territory by its copy (agents without passwords).
  it('exports a territory that, applied to itself, changes nothing, and once deleted, applies back to the same export', async () => {
    const admin = await test.signIn('territoire@demo.test');
    await test.call('put', '/api/v1/territories/current/config/holidays', { token: admin, body: { zone: 'alsace_moselle', reopened: ['2027-12-26'] } });
    const exported = await exportDemo();
    expect(Object.keys(exported.config).sort()).toEqual(['holidays', 'rdv_fields', 'services', 'user_fields', 'waiting_room']);
    expect(exported.config.holidays).toEqual({ zone: 'alsace_moselle', reopened: ['2027-12-26'] });
    expect(exported.agents.find((agent) => agent.name)).toEqual({
      name: 'Permanence juriste (intervenant)', service_ids: ['social'], roles: { 'ccas-val-fleuri': 'intervenant' },
    });
    expect(JSON.stringify(exported)).not.toMatch(/password|scrypt/);

    const dir = temporaryFolder();
    writeTenantFolder(exported, dir);
    expect(fs.readdirSync(path.join(dir, 'organisations')).sort()).toEqual(['ccas-val-fleuri', 'mairie-val-fleuri']);
    expect(readTenantFolder(test.platform.schemas, dir)).toEqual(exported);

    const before = await tenantRows(test);
    expect(await applyTenant(test.platform, dir)).toMatchObject({ created: 0, updated: 0 });
    expect(await tenantRows(test)).toEqual(before);

    // One process holds one embedded database: the round trip goes through deleting the territory.
    await test.sql(`DELETE FROM territories WHERE id = $1`, [territoryId]);
    const report = await applyTenant(test.platform, dir);
    expect(report.territoryId).not.toBe(territoryId);
    expect(report.created).toBeGreaterThan(10);
    expect(await test.db.tenant(report.territoryId, () => exportTenant(test.platform))).toEqual(exported);
    expect(await applyTenant(test.platform, dir)).toMatchObject({ created: 0, updated: 0 });
  });
});
