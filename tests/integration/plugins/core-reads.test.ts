import { resolveLink } from '../../../platform/src/booking/links';
import { consoleLog } from '../../../platform/src/logging';
import { createPluginContext } from '../../../platform/src/plugins/host';
import type { PluginContext } from '../../../platform/src/plugins/sdk';
import webhooks from '../../../plugins/webhooks';
import { TestPlatform } from '../../support/platform';
import { BookingFixture, bookingFixture, expectStatus, NOW } from '../booking/helpers';

/** `ctx.core`: what a plugin reads of the core, in its context's territory only. */
describe('the core as plugins read it', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  let core: PluginContext['core'];

  // Any installed plugin scoped by organisation serves: `plugin_enabled` is read from its settings document.
  const contextIn = (territoryId: string) =>
    createPluginContext(test.platform, webhooks, { territoryId, organisationId: null, settings: { enabled: true, config: {} } }, consoleLog);

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
    core = contextIn(f.territoryId).core;
  });
  afterAll(() => test?.stop());

  async function bookCni(startsAt: string, userIds: string[]): Promise<any> {
    const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.etatCivil,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: userIds },
    });
    expectStatus(response, 201);
    return response.body;
  }

  it("lists the territory's organisations, each saying whether the plugin is on there", async () => {
    expectStatus(await test.call('put', '/api/v1/territories/current/config/plugins.webhooks', {
      token: f.tokens.territorialAdmin,
      body: { enabled: true, config: { allowed_hosts: [] }, organisations: { [f.ccas]: { enabled: false } } },
    }), 200);
    const organisations = await core.organisations();
    expect(organisations.map(({ id, plugin_enabled }) => ({ id, plugin_enabled }))).toEqual(expect.arrayContaining([
      { id: f.mairie, plugin_enabled: true },
      { id: f.ccas, plugin_enabled: false },
    ]));
    expect(organisations.find((organisation) => organisation.id === f.mairie)).toEqual({
      id: f.mairie, name: expect.any(String), slug: f.mairieSlug, plugin_enabled: true,
    });
    expect(await core.timeZone()).toBe('Europe/Paris');
  });

  it('reads lieux with their structured address and coordinates, filtered by organisation or id', async () => {
    const all = await core.lieux();
    expect(all.find((lieu) => lieu.id === f.hotelDeVille)).toEqual({
      id: f.hotelDeVille, organisation_id: f.mairie, name: 'Hôtel de ville', address: '1 place de la Mairie, 71000 Val-Fleuri',
      street: '1 place de la Mairie', postcode: '71000', city: 'Val-Fleuri', latitude: 46.3066, longitude: 4.8319,
      phone_number: '01 23 45 67 89', availability: 'enabled',
    });
    expect((await core.lieux({ organisationIds: [f.ccas] })).map((lieu) => lieu.id)).toEqual([f.maisonSolidarites]);
    expect((await core.lieux({ ids: [f.annexe, 'not-an-id'] })).map((lieu) => lieu.id)).toEqual([f.annexe]);
  });

  it('reads motifs, filtered by organisation, id or category', async () => {
    expect(await core.motifs({ categories: ['cni_passport'] })).toEqual([{
      id: f.cni, organisation_id: f.mairie, name: "Carte d'identité et passeport", service_id: 'titres_identite', category: 'cni_passport',
      default_duration_in_min: 20, location_type: 'public_office', bookable_by: 'everyone', collectif: false,
    }]);
    const ofCcas = await core.motifs({ organisationIds: [f.ccas] });
    expect(ofCcas.map((motif) => motif.id)).toEqual(expect.arrayContaining([f.accueilSocial, f.atelier]));
    expect(ofCcas.every((motif) => motif.organisation_id === f.ccas)).toBe(true);
    expect((await core.motifs({ ids: [f.permis] })).map((motif) => motif.name)).toEqual(['Permis de construire — conseil']);
  });

  it("reads an rdv with its usagers' fiches, active participants first, times with the territory's offset", async () => {
    await test.sql(`UPDATE users SET custom_fields = '{"ants_pre_demande_number": "1234567890"}' WHERE id = $1`, [f.camille]);
    const booked = await bookCni('2026-12-01T09:20:00+01:00', [f.dominique, f.camille]);
    const dominique = booked.participations.find((p: { user_id: string }) => p.user_id === f.dominique);
    expectStatus(await test.call('patch', `/api/v1/rdvs/${booked.id}/participations/${dominique.id}`, { token: f.tokens.etatCivil, body: { status: 'excused' } }), 200);

    const rdv = await core.rdv(booked.id);
    expect(rdv).toMatchObject({
      id: booked.id, organisation_id: f.mairie, motif_id: f.cni, lieu_id: f.hotelDeVille,
      starts_at: '2026-12-01T09:20:00+01:00', ends_at: '2026-12-01T09:40:00+01:00', status: 'unknown', cancelled: false,
      agent_ids: [f.basicEtatCivil], custom_fields: {},
    });
    expect(rdv!.usagers).toEqual([
      expect.objectContaining({ id: f.camille, first_name: 'Camille', last_name: 'Martin', participation_status: 'unknown', custom_fields: { ants_pre_demande_number: '1234567890' } }),
      expect.objectContaining({ id: f.dominique, participation_id: dominique.id, participation_status: 'excused', custom_fields: {} }),
    ]);

    expectStatus(await test.call('patch', `/api/v1/rdvs/${booked.id}`, { token: f.tokens.etatCivil, body: { status: 'revoked' } }), 200);
    expect(await core.rdv(booked.id)).toMatchObject({ status: 'revoked', cancelled: true });
    expect(await core.rdv('7b0f3f4e-0000-4000-8000-000000000000')).toBeNull();
    expect(await core.rdv('not-an-id')).toBeNull();
  });

  it("finds the rdvs ending after a date whose usagers' fiches carry one of the values", async () => {
    await test.sql(`UPDATE users SET custom_fields = '{"ants_pre_demande_number": "5555555555"}' WHERE id = $1`, [f.sacha]);
    const early = await bookCni('2026-12-02T09:00:00+01:00', [f.sacha]);
    const later = await bookCni('2026-12-03T09:00:00+01:00', [f.sacha]);
    const query = { field: 'ants_pre_demande_number', values: ['5555555555', '0000000000'] };

    const found = await core.rdvsByUsagerField({ ...query, endsAfter: new Date('2026-12-01T00:00:00Z') });
    expect(found.map((rdv) => rdv.id)).toEqual([early.id, later.id]);
    expect(found[0].usagers[0]).toMatchObject({ id: f.sacha, custom_fields: { ants_pre_demande_number: '5555555555' } });
    // The first ends at 09:20 on 2 December: asked from 09:30, only the second is left.
    expect((await core.rdvsByUsagerField({ ...query, endsAfter: new Date('2026-12-02T08:30:00Z') })).map((rdv) => rdv.id)).toEqual([later.id]);
    expect(await core.rdvsByUsagerField({ ...query, values: ['0000000000'], endsAfter: new Date('2026-12-01T00:00:00Z') })).toEqual([]);
    expect(await core.rdvsByUsagerField({ field: 'other_field', values: ['5555555555'], endsAfter: new Date('2026-12-01T00:00:00Z') })).toEqual([]);
  });

  describe('créneaux', () => {
    const window = { from: '2026-12-07', to: '2026-12-11' };

    it("are the agent API's search for the same motif and days (audience agent), and the public portal's by default", async () => {
      const agentApi = await test.call('get', `/api/v1/organisations/${f.mairie}/creneaux?motif_id=${f.cni}&from=${window.from}&to=${window.to}`, { token: f.tokens.mairieAdmin });
      expectStatus(agentApi, 200);
      expect(agentApi.body.data.length).toBe(45);
      expect(await core.creneaux({ motifId: f.cni, ...window, audience: 'agent' })).toEqual(agentApi.body.data);

      const publicApi = await test.call('get', `/api/public/organisations/${f.mairieSlug}/creneaux?motif_id=${f.cni}&from=${window.from}&to=${window.to}`);
      expectStatus(publicApi, 200);
      expect(await core.creneaux({ motifId: f.cni, ...window })).toEqual(publicApi.body.data);
      // The phone motif is not bookable online by usagers: none for the public, the agents' for an agent search.
      expect(await core.creneaux({ motifId: f.permis, ...window })).toEqual([]);
      expect((await core.creneaux({ motifId: f.permis, ...window, audience: 'agent' })).length).toBeGreaterThan(0);
    });

    it('keep only the lieux asked', async () => {
      expect(await core.creneaux({ motifId: f.cni, ...window, lieuIds: [f.annexe] })).toEqual([]);
      const atHotel = await core.creneaux({ motifId: f.cni, ...window, lieuIds: [f.hotelDeVille, f.annexe] });
      expect(atHotel.length).toBe(45);
      expect(atHotel.every((creneau) => creneau.lieu_id === f.hotelDeVille)).toBe(true);
    });

    it('last durationInMin when asked, so fewer fit in the plages', async () => {
      const monday = { from: '2026-12-07', to: '2026-12-07' };
      expect((await core.creneaux({ motifId: f.cni, ...monday })).map((c) => c.starts_at.slice(11, 16)))
        .toEqual(['09:00', '09:20', '09:40', '10:00', '10:20', '10:40', '11:00', '11:20', '11:40']);
      const long = await core.creneaux({ motifId: f.cni, ...monday, durationInMin: 50 });
      expect(long.map((c) => `${c.starts_at.slice(11, 16)}-${c.ends_at.slice(11, 16)}`)).toEqual(['09:00-09:50', '09:50-10:40', '10:40-11:30']);
      await expect(core.creneaux({ motifId: f.cni, ...monday, durationInMin: 0 })).rejects.toMatchObject({ kind: 'invalid', errors: [{ path: 'durationInMin' }] });
    });

    it('asked together (one search of the engine) are each what they are asked alone', async () => {
      const alone = [
        await core.creneaux({ motifId: f.cni, ...window }),
        await core.creneaux({ motifId: f.accueilSocial, ...window }),
        await core.creneaux({ motifId: f.cni, ...window, durationInMin: 40 }),
      ];
      const together = await Promise.all([
        core.creneaux({ motifId: f.cni, ...window }),
        core.creneaux({ motifId: f.accueilSocial, ...window }),
        core.creneaux({ motifId: f.cni, ...window, durationInMin: 40 }),
        core.creneaux({ motifId: f.cni, from: '2026-12-07', to: '2026-12-07' }),
      ]);
      expect(together.slice(0, 3)).toEqual(alone);
      expect(alone[1].length).toBeGreaterThan(0);
      expect(together[3]).toEqual(alone[0].filter((creneau) => creneau.starts_at.startsWith('2026-12-07')));
    });

    it('refuse a bad window with field paths', async () => {
      await expect(core.creneaux({ motifId: f.cni, from: '2026-12-11', to: '2026-12-07' })).rejects.toMatchObject({ kind: 'invalid', errors: [{ path: 'to' }] });
    });
  });

  it('links to a créneau on the public portal, to the usager’s self-service page and to the rdv in the admin UI', async () => {
    const { publicUrl } = test.platform.config;
    expect(await core.links.publicCreneau({ organisationId: f.mairie, motifId: f.cni, lieuId: f.hotelDeVille, startsAt: '2026-12-07T09:00:00+01:00' }))
      .toBe(`${publicUrl}/public/organisations/${f.mairieSlug}/motifs/${f.cni}?lieu_id=${f.hotelDeVille}&starts_at=2026-12-07T09%3A00%3A00%2B01%3A00`);
    expect(core.links.adminRdv('some-rdv')).toBe(`${publicUrl}/admin/rdvs/some-rdv`);

    const booked = await bookCni('2026-12-04T09:00:00+01:00', [f.camille]);
    const link = await core.links.manageParticipation(booked.participations[0].id);
    expect(link).toMatch(new RegExp(`^${publicUrl}/public/rdvs/[A-Za-z0-9_-]{22}$`));
    expect(await resolveLink(test.platform, link.split('/').pop()!)).toMatchObject({ territoryId: f.territoryId, participationId: booked.participations[0].id });
  });

  it("reads an agent, and an agent's rdvs ending after a date, cancelled ones too, oldest first", async () => {
    expect(await core.agent(f.basicUrbanisme)).toEqual({ id: f.basicUrbanisme, first_name: expect.any(String), last_name: expect.any(String), email: 'agent.urbanisme@demo.test' });
    expect(await core.agent('7b0f3f4e-0000-4000-8000-000000000000')).toBeNull();
    expect(await core.agent('not-an-id')).toBeNull();

    const book = async (startsAt: string) => {
      const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
        token: f.tokens.mairieAdmin,
        body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicUrbanisme], user_ids: [f.sacha], force: true },
      });
      expectStatus(response, 201);
      return response.body.id as string;
    };
    const later = await book('2026-12-10T10:00:00+01:00');
    const early = await book('2026-12-08T10:00:00+01:00');
    expectStatus(await test.call('patch', `/api/v1/rdvs/${later}`, { token: f.tokens.mairieAdmin, body: { status: 'excused' } }), 200);

    const theirs = await core.rdvsOfAgent({ agentId: f.basicUrbanisme, endsAfter: new Date('2026-12-01T00:00:00Z') });
    expect(theirs.map((rdv) => [rdv.id, rdv.cancelled])).toEqual([[early, false], [later, true]]);
    expect(theirs[0]).toMatchObject({ starts_at: '2026-12-08T10:00:00+01:00', agent_ids: [f.basicUrbanisme] });
    expect((await core.rdvsOfAgent({ agentId: f.basicUrbanisme, endsAfter: new Date('2026-12-09T00:00:00Z') })).map((rdv) => rdv.id)).toEqual([later]);
    expect(core.links.adminAccount({ outlook: 'connected' })).toBe(`${test.platform.config.publicUrl}/admin/account?outlook=connected`);
  });

  it("sees nothing of another territory's core", async () => {
    const other = await test.createTerritory('Autre territoire', 'admin@autre.test');
    const elsewhere = contextIn(other.id).core;
    const booked = await bookCni('2026-12-04T10:00:00+01:00', [f.sacha]);

    expect(await elsewhere.organisations()).toEqual([]);
    expect(await elsewhere.lieux({ ids: [f.hotelDeVille] })).toEqual([]);
    expect(await elsewhere.motifs()).toEqual([]);
    expect(await elsewhere.rdv(booked.id)).toBeNull();
    expect(await elsewhere.agent(f.basicEtatCivil)).toBeNull();
    expect(await elsewhere.rdvsOfAgent({ agentId: f.basicEtatCivil, endsAfter: new Date('2026-12-01T00:00:00Z') })).toEqual([]);
    expect(await elsewhere.rdvsByUsagerField({ field: 'ants_pre_demande_number', values: ['5555555555'], endsAfter: new Date('2026-12-01T00:00:00Z') })).toEqual([]);
    expect(await elsewhere.creneaux({ motifId: f.cni, from: '2026-12-07', to: '2026-12-11', audience: 'agent' })).toEqual([]);
    await expect(elsewhere.links.manageParticipation(booked.participations[0].id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(elsewhere.links.publicCreneau({ organisationId: f.mairie, motifId: f.cni, lieuId: f.hotelDeVille, startsAt: '2026-12-07T09:00:00+01:00' }))
      .rejects.toMatchObject({ kind: 'not_found' });
  });
});
