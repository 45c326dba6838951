import { logger } from '../../../platform/src/logging';
import { moveUserReferences, unregisteredUserReferences } from '../../../platform/src/usagers/merge';
import { demoIds, TestPlatform } from '../../support/platform';

describe('merging usagers', () => {
  let test: TestPlatform;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let admin: string;
  let territoryId: string;
  const create = async (organisationId: string, body: Record<string, unknown>) => {
    const response = await test.call('post', `/api/v1/organisations/${organisationId}/users`, { token: admin, body });
    expect(response.status).toBe(201);
    return response.body;
  };

  beforeAll(async () => {
    test = await TestPlatform.start();
    ids = await demoIds(test);
    admin = await test.signIn('territoire@demo.test');
    [{ id: territoryId }] = await test.sql(`SELECT territory_id AS id FROM organisations WHERE id = $1`, [ids.mairie]);
  });
  afterAll(() => test.stop());

  it('keeps the chosen values, every custom value and the organisations of both; the other fiche is gone', async () => {
    const kept = await create(ids.mairie, {
      first_name: 'Jean', last_name: 'Martin', email: 'jean@exemple.fr', custom_fields: { numero_allocataire: '1111111', nombre_enfants: 1 },
    });
    const other = await create(ids.ccas, {
      first_name: 'Jean-Pierre', last_name: 'Martin', phone_number: '06 98 76 54 32', birth_date: '1970-01-02', email: 'jp@exemple.fr',
      custom_fields: { numero_allocataire: '2222222', besoin_interprete: true },
    });
    const merged = await test.call('post', '/api/v1/users/merge', {
      token: admin,
      body: { user_id: kept.id, other_user_id: other.id, fields: { first_name: 'other', 'custom_fields.numero_allocataire': 'other' } },
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      id: kept.id,
      first_name: 'Jean-Pierre', // chosen
      email: 'jean@exemple.fr', // the kept fiche's by default
      phone_number: '06 98 76 54 32', // the kept fiche had none
      birth_date: '1970-01-02',
      custom_fields: { numero_allocataire: '2222222', nombre_enfants: 1, besoin_interprete: true },
    });
    expect([...merged.body.organisation_ids].sort()).toEqual([ids.mairie, ids.ccas].sort());

    expect((await test.call('get', `/api/v1/users/${other.id}`, { token: admin })).status).toBe(404);
    const [gone] = await test.sql(`SELECT last_name, email, deleted_at FROM users WHERE id = $1`, [other.id]);
    expect(gone).toMatchObject({ last_name: 'anonymisé', email: null });
    expect(await test.sql(`SELECT 1 FROM user_profiles WHERE user_id = $1`, [other.id])).toEqual([]);

    const ccas = await test.signIn('travailleur.social@demo.test');
    const seenByCcas = await test.call('get', `/api/v1/users/${kept.id}`, { token: ccas });
    expect(seenByCcas.body.organisation_ids).toEqual([ids.ccas]);

    const versions = await test.call('get', `/api/v1/users/${kept.id}/versions`, { token: admin });
    expect(versions.body.data[0]).toMatchObject({ event: 'merged', author: { id: ids.territorialAdmin } });
    expect(versions.body.data[0].changes).toEqual(expect.arrayContaining([
      { field: 'first_name', from: 'Jean', to: 'Jean-Pierre' },
      { field: 'custom_fields.numero_allocataire', from: '1111111', to: '2222222' },
      { field: 'merged_user_id', from: null, to: other.id },
    ]));
    const events = await test.sql(`SELECT record_id, event, organisation_id FROM outbox_events WHERE model = 'user' AND record_id IN ($1, $2) AND event <> 'created' ORDER BY id`, [kept.id, other.id]);
    expect(events).toEqual(expect.arrayContaining([
      { record_id: other.id, event: 'destroyed', organisation_id: ids.ccas },
      { record_id: kept.id, event: 'updated', organisation_id: ids.ccas },
      { record_id: kept.id, event: 'updated', organisation_id: ids.mairie },
    ]));
  });

  it('refuses merging a fiche with itself, an usager the agent cannot see, or an unknown field', async () => {
    const a = await create(ids.mairie, { first_name: 'A', last_name: 'Un' });
    const b = await create(ids.ccas, { first_name: 'B', last_name: 'Deux' });
    const same = await test.call('post', '/api/v1/users/merge', { token: admin, body: { user_id: a.id, other_user_id: a.id } });
    expect(same.body.errors).toEqual([{ path: 'other_user_id', message: expect.any(String) }]);
    const basic = await test.signIn('agent.etatcivil@demo.test');
    expect((await test.call('post', '/api/v1/users/merge', { token: basic, body: { user_id: a.id, other_user_id: b.id } })).status).toBe(404);
    const unknown = await test.call('post', '/api/v1/users/merge', { token: admin, body: { user_id: a.id, other_user_id: b.id, fields: { pointure: 'other' } } });
    expect(unknown.body.errors).toEqual([{ path: 'fields.pointure', message: 'names no field of these usagers' }]);
    const badChoice = await test.call('post', '/api/v1/users/merge', { token: admin, body: { user_id: a.id, other_user_id: b.id, fields: { first_name: 'both' } } });
    expect(badChoice.status).toBe(422);
    expect((await test.call('get', `/api/v1/users/${b.id}`, { token: admin })).status).toBe(200);
  });

  it('moves the rows of every table that references users, and refuses to merge while one is not registered', async () => {
    expect(await test.db.tenant(territoryId, () => unregisteredUserReferences())).toEqual([]);

    await test.db.maintenance(`CREATE TABLE merge_probe (user_id uuid REFERENCES users(id))`);
    try {
      const a = await create(ids.mairie, { first_name: 'C', last_name: 'Trois' });
      const b = await create(ids.mairie, { first_name: 'D', last_name: 'Quatre' });
      await expect(test.db.tenant(territoryId, () => moveUserReferences(b.id, a.id))).rejects.toThrow(/merge_probe\.user_id to USER_REFERENCES/);
      const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
      const refused = await test.call('post', '/api/v1/users/merge', { token: admin, body: { user_id: a.id, other_user_id: b.id } });
      expect(refused.status).toBe(500);
      expect(String((logged.mock.calls[0][0] as { err?: unknown }).err)).toMatch(/merge_probe/);
      logged.mockRestore();
      expect((await test.call('get', `/api/v1/users/${b.id}`, { token: admin })).status).toBe(200);
    } finally {
      await test.db.maintenance(`DROP TABLE merge_probe`);
    }
  });
});
