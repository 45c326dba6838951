import { tx } from '../../../platform/src/db/database';
import { consoleLog } from '../../../platform/src/logging';
import { createPluginContext } from '../../../platform/src/plugins/host';
import { PLUGINS } from '../../../platform/src/plugins/registry';
import { dropQueueKeys, pipelineConfig, RunningPipeline, sleep, waitFor } from '../../support/events';
import { demoIds, TestPlatform } from '../../support/platform';
import { Receiver } from '../../support/receiver';

const CONFIG_URL = '/api/v1/territories/current/config/plugins.example-audit-log';

describe('the plugin host', () => {
  let test: TestPlatform;
  let receiver: Receiver;
  let running: RunningPipeline;
  let territorialAdmin: string;
  let mairieAdmin: string;
  let mairie: string;
  let territoryId: string;

  beforeAll(async () => {
    test = await TestPlatform.start({ config: pipelineConfig() });
    receiver = await Receiver.start();
    running = await RunningPipeline.start(test);
    territorialAdmin = await test.signIn('territoire@demo.test');
    mairieAdmin = await test.signIn('admin.mairie@demo.test');
    mairie = (await demoIds(test)).mairie;
    [{ id: territoryId }] = await test.sql(`SELECT id FROM territories`);
  });
  afterAll(async () => {
    await running.stop();
    await receiver.stop();
    await dropQueueKeys(test.platform.config);
    await test.stop();
  });

  const configure = (document: unknown) => test.call('put', CONFIG_URL, { token: territorialAdmin, body: document });
  const archived = () => receiver.requests.filter((request) => request.path === '/archive').map((request) => JSON.parse(request.body));

  async function renameLieu(name: string): Promise<string> {
    const created = await test.call('post', `/api/v1/organisations/${mairie}/lieux`, { token: mairieAdmin, body: { name, address: '3 rue du Port' } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  it('lists the installed plugins with their state in the territory, for territorial admins', async () => {
    const listed = await test.call('get', '/api/v1/plugins', { token: territorialAdmin });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ name: 'webhooks', scope: 'organisation', enabled: true, config_key: 'plugins.webhooks', jobs: ['deliver', 'test-event'] }),
      expect.objectContaining({ name: 'example-audit-log', scope: 'territory', enabled: false, events: ['*'] }),
      expect.objectContaining({ name: 'ants', scope: 'organisation', enabled: false, config_key: 'plugins.ants' }),
      expect.objectContaining({ name: 'outlook', scope: 'organisation', enabled: false, jobs: ['sync-rdv', 'initial-sync', 'disconnect'] }),
    ]);
    expect((await test.call('get', '/api/v1/plugins', { token: mairieAdmin })).status).toBe(403);
  });

  it("validates a plugin's configuration with its schema, with field paths, and versions it", async () => {
    const schema = await test.call('get', `${CONFIG_URL}/schema`, { token: territorialAdmin });
    expect(schema.body.default).toEqual({ enabled: false, config: { models: [] } });
    expect(schema.body.$defs.config.properties.archive_url).toMatchObject({ format: 'uri' });

    const invalid = await configure({ enabled: true, config: { models: ['Lieu'], archive_url: 'ftp://archive.example' }, organisations: {} });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual(expect.arrayContaining([
      { path: 'organisations', message: 'is not a known field' },
      { path: 'config.models.0', message: 'must match pattern "^[a-z_]+$"' },
      { path: 'config.archive_url', message: 'must match pattern "^https?://"' },
    ]));
    expect((await test.call('get', '/api/v1/territories/current/config/plugins.unknown-plugin', { token: territorialAdmin })).status).toBe(404);
    expect((await test.call('put', CONFIG_URL, { token: mairieAdmin, body: { enabled: true, config: { models: [] } } })).status).toBe(403);

    const saved = await configure({ enabled: true, config: { models: ['lieu'], archive_url: `${receiver.url}/archive` } });
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(1);
  });

  it('runs a plugin only where it is enabled, with the configuration in force', async () => {
    await configure({ enabled: true, config: { models: ['lieu'], archive_url: `${receiver.url}/archive` } });
    const kept = await renameLieu('Kept');
    await waitFor('the archived change', () => archived().some((entry) => entry.record_id === kept));

    expect((await configure({ enabled: false, config: { models: ['lieu'], archive_url: `${receiver.url}/archive` } })).status).toBe(200);
    const ignored = await renameLieu('Ignored while disabled');
    const [event] = await test.sql(`SELECT id::text FROM outbox_events WHERE record_id = $1`, [ignored]);
    await waitFor('the handled event', async () => (await test.sql(
      `SELECT status FROM consumer_receipts WHERE event_id = $1 AND consumer = 'plugin-example-audit-log'`, [event.id],
    ))[0]?.status === 'done');
    await sleep(200);
    expect(archived().some((entry) => entry.record_id === ignored)).toBe(false);

    const history = await test.call('get', `${CONFIG_URL}/versions`, { token: territorialAdmin });
    const restored = await test.call('post', `${CONFIG_URL}/versions/${history.body.data[1].version}/restore`, { token: territorialAdmin });
    expect(restored.body.document.enabled).toBe(true);
    const again = await renameLieu('Kept again');
    await waitFor('the change after the restore', () => archived().some((entry) => entry.record_id === again));
  });

  it("keeps plugins' secrets encrypted, bound to their territory, plugin and name", async () => {
    const stored = await test.call('put', '/api/v1/plugins/example-audit-log/archive_token', { token: territorialAdmin, body: { token: 'archive-bearer-0123456789' } });
    expect(stored.status).toBe(204);
    const [row] = await test.sql(`SELECT sealed FROM plugin_secrets WHERE plugin = 'example-audit-log' AND name = 'archive_token'`);
    expect(row.sealed).toMatch(/^v1\./);
    expect(row.sealed).not.toContain('archive-bearer');

    const lieu = await renameLieu('With a token');
    await waitFor('the archived change', () => archived().some((entry) => entry.record_id === lieu));
    const request = receiver.requests.find((r) => r.path === '/archive' && JSON.parse(r.body).record_id === lieu)!;
    expect(request.headers.authorization).toBe('Bearer archive-bearer-0123456789');

    // A sealed value copied under another name does not open.
    await test.sql(`INSERT INTO plugin_secrets (territory_id, plugin, name, sealed) VALUES ($1, 'example-audit-log', 'copied', $2)`, [territoryId, row.sealed]);
    const plugin = PLUGINS.find((candidate) => candidate.name === 'example-audit-log')!;
    const ctx = createPluginContext(test.platform, plugin, { territoryId, organisationId: null, settings: { enabled: true, config: {} } }, consoleLog);
    expect(await ctx.secrets.get('archive_token')).toBe('archive-bearer-0123456789');
    await expect(ctx.secrets.get('copied')).rejects.toThrow();

    // Another territory sees nothing of it.
    const other = await test.createTerritory('Autre territoire', 'admin@autre.test');
    const elsewhere = createPluginContext(test.platform, plugin, { territoryId: other.id, organisationId: null, settings: { enabled: true, config: {} } }, consoleLog);
    expect(await elsewhere.secrets.get('archive_token')).toBeNull();
    expect(await test.db.tenant(other.id, () => tx().query(`SELECT count(*)::int AS count FROM plugin_secrets`))).toEqual([{ count: 0 }]);
  });

  it("shows a plugin's recent failures to territorial admins", async () => {
    receiver.answer = (request) => ({ status: request.path === '/archive' ? 500 : 200 });
    const lieu = await renameLieu('Refused by the archive');
    const [event] = await test.sql(`SELECT id::text FROM outbox_events WHERE record_id = $1`, [lieu]);
    await waitFor('two failures', async () => (await test.call('get', '/api/v1/plugins/example-audit-log/failures', { token: territorialAdmin })).body.meta.total_count >= 2);
    receiver.answer = () => ({ status: 200 });
    const failures = await test.call('get', '/api/v1/plugins/example-audit-log/failures', { token: territorialAdmin });
    expect(failures.body.data[0]).toMatchObject({ job: 'event', event_id: event.id, final: false, error: 'The archive answered 500' });
    expect((await test.call('get', '/api/v1/plugins/example-audit-log/failures', { token: mairieAdmin })).status).toBe(403);
    expect((await test.call('get', '/api/v1/plugins/nothing-here/failures', { token: territorialAdmin })).status).toBe(404);
    await waitFor('the retry once the archive accepts', async () => (await test.sql(
      `SELECT status FROM consumer_receipts WHERE event_id = $1 AND consumer = 'plugin-example-audit-log'`, [event.id],
    ))[0]?.status === 'done');
  });
});
