import { demoIds, TestPlatform } from '../../support/platform';

type Ids = Awaited<ReturnType<typeof demoIds>>;

describe('usager fiches', () => {
  let test: TestPlatform;
  let ids: Ids;
  let basic: string;
  let ccas: string;
  let admin: string;
  const create = (token: string, organisationId: string, body: Record<string, unknown>) =>
    test.call('post', `/api/v1/organisations/${organisationId}/users`, { token, body });

  beforeAll(async () => {
    test = await TestPlatform.start();
    ids = await demoIds(test);
    basic = await test.signIn('agent.etatcivil@demo.test');
    ccas = await test.signIn('travailleur.social@demo.test');
    admin = await test.signIn('territoire@demo.test');
  });
  afterAll(() => test.stop());

  it('lets a basic agent create, read and change the usagers of their organisation, with defaults and custom fields', async () => {
    const created = await create(basic, ids.mairie, {
      first_name: 'Hélène', last_name: 'Bœuf', email: 'helene@exemple.fr', phone_number: '06 12 34 56 78', birth_date: '1980-05-17',
      custom_fields: { numero_allocataire: '1234567', situation_familiale: 'couple' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      first_name: 'Hélène', last_name: 'Bœuf', birth_name: null, notify_by_email: true, notify_by_sms: true,
      custom_fields: { numero_allocataire: '1234567', situation_familiale: 'couple' }, organisation_ids: [ids.mairie], nonconformities: [],
    });
    const id = created.body.id;
    expect((await test.call('get', `/api/v1/users/${id}`, { token: basic })).body).toEqual(created.body);

    test.clock.advance(60_000);
    const patched = await test.call('patch', `/api/v1/users/${id}`, {
      token: basic, body: { email: null, notify_by_sms: false, custom_fields: { situation_familiale: null, nombre_enfants: 2 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ email: null, notify_by_sms: false, custom_fields: { numero_allocataire: '1234567', nombre_enfants: 2 } });
    expect(patched.body.custom_fields).not.toHaveProperty('situation_familiale');
    expect(new Date(patched.body.updated_at).getTime()).toBe(new Date(created.body.created_at).getTime() + 60_000);

    const events = await test.sql(`SELECT event, organisation_id, payload FROM outbox_events WHERE model = 'user' AND record_id = $1 ORDER BY id`, [id]);
    expect(events.map((event) => [event.event, event.organisation_id])).toEqual([['created', ids.mairie], ['updated', ids.mairie]]);
    expect(events[1].payload.notify_by_sms).toBe(false);
  });

  it('refuses unknown fields, bad phones, future births and empty changes, and writes nothing', async () => {
    const count = async () => (await test.sql(`SELECT count(*)::int AS n FROM users`))[0].n;
    const before = await count();
    const unknown = await create(basic, ids.mairie, { first_name: 'A', last_name: 'B', nickname: 'x', custom_fields: { pointure: 42 } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual(expect.arrayContaining([
      { path: 'nickname', message: 'is not a known field' }, { path: 'custom_fields.pointure', message: 'is not a known field' },
    ]));
    const phone = await create(basic, ids.mairie, { first_name: 'A', last_name: 'B', phone_number: '01 23 45' });
    expect(phone.body.errors).toEqual([{ path: 'phone_number', message: 'is not a valid phone number' }]);
    expect((await create(basic, ids.mairie, { first_name: 'A', last_name: 'B', phone_number: '0590 12 34 56' })).status).toBe(201);
    const future = await create(basic, ids.mairie, { first_name: 'A', last_name: 'B', birth_date: '2999-01-01' });
    expect(future.body.errors).toEqual([{ path: 'birth_date', message: 'must not be in the future' }]);
    const badPattern = await create(basic, ids.mairie, { first_name: 'A', last_name: 'B', custom_fields: { numero_allocataire: '12AB' } });
    expect(badPattern.body.errors).toEqual([{ path: 'custom_fields.numero_allocataire', message: 'must match pattern "^[0-9]{7}$"' }]);
    expect((await create(basic, ids.mairie, { last_name: 'B' })).body.errors).toEqual([{ path: 'first_name', message: 'is required' }]);
    expect(await count()).toBe(before + 1);

    const { body: user } = await create(basic, ids.mairie, { first_name: 'Vide', last_name: 'Patch' });
    expect((await test.call('patch', `/api/v1/users/${user.id}`, { token: basic, body: {} })).status).toBe(422);
    expect((await test.call('patch', `/api/v1/users/${user.id}`, { token: basic, body: { first_name: '' } })).status).toBe(422);
  });

  it('hides other organisations\' and other territories\' usagers (404)', async () => {
    const { body: user } = await create(basic, ids.mairie, { first_name: 'Paul', last_name: 'Mairie' });
    expect((await test.call('get', `/api/v1/users/${user.id}`, { token: ccas })).status).toBe(404);
    expect((await test.call('patch', `/api/v1/users/${user.id}`, { token: ccas, body: { first_name: 'X' } })).status).toBe(404);
    expect((await test.call('delete', `/api/v1/users/${user.id}`, { token: ccas })).status).toBe(404);
    expect((await test.call('get', `/api/v1/users/${user.id}/versions`, { token: ccas })).status).toBe(404);
    expect((await test.call('get', `/api/v1/organisations/${ids.mairie}/users`, { token: ccas })).status).toBe(404);
    expect((await create(ccas, ids.mairie, { first_name: 'A', last_name: 'B' })).status).toBe(404);
    expect((await test.call('get', `/api/v1/users/${user.id}`, { token: admin })).status).toBe(200);

    const elsewhere = await test.createTerritory('Autre territoire', 'admin@autre.test');
    expect((await test.call('get', `/api/v1/users/${user.id}`, { token: elsewhere.token })).status).toBe(404);
    expect((await test.call('get', `/api/v1/organisations/${ids.mairie}/users`, { token: elsewhere.token })).status).toBe(404);
  });

  it('finds usagers ignoring case and accents, by name, email or phone, page by page', async () => {
    const { body: org } = await test.call('post', '/api/v1/organisations', { token: admin, body: { name: 'Maison France Services' } });
    const people = [
      { first_name: 'Zoé', last_name: 'Lefèvre', email: 'zoe.lefevre@exemple.fr', phone_number: '06 11 22 33 44' },
      { first_name: 'Noël', last_name: 'Œuvray', birth_name: 'Günther', phone_number: '+33 7 55 66 77 88' },
      { first_name: 'Anaïs', last_name: 'Lefebvre' },
      { first_name: 'Lefèvre', last_name: 'Martin' },
    ];
    for (const person of people) expect((await create(admin, org.id, person)).status).toBe(201);
    const search = async (query: string, extra = '') => {
      const response = await test.call('get', `/api/v1/organisations/${org.id}/users?search=${encodeURIComponent(query)}${extra}`, { token: admin });
      return response.body;
    };
    const names = (body: { data: { first_name: string; last_name: string }[] }) => body.data.map((user) => `${user.first_name} ${user.last_name}`);
    expect(names(await search('LEFEVRE'))).toEqual(['Zoé Lefèvre', 'Lefèvre Martin']);
    expect(names(await search('oeuvray noel'))).toEqual(['Noël Œuvray']);
    expect(names(await search('gunther'))).toEqual(['Noël Œuvray']);
    expect(names(await search('zoe.lefevre@'))).toEqual(['Zoé Lefèvre']);
    expect(names(await search('06 11 22'))).toEqual(['Zoé Lefèvre']);
    expect(names(await search('0755'))).toEqual(['Noël Œuvray']);
    expect(names(await search('+33 6 11'))).toEqual(['Zoé Lefèvre']);
    expect(names(await search('lef%'))).toEqual([]);
    expect(names(await search('lef_vre'))).toEqual([]);
    const page = await search('', '&per_page=3&page=2');
    expect(page.meta).toEqual({ page: 2, per_page: 3, total_count: 4 });
    expect(names(page)).toEqual(['Noël Œuvray']);
    expect(names(await search('', '&per_page=2'))).toEqual(['Anaïs Lefebvre', 'Zoé Lefèvre']);
  });

  it('keeps a history of every change: who, when, which fields, old and new values', async () => {
    const { body: user } = await create(basic, ids.mairie, { first_name: 'Victor', last_name: 'Hugo', custom_fields: { nombre_enfants: 5 } });
    const mairieAdmin = await test.signIn('admin.mairie@demo.test');
    await test.call('patch', `/api/v1/users/${user.id}`, { token: mairieAdmin, body: { first_name: 'Victor-Marie', custom_fields: { nombre_enfants: 4 } } });
    await test.call('patch', `/api/v1/users/${user.id}`, { token: mairieAdmin, body: { first_name: 'Victor-Marie' } });
    const versions = await test.call('get', `/api/v1/users/${user.id}/versions`, { token: basic });
    expect(versions.body.meta.total_count).toBe(2);
    const [update, creation] = versions.body.data;
    expect(update).toMatchObject({
      event: 'updated',
      author: { id: ids.mairieAdmin, first_name: 'Marc', last_name: 'Admin' },
      changes: [
        { field: 'first_name', from: 'Victor', to: 'Victor-Marie' },
        { field: 'custom_fields.nombre_enfants', from: 5, to: 4 },
      ],
    });
    expect(creation).toMatchObject({ event: 'created', author: { id: ids.basicEtatCivil } });
    expect(creation.changes).toEqual(expect.arrayContaining([{ field: 'last_name', from: null, to: 'Hugo' }]));
  });

  it('removes an usager from one organisation at a time, and anonymises them when none holds them', async () => {
    const { body: user } = await create(admin, ids.mairie, { first_name: 'Jeanne', last_name: 'Dupont', email: 'jeanne@exemple.fr' });
    await test.sql(`INSERT INTO user_profiles (territory_id, user_id, organisation_id) SELECT territory_id, id, $2 FROM users WHERE id = $1`, [user.id, ids.ccas]);
    const ambiguous = await test.call('delete', `/api/v1/users/${user.id}`, { token: admin });
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body.errors).toEqual([{ path: 'organisation_id', message: expect.stringMatching(/several of your organisations/) }]);

    expect((await test.call('delete', `/api/v1/users/${user.id}`, { token: basic })).status).toBe(204);
    expect((await test.call('get', `/api/v1/users/${user.id}`, { token: basic })).status).toBe(404);
    const stillThere = await test.call('get', `/api/v1/users/${user.id}`, { token: ccas });
    expect(stillThere.body).toMatchObject({ last_name: 'Dupont', organisation_ids: [ids.ccas] });

    expect((await test.call('delete', `/api/v1/users/${user.id}?organisation_id=${ids.ccas}`, { token: ccas })).status).toBe(204);
    expect((await test.call('get', `/api/v1/users/${user.id}`, { token: admin })).status).toBe(404);
    const [row] = await test.sql(`SELECT first_name, last_name, email, search_text, anonymised_at FROM users WHERE id = $1`, [user.id]);
    expect(row).toMatchObject({ first_name: 'Usager', last_name: 'anonymisé', email: null, search_text: '' });
    expect(row.anonymised_at).not.toBeNull();
    const history = await test.sql(`SELECT event, changes FROM record_versions WHERE record_id = $1 ORDER BY id`, [user.id]);
    expect(history.map((version) => version.event)).toEqual(['created', 'removed_from_organisation', 'removed_from_organisation', 'anonymised']);
    expect(JSON.stringify(history)).not.toMatch(/Dupont|jeanne@/);
    const destroyed = await test.sql(`SELECT organisation_id FROM outbox_events WHERE model = 'user' AND event = 'destroyed' AND record_id = $1 ORDER BY id`, [user.id]);
    expect(destroyed.map((event) => event.organisation_id)).toEqual([ids.mairie, ids.ccas]);
  });
});
