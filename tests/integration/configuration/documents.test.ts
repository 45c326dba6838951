import { TestPlatform } from '../../support/platform';

const CONFIG = '/api/v1/territories/current/config';

/** A valid document of every key this issue adds, and services. */
const DOCUMENTS: Record<string, Record<string, unknown>> = {
  services: { enabled: ['etat_civil', 'social', 'secretariat'] },
  user_fields: {
    fields: [
      { name: 'nir', type: 'string', label: 'Numéro de sécurité sociale', help: '13 chiffres', required: true, pattern: '^[0-9]{13}$' },
      { name: 'parcours', type: 'text', label: 'Parcours', max: 2000 },
      { name: 'revenus', type: 'number', label: 'Revenus mensuels', min: 0 },
      { name: 'enfants', type: 'integer', label: "Nombre d'enfants", min: 0, max: 20, public: true },
      { name: 'arrivee', type: 'date', label: "Date d'arrivée" },
      { name: 'rsa', type: 'boolean', label: 'Bénéficiaire du RSA' },
      { name: 'situation', type: 'enum', label: 'Situation', options: ['seul', { value: 'couple', label: 'En couple' }] },
      { name: 'email_pro', type: 'email', label: 'E-mail professionnel' },
      { name: 'tel_urgence', type: 'phone', label: "Téléphone d'urgence" },
    ],
    hidden_standard_fields: ['birth_name', 'address'],
  },
  rdv_fields: { context_enabled: false, fields: [{ name: 'orientation', type: 'enum', label: 'Orienté par', options: ['CAF', 'Mairie'] }] },
  waiting_room: { notification_modes: ['screen', 'email'] },
  holidays: { zone: 'reunion', reopened: ['2027-05-08', '2027-12-20'] },
};

function field(name: string, extra: Record<string, unknown> = {}) {
  return { name, type: 'string', label: name, ...extra };
}

describe('configuration documents', () => {
  let test: TestPlatform;
  let admin: string;
  beforeAll(async () => {
    test = await TestPlatform.start();
    admin = await test.signIn('territoire@demo.test');
  });
  afterAll(() => test.stop());

  it.each(Object.keys(DOCUMENTS))('%s: the schema is served, a PUT stores a version that GET answers as it was sent', async (key) => {
    const schema = await test.call('get', `${CONFIG}/${key}/schema`, { token: admin });
    expect(schema.status).toBe(200);
    expect(schema.body.$id).toBe(`config/${key}.json`);

    const before = await test.call('get', `${CONFIG}/${key}`, { token: admin });
    const put = await test.call('put', `${CONFIG}/${key}`, { token: admin, body: DOCUMENTS[key] });
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(before.body.version + 1);
    const got = await test.call('get', `${CONFIG}/${key}`, { token: admin });
    expect(got.body).toMatchObject({ key, version: put.body.version, document: DOCUMENTS[key] });
  });

  it('answers the schema default as version 0 before any write, and 404 for an unknown key', async () => {
    const other = await test.createTerritory('Territoire sans configuration', 'admin@vierge.test');
    const waiting = await test.call('get', `${CONFIG}/waiting_room`, { token: other.token });
    expect(waiting.body).toMatchObject({ version: 0, document: { notification_modes: ['screen'] } });
    const rdv = await test.call('get', `${CONFIG}/rdv_fields`, { token: other.token });
    expect(rdv.body.document).toEqual({ context_enabled: true, fields: [] });
    expect((await test.call('get', `${CONFIG}/nope`, { token: admin })).status).toBe(404);
    expect((await test.call('get', `${CONFIG}/defs%2Fcustom_field/schema`, { token: admin })).status).toBe(404);
  });

  it('keeps a history of who changed which paths, and restores an earlier version as a new one', async () => {
    const start = (await test.call('get', `${CONFIG}/user_fields`, { token: admin })).body.version;
    const v1 = { fields: [field('dossier', { label: 'Dossier' })], hidden_standard_fields: [] };
    const v2 = { fields: [field('dossier', { label: 'N° de dossier' }), field('quartier')], hidden_standard_fields: ['email'] };
    await test.call('put', `${CONFIG}/user_fields`, { token: admin, body: v1 });
    const mairieAdmin = await test.signIn('admin.mairie@demo.test');
    expect((await test.call('put', `${CONFIG}/user_fields`, { token: mairieAdmin, body: v2 })).status).toBe(403);
    await test.call('put', `${CONFIG}/user_fields`, { token: admin, body: v2 });

    const history = await test.call('get', `${CONFIG}/user_fields/versions?per_page=1`, { token: admin });
    expect(history.body.meta.total_count).toBe(start + 2);
    const [newest] = history.body.data;
    expect(newest).toMatchObject({ version: start + 2, document: v2, author_agent_id: expect.any(String) });
    expect(newest.changes).toEqual([
      { path: 'fields.dossier.label', change: 'changed', before: 'Dossier', after: 'N° de dossier' },
      { path: 'fields.quartier', change: 'added' },
      { path: 'hidden_standard_fields', change: 'changed', before: [], after: ['email'] },
    ]);
    const second = await test.call('get', `${CONFIG}/user_fields/versions?per_page=1&page=2`, { token: admin });
    expect(second.body.data[0].version).toBe(start + 1);
    expect(second.body.data[0].changes.map((change: { path: string }) => change.path)).toContain('fields.dossier');

    const restored = await test.call('post', `${CONFIG}/user_fields/versions/${start + 1}/restore`, { token: admin });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ version: start + 3, document: v1 });
    const afterRestore = await test.call('get', `${CONFIG}/user_fields/versions?per_page=1`, { token: admin });
    expect(afterRestore.body.data[0].changes).toEqual(expect.arrayContaining([{ path: 'fields.quartier', change: 'removed' }]));
    expect((await test.call('post', `${CONFIG}/user_fields/versions/999/restore`, { token: admin })).status).toBe(404);
  });

  it('cannot see or restore another territory\'s versions', async () => {
    const other = await test.createTerritory('Territoire voisin', 'admin@voisin.test');
    await test.call('put', `${CONFIG}/waiting_room`, { token: other.token, body: { notification_modes: ['email'] } });
    const mine = await test.call('get', `${CONFIG}/waiting_room/versions`, { token: admin });
    expect(mine.body.data.every((version: { document: unknown }) => JSON.stringify(version.document) !== JSON.stringify({ notification_modes: ['email'] }))).toBe(true);
    const theirs = await test.call('get', `${CONFIG}/waiting_room/versions`, { token: other.token });
    expect(theirs.body.meta.total_count).toBe(1);
    // Version 1 of their document is not ours to restore: ours is restored, or nothing.
    const restored = await test.call('post', `${CONFIG}/waiting_room/versions/1/restore`, { token: admin });
    expect(restored.body.document).not.toEqual({ notification_modes: ['email'] });
    const refused = await test.call('put', `${CONFIG}/waiting_room`, { token: admin, body: { notification_modes: ['screen'], territory_id: other.id } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toContainEqual({ path: 'territory_id', message: 'is not a known field' });
  });

  describe('refuses a bad fields document with its paths, and the previous version stays in force', () => {
    const refusals: [string, Record<string, unknown>, { path: string; message: RegExp }][] = [
      ['a badly formed name', { fields: [field('ok'), field('Nom Complet')] }, { path: 'fields.1.name', message: /must match pattern/ }],
      ['a reserved name', { fields: [field('ok'), field('ok2'), field('constructor')] }, { path: 'fields.2.name', message: /reserved: it is a JavaScript object key/ }],
      ['the name of a standard field', { fields: [field('email')] }, { path: 'fields.0.name', message: /reserved: it is a standard field of the usager fiche/ }],
      ['the name id', { fields: [field('id')] }, { path: 'fields.0.name', message: /reserved/ }],
      ['a duplicate name', { fields: [field('dossier'), field('autre'), field('dossier')] }, { path: 'fields.2.name', message: /already the name of fields.0/ }],
      ['too many fields', { fields: Array.from({ length: 10_000 }, (_, i) => field(`f${i}`)) }, { path: 'fields', message: /must NOT have more than 200 items/ }],
      ['a pattern with catastrophic backtracking', { fields: [field('code', { pattern: '^(a+)+$' })] }, { path: 'fields.0.pattern', message: /exponential time/ }],
      ['alternatives in an unbounded repetition', { fields: [field('code', { pattern: '^(a|ab)*c$' })] }, { path: 'fields.0.pattern', message: /alternatives/ }],
      ['a pattern that is not a regular expression', { fields: [field('code', { pattern: '^[0-9' })] }, { path: 'fields.0.pattern', message: /not a valid regular expression/ }],
      ['a pattern on a number', { fields: [field('n', { type: 'integer', pattern: '^1' })] }, { path: 'fields.0.pattern', message: /only for texts/ }],
      ['a huge choice list', { fields: [field('choix', { type: 'enum', options: Array.from({ length: 501 }, (_, i) => `o${i}`) })] }, { path: 'fields.0.options', message: /more than 500/ }],
      ['a choice list without options', { fields: [field('choix', { type: 'enum' })] }, { path: 'fields.0.options', message: /required for a choice list/ }],
      ['repeated options', { fields: [field('choix', { type: 'enum', options: ['a', { value: 'a', label: 'A' }] })] }, { path: 'fields.0.options.1', message: /repeats the value "a"/ }],
      ['options outside a choice list', { fields: [field('texte', { options: ['a'] })] }, { path: 'fields.0.options', message: /only for choice lists/ }],
      ['min above max', { fields: [field('n', { type: 'number', min: 10, max: 1 })] }, { path: 'fields.0.max', message: /not be smaller than min/ }],
      ['a length that is not whole', { fields: [field('t', { max: 2.5 })] }, { path: 'fields.0.max', message: /whole number/ }],
      ['bounds on a date', { fields: [field('d', { type: 'date', min: 1 })] }, { path: 'fields.0.min', message: /only for numbers and texts/ }],
      ['an unknown type', { fields: [field('x', { type: 'color' })] }, { path: 'fields.0.type', message: /not one of the allowed values/ }],
      ['a first name hidden', { fields: [], hidden_standard_fields: ['first_name'] }, { path: 'hidden_standard_fields.0', message: /not one of the allowed values/ }],
    ];

    it.each(refusals)('%s', async (_what, document, expected) => {
      const before = await test.call('get', `${CONFIG}/user_fields`, { token: admin });
      const response = await test.call('put', `${CONFIG}/user_fields`, { token: admin, body: document });
      expect(response.status).toBe(422);
      expect(response.body.errors).toContainEqual({ path: expected.path, message: expect.stringMatching(expected.message) });
      const after = await test.call('get', `${CONFIG}/user_fields`, { token: admin });
      expect(after.body).toEqual(before.body);
    });

    it('for rdv fields too: reserved rdv names, and no hidden standard field but the context switch', async () => {
      const named = await test.call('put', `${CONFIG}/rdv_fields`, { token: admin, body: { fields: [field('starts_at')] } });
      expect(named.body.errors).toContainEqual({ path: 'fields.0.name', message: expect.stringMatching(/key of the rdv in the API/) });
      const context = await test.call('put', `${CONFIG}/rdv_fields`, { token: admin, body: { fields: [field('context')] } });
      expect(context.body.errors).toContainEqual({ path: 'fields.0.name', message: expect.stringMatching(/standard field of the RDV fiche/) });
      const hidden = await test.call('put', `${CONFIG}/rdv_fields`, { token: admin, body: { fields: [], hidden_standard_fields: ['context'] } });
      expect(hidden.status).toBe(422);
      const uniform = await test.call('put', `${CONFIG}/rdv_fields`, { token: admin, body: { fields: [], hidden_standard_fields: [], context_enabled: true } });
      expect(uniform.status).toBe(200);
    });

    it('holidays: a known zone and real dates only', async () => {
      const zone = await test.call('put', `${CONFIG}/holidays`, { token: admin, body: { zone: 'corse', reopened: [] } });
      expect(zone.body.errors).toContainEqual({ path: 'zone', message: 'is not one of the allowed values' });
      const date = await test.call('put', `${CONFIG}/holidays`, { token: admin, body: { zone: 'metropole', reopened: ['2027-02-30'] } });
      expect(date.body.errors).toContainEqual({ path: 'reopened.0', message: 'must match format "date"' });
    });
  });
});
