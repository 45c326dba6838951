import { checkPlugins } from '../../../platform/src/plugins/manifest';
import { PLUGINS } from '../../../platform/src/plugins/registry';
import { definePlugin } from '../../../platform/src/plugins/sdk';
import { TestPlatform } from '../../support/platform';
import type { Receiver } from '../../support/receiver';
import { BookingFixture, bookingFixture, expectStatus, holdCode, NOW, publicCreneaux } from '../booking/helpers';
import { countRows, expectProblem } from '../foundation/helpers';
import { CONFIG_URL, installTitresPlugin, NOTE, NUMBER, titresPlugin } from './titres-plugin';

/** Plugins' fields join the territory's forms where the plugin is on, validated and normalized like its own. */
describe('plugin fields on forms', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  let partner: Receiver;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    partner = await installTitresPlugin(test);
    f = await bookingFixture(test);
  });
  afterAll(async () => {
    await partner?.stop();
    await test?.stop();
  });

  const configure = (document: Record<string, unknown>) => test.call('put', CONFIG_URL, { token: f.tokens.territorialAdmin, body: document });
  const onForMairieOnly = () => configure({ enabled: false, config: { api_url: partner.url }, organisations: { [f.mairie]: { enabled: true } } });
  const turnOff = () => configure({ enabled: false, config: { api_url: partner.url } });
  const userForm = (audience = 'agent') => test.call('get', `/api/v1/forms/user?audience=${audience}`, { token: f.tokens.etatCivil });
  const rdvForm = (audience = 'agent') => test.call('get', `/api/v1/forms/rdv?audience=${audience}`, { token: f.tokens.etatCivil });
  const publicUserForm = () => test.call('get', `/api/public/organisations/${f.mairieSlug}/forms/user`);
  const createUsager = (custom_fields: Record<string, unknown>) => test.call('post', `/api/v1/organisations/${f.mairie}/users`, {
    token: f.tokens.etatCivil, body: { first_name: 'Noa', last_name: 'Garnier', custom_fields },
  });

  it('shows the fields with their annotations, never required, only while the plugin is on somewhere in the territory', async () => {
    for (const form of [await userForm(), await publicUserForm()]) {
      expectStatus(form, 200);
      expect(form.body.schema.properties.custom_fields.properties[NUMBER]).toBeUndefined();
    }

    expectStatus(await onForMairieOnly(), 200);
    const agent = await userForm();
    expect(agent.body.schema.properties.custom_fields.properties[NUMBER]).toEqual({
      type: 'string', pattern: '^[A-Za-z0-9]{10}$', title: 'Numéro de pré-demande', description: '10 lettres ou chiffres',
      'x-plugin': 'titres-check', 'x-motif-categories': ['cni', 'cni_passport'],
    });
    expect(agent.body.schema.properties.custom_fields.required ?? []).not.toContain(NUMBER);
    expect(agent.body.ui_schema.elements).toContainEqual({ type: 'Control', scope: `#/properties/custom_fields/properties/${NUMBER}`, label: 'Numéro de pré-demande' });
    // A public field is on the portal's form; the rdv note is for agents only.
    expect((await publicUserForm()).body.schema.properties.custom_fields.properties[NUMBER]).toMatchObject({ 'x-plugin': 'titres-check' });
    expect((await rdvForm()).body.schema.properties.custom_fields.properties[NOTE]).toEqual({
      type: 'string', maxLength: 100, title: 'Note du service des titres', 'x-plugin': 'titres-check',
    });
    expect((await rdvForm('public')).body.schema.properties.custom_fields.properties[NOTE]).toBeUndefined();

    expectStatus(await turnOff(), 200);
    expect((await userForm()).body.schema.properties.custom_fields.properties[NUMBER]).toBeUndefined();
    expect((await rdvForm()).body.schema.properties.custom_fields.properties[NOTE]).toBeUndefined();
  });

  it("refuses a territory's own field named with a plugin's prefix, at the field's path", async () => {
    const before = await test.call('get', '/api/v1/territories/current/config/user_fields', { token: f.tokens.territorialAdmin });
    const refused = await test.call('put', '/api/v1/territories/current/config/user_fields', {
      token: f.tokens.territorialAdmin,
      body: { fields: [{ name: 'situation', type: 'string', label: 'Situation' }, { name: 'titres_check_origine', type: 'string', label: 'Origine' }] },
    });
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: 'fields.1.name', message: expect.stringContaining('titres_check_') }]);
    const after = await test.call('get', '/api/v1/territories/current/config/user_fields', { token: f.tokens.territorialAdmin });
    expect(after.body.version).toBe(before.body.version);
  });

  it('validates the values like custom fields, with field paths, and stores them normalized on the usager and rdv fiches', async () => {
    expectStatus(await onForMairieOnly(), 200);
    const users = await countRows(test, 'users');
    const refused = await createUsager({ [NUMBER]: 'trop court' });
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: `custom_fields.${NUMBER}`, message: expect.stringContaining('pattern') }]);
    expect(await countRows(test, 'users')).toEqual(users);

    const created = await createUsager({ [NUMBER]: 'abcde12345' });
    expectStatus(created, 201);
    expect(created.body.custom_fields).toEqual({ [NUMBER]: 'ABCDE12345' });
    const [stored] = await test.sql(`SELECT custom_fields FROM users WHERE id = $1`, [created.body.id]);
    expect(stored.custom_fields).toEqual({ [NUMBER]: 'ABCDE12345' });
    const changed = await test.call('patch', `/api/v1/users/${created.body.id}`, { token: f.tokens.etatCivil, body: { custom_fields: { [NUMBER]: 'zyxwv98765' } } });
    expectStatus(changed, 200);
    expect((await test.call('get', `/api/v1/users/${created.body.id}`, { token: f.tokens.etatCivil })).body.custom_fields).toEqual({ [NUMBER]: 'ZYXWV98765' });

    const booked = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.etatCivil,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: '2026-12-02T09:00:00+01:00', agent_ids: [f.basicEtatCivil], user_ids: [created.body.id], custom_fields: { [NOTE]: '  dossier complet  ' } },
    });
    expectStatus(booked, 201);
    expect(booked.body.custom_fields).toEqual({ [NOTE]: 'dossier complet' });
    const badNote = await test.call('patch', `/api/v1/rdvs/${booked.body.id}`, { token: f.tokens.etatCivil, body: { custom_fields: { [NOTE]: 42 } } });
    expectProblem(badNote, 422);
    expect(badNote.body.errors).toEqual([{ path: `custom_fields.${NOTE}`, message: 'must be string' }]);

    // Off, the field is unknown to the API and hidden from the fiche, its value kept for when it comes back.
    expectStatus(await turnOff(), 200);
    const unknown = await test.call('patch', `/api/v1/users/${created.body.id}`, { token: f.tokens.etatCivil, body: { custom_fields: { [NUMBER]: 'ABCDE12345' } } });
    expectProblem(unknown, 422);
    expect(unknown.body.errors).toEqual([{ path: `custom_fields.${NUMBER}`, message: 'is not a known field' }]);
    expect((await test.call('get', `/api/v1/users/${created.body.id}`, { token: f.tokens.etatCivil })).body.custom_fields).toEqual({});
    expectStatus(await onForMairieOnly(), 200);
    expect((await test.call('get', `/api/v1/users/${created.body.id}`, { token: f.tokens.etatCivil })).body.custom_fields).toEqual({ [NUMBER]: 'ZYXWV98765' });
  });

  it("takes an online booker's value at its path in the body and stores it normalized on the fiche written on confirmation", async () => {
    expectStatus(await onForMairieOnly(), 200);
    const [slot] = await publicCreneaux(test, f.mairieSlug, f.cni, f.hotelDeVille, '2026-12-03');
    const book = (number: string) => test.call('post', '/api/public/rdvs', {
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: slot.starts_at, user: { first_name: 'Inès', last_name: 'Roux', email: 'ines.roux@example.fr', custom_fields: { [NUMBER]: number } } },
    });
    const refused = await book('12345');
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: `user.custom_fields.${NUMBER}`, message: expect.stringContaining('pattern') }]);

    const held = await book('fghij67890');
    expectStatus(held, 202);
    expectStatus(await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code: await holdCode(test, held.body.id) } }), 200);
    const [fiche] = await test.sql(`SELECT custom_fields FROM users WHERE email = 'ines.roux@example.fr'`);
    expect(fiche.custom_fields).toEqual({ [NUMBER]: 'FGHIJ67890' });
  });

  it('refuses, at start-up, a plugin whose field is not named with its prefix', () => {
    const misnamed = definePlugin({
      ...titresPlugin, name: 'other-titres', fields: [{ form: 'user', name: 'numero', label: 'Numéro', schema: { type: 'string' }, public: false }],
    });
    expect(() => checkPlugins([...PLUGINS, misnamed])).toThrow('other_titres_');
    expect(() => checkPlugins([...PLUGINS, titresPlugin])).not.toThrow();
  });
});
