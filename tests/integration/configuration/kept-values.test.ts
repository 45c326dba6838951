import { demoIds, TestPlatform } from '../../support/platform';

const USER_FIELDS = '/api/v1/territories/current/config/user_fields';

const dossier = { name: 'dossier', type: 'string', label: 'N° de dossier' };
const quartier = { name: 'quartier', type: 'enum', label: 'Quartier', options: ['centre', 'gare'] };

describe('changing the usager form never loses data', () => {
  let test: TestPlatform;
  let admin: string;
  let mairie: string;
  let userId: string;
  const setFields = async (document: Record<string, unknown>) => {
    const response = await test.call('put', USER_FIELDS, { token: admin, body: document });
    expect(response.status).toBe(200);
  };
  const fiche = async () => (await test.call('get', `/api/v1/users/${userId}`, { token: admin })).body;
  const stored = async () => (await test.sql(`SELECT birth_name, custom_fields FROM users WHERE id = $1`, [userId]))[0];

  beforeAll(async () => {
    test = await TestPlatform.start();
    admin = await test.signIn('territoire@demo.test');
    mairie = (await demoIds(test)).mairie;
    await setFields({ fields: [dossier, quartier], hidden_standard_fields: [] });
    const created = await test.call('post', `/api/v1/organisations/${mairie}/users`, {
      token: admin, body: { first_name: 'Louise', last_name: 'Michel', birth_name: 'Demahis', custom_fields: { dossier: 'A-17', quartier: 'gare' } },
    });
    userId = created.body.id;
  });
  afterAll(() => test.stop());

  it('hides, then shows again, a standard field and a removed custom field with their values', async () => {
    await setFields({ fields: [dossier], hidden_standard_fields: ['birth_name'] });
    const hidden = await fiche();
    expect(hidden).not.toHaveProperty('birth_name');
    expect(hidden.custom_fields).toEqual({ dossier: 'A-17' });
    expect(hidden.nonconformities).toEqual([]);

    // An edit while hidden keeps the hidden values.
    const patched = await test.call('patch', `/api/v1/users/${userId}`, { token: admin, body: { custom_fields: { dossier: 'A-18' } } });
    expect(patched.status).toBe(200);
    const refused = await test.call('patch', `/api/v1/users/${userId}`, { token: admin, body: { birth_name: 'Autre', custom_fields: { quartier: 'centre' } } });
    expect(refused.body.errors).toEqual(expect.arrayContaining([
      { path: 'birth_name', message: 'is not a known field' }, { path: 'custom_fields.quartier', message: 'is not a known field' },
    ]));
    expect(await stored()).toEqual({ birth_name: 'Demahis', custom_fields: { dossier: 'A-18', quartier: 'gare' } });

    await setFields({ fields: [dossier, quartier], hidden_standard_fields: [] });
    const shown = await fiche();
    expect(shown.birth_name).toBe('Demahis');
    expect(shown.custom_fields).toEqual({ dossier: 'A-18', quartier: 'gare' });
  });

  it('keeps values readable when a field changes type, and reports the fiches that no longer fit', async () => {
    const other = await test.call('post', `/api/v1/organisations/${mairie}/users`, {
      token: admin, body: { first_name: 'Jules', last_name: 'Vallès', custom_fields: { dossier: '42' } },
    });
    await setFields({ fields: [{ ...dossier, type: 'integer' }, { ...quartier, options: ['centre'] }], hidden_standard_fields: [] });

    const changed = await fiche();
    expect(changed.custom_fields).toEqual({ dossier: 'A-18', quartier: 'gare' });
    expect(changed.nonconformities).toEqual(expect.arrayContaining([
      { path: 'custom_fields.dossier', message: 'must be integer' },
      { path: 'custom_fields.quartier', message: 'is not one of the allowed values' },
    ]));
    expect((await test.call('get', `/api/v1/users/${other.body.id}`, { token: admin })).body.nonconformities).toEqual([
      { path: 'custom_fields.dossier', message: 'must be integer' },
    ]);

    const list = await test.call('get', `/api/v1/organisations/${mairie}/users?nonconforming=true`, { token: admin });
    expect(list.body.data.map((user: { id: string }) => user.id)).toEqual([userId, other.body.id]);
    expect(list.body.meta.total_count).toBe(2);

    // Fixing a fiche takes it off the list; a required field added later puts every fiche on it.
    await test.call('patch', `/api/v1/users/${other.body.id}`, { token: admin, body: { custom_fields: { dossier: 42 } } });
    const fixed = await test.call('get', `/api/v1/organisations/${mairie}/users?nonconforming=true`, { token: admin });
    expect(fixed.body.data.map((user: { id: string }) => user.id)).toEqual([userId]);
    await setFields({ fields: [{ ...dossier, type: 'integer' }, { name: 'referent', type: 'string', label: 'Référent', required: true }], hidden_standard_fields: [] });
    const required = await test.call('get', `/api/v1/organisations/${mairie}/users?nonconforming=true&search=valles`, { token: admin });
    expect(required.body.data).toHaveLength(1);
    expect(required.body.data[0].nonconformities).toEqual([{ path: 'custom_fields.referent', message: 'is required' }]);
    expect((await test.call('get', `/api/v1/organisations/${mairie}/users?nonconforming=yes`, { token: admin })).status).toBe(400);

    // The old type comes back, and so does conformity.
    await setFields({ fields: [dossier, quartier], hidden_standard_fields: [] });
    expect((await fiche()).nonconformities).toEqual([]);
    expect((await fiche()).custom_fields).toEqual({ dossier: 'A-18', quartier: 'gare' });
  });
});
