import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigStore } from '../../../platform/src/configuration/store';
import { createApp } from '../../../platform/src/http/app';
import { openApiDocument } from '../../../platform/src/http/openapi';
import { pluginConfigKey, pluginSchemaSource } from '../../../platform/src/plugins/config';
import { partnerApiRoutes, sameSecret } from '../../../platform/src/plugins/partner-routes';
import { AppError, definePlugin, PartnerReply } from '../../../platform/src/plugins/sdk';
import { demoIds, TestPlatform } from '../../support/platform';

const HUB_TOKEN = 'hub-token-0123456789abcdef';

/** A partner's view of the platform: who calls is checked by the plugin, then each territory where it is on answers. */
const partnerPlugin = definePlugin<{ label: string }>({
  name: 'partner-test',
  version: '1.0.0',
  description: 'Partner routes under test',
  scope: 'organisation',
  configSchema: {
    type: 'object', properties: { label: { type: 'string' } }, required: ['label'], additionalProperties: false, default: { label: 'default' },
  },
  instanceSettings: { hubToken: { env: 'PARTNER_TEST_HUB_TOKEN', description: 'The token the hub sends' } },
  partnerRoutes: [
    {
      method: 'get', path: '/places', summary: 'Lieux of every territory where the plugin is on',
      async handle(request) {
        if (!request.sameSecret(request.headers['x-hub-token'], request.instance.hubToken)) throw new AppError('unauthenticated', 'Unknown hub token');
        const places = await request.forEachTerritory(async (ctx) => ({
          territory_id: ctx.territoryId,
          label: ctx.config.label,
          lieux: (await ctx.core.lieux()).map((lieu) => lieu.name).sort(),
        }));
        return { ids: request.query.ids ?? null, places };
      },
    },
    {
      method: 'get', path: '/territories/:id', summary: 'One territory, named by the partner',
      handle: (request) => request.inTerritory(request.params.id, async (ctx) => ({
        organisations: (await ctx.core.organisations()).length,
        hub_token_set: ctx.instance.hubToken === HUB_TOKEN,
      })),
    },
    {
      method: 'post', path: '/echo', summary: 'Its own status, body and headers',
      async handle(request) {
        return new PartnerReply(418, { received: request.body, agent: request.headers['user-agent'] ?? null }, { 'x-partner-answer': 'yes' });
      },
    },
  ],
});

describe('partner routes', () => {
  let test: TestPlatform;
  let server: http.Server;
  let baseUrl: string;
  let demoTerritory: string;
  let otherTerritory: string;

  async function configure(territoryId: string, document: unknown): Promise<void> {
    await test.db.tenant(territoryId, () => new ConfigStore(test.platform.schemas, pluginSchemaSource([partnerPlugin])).write(pluginConfigKey(partnerPlugin.name), document, null));
  }

  async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
    const response = await fetch(`${baseUrl}${path}`, {
      method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  }

  beforeAll(async () => {
    test = await TestPlatform.start({ now: new Date('2026-11-30T07:00:00Z'), config: { env: { PARTNER_TEST_HUB_TOKEN: HUB_TOKEN } } });
    server = createApp(test.platform, partnerApiRoutes([partnerPlugin])).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    [{ id: demoTerritory }] = await test.sql(`SELECT id FROM territories`);
    otherTerritory = (await test.createTerritory('Autre territoire', 'admin@autre.test')).id;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await test?.stop();
  });

  it('refuses a caller without the instance token, as problem+json, before reading anything', async () => {
    for (const headers of [{}, { 'X-Hub-Token': 'wrong' }, { 'X-Hub-Token': `${HUB_TOKEN}x` }] as Record<string, string>[]) {
      const refused = await call('GET', '/api/partner-test/places', headers);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ status: 401, detail: 'Unknown hub token' });
    }
  });

  it('answers from each territory where the plugin is on, for the territory or one organisation, with repeated parameters as arrays', async () => {
    const asHub = { 'X-Hub-Token': HUB_TOKEN };
    // Off everywhere by default.
    expect((await call('GET', '/api/partner-test/places', asHub)).body).toEqual({ ids: null, places: [] });

    // On for one organisation only of the demo territory: the territory answers, with its own settings.
    const { mairie } = await demoIds(test);
    await configure(demoTerritory, { enabled: false, config: { label: 'démo' }, organisations: { [mairie]: { enabled: true } } });
    const one = await call('GET', '/api/partner-test/places?ids=A&ids=B', asHub);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      ids: ['A', 'B'],
      places: [{ territory_id: demoTerritory, label: 'démo', lieux: ['Hôtel de ville', 'Mairie annexe des Tilleuls', 'Maison des solidarités'] }],
    });

    await configure(otherTerritory, { enabled: true, config: { label: 'autre' } });
    const both = await call('GET', '/api/partner-test/places?ids=A', asHub);
    expect(both.body.ids).toBe('A');
    expect(both.body.places).toEqual(expect.arrayContaining([
      expect.objectContaining({ territory_id: demoTerritory, label: 'démo' }),
      { territory_id: otherTerritory, label: 'autre', lieux: [] },
    ]));
    expect(both.body.places).toHaveLength(2);
  });

  it('runs in the one territory the partner names, with the instance settings, 404 for one that does not exist', async () => {
    expect((await call('GET', `/api/partner-test/territories/${demoTerritory}`)).body).toEqual({ organisations: 2, hub_token_set: true });
    expect((await call('GET', `/api/partner-test/territories/${otherTerritory}`)).body).toEqual({ organisations: 0, hub_token_set: true });
    expect((await call('GET', '/api/partner-test/territories/7b0f3f4e-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('GET', '/api/partner-test/territories/not-an-id')).status).toBe(404);
  });

  it("keeps a PartnerReply's status, body and headers, and reads lower-cased headers and the JSON body", async () => {
    const answer = await call('POST', '/api/partner-test/echo', { 'User-Agent': 'Hub/1.0' }, { meeting_point_ids: ['1'] });
    expect(answer.status).toBe(418);
    expect(answer.headers.get('x-partner-answer')).toBe('yes');
    expect(answer.body).toEqual({ received: { meeting_point_ids: ['1'] }, agent: 'Hub/1.0' });
  });

  it('documents the routes in OpenAPI under the plugin’s partner tag, with no bearer token', () => {
    const document = openApiDocument(partnerApiRoutes([partnerPlugin]), test.platform.schemas) as { paths: Record<string, any> };
    expect(document.paths['/api/partner-test/places'].get).toMatchObject({ tags: ['plugin partner-test (partner)'], security: [], summary: 'Lieux of every territory where the plugin is on' });
    expect(document.paths['/api/partner-test/territories/{id}'].get.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
  });

  it('refuses plugin names whose partner routes would take the place of the API', () => {
    expect(() => partnerApiRoutes([{ ...partnerPlugin, name: 'v1' }])).toThrow(/API's place/);
  });

  it('compares secrets whatever their lengths, refusing missing ones', () => {
    expect(sameSecret(HUB_TOKEN, HUB_TOKEN)).toBe(true);
    expect(sameSecret('short', HUB_TOKEN)).toBe(false);
    expect(sameSecret(undefined, HUB_TOKEN)).toBe(false);
    expect(sameSecret('', '')).toBe(false);
  });
});
