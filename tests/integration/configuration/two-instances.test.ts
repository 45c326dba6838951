import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Database } from '../../../platform/src/db/database';
import { createApp } from '../../../platform/src/http/app';
import { SchemaRegistry } from '../../../platform/src/http/schemas';
import type { Platform } from '../../../platform/src/platform';
import { demoIds, TestPlatform } from '../../support/platform';

/**
 * A second API process over the same database: its own compiled forms, and on
 * PostgreSQL its own connection pool (in-memory PGlite has one session, shared).
 */
async function secondInstance(test: TestPlatform): Promise<{ platform: Platform; baseUrl: string; stop(): Promise<void> }> {
  const url = (test.db.dataSource.options as { url?: string }).url;
  const db = url ? await Database.open({ url }) : test.db;
  const platform: Platform = { ...test.platform, db, schemas: new SchemaRegistry() };
  const server = createApp(platform).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    platform,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      await new Promise((resolve) => (server as http.Server).close(resolve));
      if (db !== test.db) await db.close();
    },
  };
}

describe('two API instances', () => {
  let test: TestPlatform;
  let other: Awaited<ReturnType<typeof secondInstance>>;
  beforeAll(async () => {
    test = await TestPlatform.start();
    other = await secondInstance(test);
  });
  afterAll(async () => {
    await other.stop();
    await test.stop();
  });

  async function callOther(method: string, path: string, token: string, body?: unknown) {
    const response = await fetch(`${other.baseUrl}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() as any };
  }

  it('enforces on one instance, at its next request, a form changed through the other', async () => {
    const { mairie } = await demoIds(test);
    const admin = await test.signIn('territoire@demo.test');
    const usager = { first_name: 'Jean', last_name: 'Valjean', custom_fields: {} };

    // The second instance compiles and caches the form in force.
    const before = await callOther('get', '/api/v1/forms/user', admin);
    expect(before.body.schema.properties.custom_fields.required).toBeUndefined();
    expect((await callOther('post', `/api/v1/organisations/${mairie}/users`, admin, usager)).status).toBe(201);

    const put = await test.call('put', '/api/v1/territories/current/config/user_fields', {
      token: admin, body: { fields: [{ name: 'matricule', type: 'string', label: 'Matricule', required: true }], hidden_standard_fields: ['email'] },
    });
    expect(put.status).toBe(200);

    const refused = await callOther('post', `/api/v1/organisations/${mairie}/users`, admin, usager);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: 'custom_fields.matricule', message: 'is required' }]);
    const hidden = await callOther('post', `/api/v1/organisations/${mairie}/users`, admin, { ...usager, email: 'jean@exemple.fr', custom_fields: { matricule: '24601' } });
    expect(hidden.body.errors).toEqual([{ path: 'email', message: 'is not a known field' }]);
    const after = await callOther('get', '/api/v1/forms/user', admin);
    expect(after.body.version).toBe(put.body.version);

    // And back: a restore through the second instance is enforced by the first.
    await callOther('post', `/api/v1/territories/current/config/user_fields/versions/${before.body.version}/restore`, admin);
    expect((await test.call('post', `/api/v1/organisations/${mairie}/users`, { token: admin, body: usager })).status).toBe(201);
  });
});
