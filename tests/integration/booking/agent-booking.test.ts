import { TestPlatform } from '../../support/platform';
import { countRows, expectProblem, fingerprint } from '../foundation/helpers';
import { BookingFixture, bookingFixture, expectStatus, NOW, rdvEvents } from './helpers';

/** Agents book rdvs in the agendas they may use; what the slot engine would refuse needs `force`. */
describe('agents booking rdvs', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  const rdvs = (org: string) => `/api/v1/organisations/${org}/rdvs`;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
  });
  afterAll(() => test?.stop());

  function cni(extra: Record<string, unknown> = {}) {
    return { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: '2026-12-01T09:00:00+01:00', agent_ids: [f.basicEtatCivil], user_ids: [f.camille], ...extra };
  }

  async function book(body: Record<string, unknown>, token = f.tokens.etatCivil, org = f.mairie) {
    return test.call('post', rdvs(org), { token, body });
  }

  it('books in a plage with the motif\'s duration, records the history and an outbox event', async () => {
    const response = await book(cni());
    expectStatus(response, 201);
    expect(response.body).toMatchObject({
      motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: '2026-12-01T09:00:00+01:00', ends_at: '2026-12-01T09:20:00+01:00',
      duration_in_min: 20, status: 'unknown', agent_ids: [f.basicEtatCivil], user_ids: [f.camille], created_by: 'agent',
      created_by_agent_id: f.basicEtatCivil, sequence: 0, warnings: [],
    });
    const [time] = await test.sql(`SELECT active, overbooked FROM rdv_agents WHERE rdv_id = $1`, [response.body.id]);
    expect(time).toEqual({ active: true, overbooked: false });
    const events = await rdvEvents(test, response.body.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'created', actor_agent_id: f.basicEtatCivil });
    expect(events[0].payload).toMatchObject({ webhook_reason: 'rdv_created', actor: { type: 'agent', agent_id: f.basicEtatCivil }, notify: true, user_ids: [f.camille] });
    // Admins read the history; a basic agent may not.
    const versions = await test.call('get', `/api/v1/rdvs/${response.body.id}/versions`, { token: f.tokens.mairieAdmin });
    expectStatus(versions, 200);
    expect(versions.body.data).toEqual([expect.objectContaining({ event: 'created', author: expect.objectContaining({ id: f.basicEtatCivil }) })]);
    expect(versions.body.data[0].changes).toEqual(expect.arrayContaining([
      { field: 'starts_at', from: null, to: '2026-12-01T08:00:00.000Z' },
      { field: 'agent_ids', from: null, to: [f.basicEtatCivil] },
    ]));
    expectProblem(await test.call('get', `/api/v1/rdvs/${response.body.id}/versions`, { token: f.tokens.etatCivil }), 403);
    // The usager's fiche now belongs to the organisation (it already did) and the rdv shows in their list.
    const list = await test.call('get', `${rdvs(f.mairie)}?user_id=${f.camille}`, { token: f.tokens.etatCivil });
    expect(list.body.data.map((rdv: { id: string }) => rdv.id)).toEqual([response.body.id]);
  });

  it('refuses outside a plage with 409 listing why, and books it with force without marking an overbooking', async () => {
    const body = cni({ starts_at: '2026-12-01T14:00:00+01:00' });
    const before = await fingerprint(test);
    const refused = await book(body);
    expectProblem(refused, 409);
    expect(refused.body.errors).toEqual([{ path: 'agent_ids.0', message: expect.stringMatching(/outside the agent's plages/) }]);
    expect(await fingerprint(test)).toEqual(before);

    const forced = await book({ ...body, force: true });
    expectStatus(forced, 201);
    expect(forced.body.warnings).toEqual([expect.objectContaining({ code: 'outside_plage', agent_id: f.basicEtatCivil })]);
    const [time] = await test.sql(`SELECT overbooked FROM rdv_agents WHERE rdv_id = $1`, [forced.body.id]);
    expect(time.overbooked).toBe(false);
  });

  it('refuses over another rdv and over an absence, and overbooks only the agent whose time overlaps', async () => {
    const first = await book(cni({ starts_at: '2026-12-02T10:00:00+01:00' }));
    expectStatus(first, 201);
    const absence = await test.call('post', '/api/v1/absences', {
      token: f.tokens.mairieAdmin,
      body: { agent_id: f.mairieAdmin, title: 'Formation', first_day: '2026-12-02', start_time: '09:00', end_time: '12:00' },
    });
    expectStatus(absence, 201);

    const body = cni({ starts_at: '2026-12-02T10:10:00+01:00', agent_ids: [f.basicEtatCivil, f.mairieAdmin] });
    const refused = await book(body, f.tokens.mairieAdmin);
    expectProblem(refused, 409);
    const messages = refused.body.errors.map((error: { path: string; message: string }) => `${error.path}: ${error.message}`);
    expect(messages).toEqual(expect.arrayContaining([
      'agent_ids.0: overlaps another rdv of the agent',
      'agent_ids.1: overlaps an absence of the agent',
      expect.stringMatching(/^agent_ids\.1: is outside the agent's plages/),
    ]));

    const forced = await book({ ...body, force: true }, f.tokens.mairieAdmin);
    expectStatus(forced, 201);
    expect(forced.body.warnings.map((warning: { code: string }) => warning.code).sort()).toEqual(['absence', 'outside_plage', 'overlapping_rdv']);
    const times = await test.sql(`SELECT agent_id, overbooked FROM rdv_agents WHERE rdv_id = $1 ORDER BY agent_id`, [forced.body.id]);
    expect(Object.fromEntries(times.map((row) => [row.agent_id, row.overbooked]))).toEqual({ [f.basicEtatCivil]: true, [f.mairieAdmin]: false });
  });

  it('lets only one of two simultaneous bookings of the same time through', async () => {
    const body = cni({ starts_at: '2026-12-03T11:00:00+01:00' });
    const answers = await Promise.all([book(body), book({ ...body, user_ids: [f.dominique] })]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    const refused = answers.find((answer) => answer.status === 409)!;
    expectProblem(refused, 409);
  });

  it("refuses an usager of another organisation of the territory, as if unknown: no fiche is opened to the booking one", async () => {
    const profiles = () => test.sql(`SELECT organisation_id FROM user_profiles WHERE user_id = $1 ORDER BY organisation_id`, [f.camille]);
    const camilleBefore = await profiles();
    const before = await fingerprint(test);
    const body = { motif_id: f.accueilSocial, lieu_id: f.maisonSolidarites, starts_at: '2026-12-01T09:00:00+01:00', agent_ids: [f.ccasAdmin], user_ids: [f.camille], force: true };
    const refused = await book(body, f.tokens.ccasAdmin, f.ccas);
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: 'user_ids.0', message: 'is not an usager of this organisation' }]);
    expect(await fingerprint(test)).toEqual(before);
    expect(await profiles()).toEqual(camilleBefore);
  });

  it('asks a phone motif for the usager\'s phone number', async () => {
    const body = { motif_id: f.permis, starts_at: '2026-12-01T14:00:00+01:00', agent_ids: [f.basicUrbanisme], user_ids: [f.dominique] };
    const refused = await book(body, f.tokens.urbanisme);
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: 'user_ids.0', message: expect.stringMatching(/phone number/) }]);
    expectStatus(await book({ ...body, user_ids: [f.camille] }, f.tokens.urbanisme), 201);
  });

  it('asks a visio motif for an email or a mobile number to send the link to', async () => {
    const visio = await test.call('post', `/api/v1/organisations/${f.mairie}/motifs`, {
      token: f.tokens.mairieAdmin, body: { name: 'Conseil en visio', service_id: 'etat_civil', default_duration_in_min: 30, location_type: 'visio' },
    });
    expectStatus(visio, 201);
    const mobileOnly = await f.createUser(f.mairie, f.tokens.mairieAdmin, { first_name: 'Mo', last_name: 'Bile', phone_number: '06 22 33 44 55' });
    const body = (userId: string, startsAt: string) => ({ motif_id: visio.body.id, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: [userId], force: true });
    const landline = await book(body(f.sacha, '2026-12-01T15:00:00+01:00'));
    expectProblem(landline, 422);
    expect(landline.body.errors).toEqual([{ path: 'user_ids.0', message: expect.stringMatching(/email or a mobile/) }]);
    expectStatus(await book(body(f.dominique, '2026-12-01T15:00:00+01:00')), 201);
    expectStatus(await book(body(mobileOnly, '2026-12-01T16:00:00+01:00')), 201);
  });

  it('hides another territory\'s rdvs', async () => {
    const rdv = await book(cni({ starts_at: '2026-12-10T09:00:00+01:00' }));
    expectStatus(rdv, 201);
    const other = await test.createTerritory('Autre territoire', 'admin@autre.test');
    expectProblem(await test.call('get', `/api/v1/rdvs/${rdv.body.id}`, { token: other.token }), 404);
    expectProblem(await test.call('patch', `/api/v1/rdvs/${rdv.body.id}`, { token: other.token, body: { status: 'revoked' } }), 404);
  });

  it('requires a lieu for a motif on site', async () => {
    const refused = await book(cni({ lieu_id: null }));
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: 'lieu_id', message: expect.any(String) }]);
  });

  it('keeps basic agents to their own agenda, their colleagues\' of a shared service and their services\' motifs', async () => {
    const inAnnesAgenda = await book(cni({ starts_at: '2026-12-04T09:00:00+01:00' }), f.tokens.urbanisme);
    expectProblem(inAnnesAgenda, 422);
    expect(inAnnesAgenda.body.errors.map((error: { path: string }) => error.path)).toEqual(['motif_id']);

    const otherAgenda = await book({ motif_id: f.permis, starts_at: '2026-12-04T14:00:00+01:00', agent_ids: [f.basicEtatCivil], user_ids: [f.camille] }, f.tokens.urbanisme);
    expectProblem(otherAgenda, 422);
    expect(otherAgenda.body.errors).toEqual([{ path: 'agent_ids.0', message: 'is not an agent whose agenda you may book in' }]);

    // The Secrétariat books in every agenda of its organisation.
    expectStatus(await book(cni({ starts_at: '2026-12-04T09:00:00+01:00' }), f.tokens.secretariat), 201);
    // Another organisation's motif is not one of this organisation.
    const foreign = await book({ ...cni(), motif_id: f.accueilSocial }, f.tokens.mairieAdmin);
    expectProblem(foreign, 422);
    expect(foreign.body.errors.map((error: { path: string }) => error.path)).toEqual(['motif_id']);
    // And an organisation the agent is not in does not exist for them.
    expectProblem(await book(cni(), f.tokens.etatCivil, f.ccas), 404);
  });

  it('answers a form submitted twice with the first result, booking once', async () => {
    const body = cni({ starts_at: '2026-12-07T09:40:00+01:00' });
    const headers = { 'idempotency-key': 'booking-form-7f3a9c' };
    const first = await test.call('post', rdvs(f.mairie), { token: f.tokens.etatCivil, body, headers });
    expectStatus(first, 201);
    const counts = await countRows(test, 'rdvs', 'outbox_events');
    const second = await test.call('post', rdvs(f.mairie), { token: f.tokens.etatCivil, body, headers });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await countRows(test, 'rdvs', 'outbox_events')).toEqual(counts);

    const reused = await test.call('post', rdvs(f.mairie), { token: f.tokens.etatCivil, body: { ...body, starts_at: '2026-12-07T10:00:00+01:00' }, headers });
    expectProblem(reused, 422);
    expect(reused.body.errors).toEqual([{ path: 'Idempotency-Key', message: 'was used for another request' }]);
  });

  it("holds agents to the motif's booking delays when it says so: search and booking, an organisation admin may force", async () => {
    const motif = `/api/v1/motifs/${f.cni}`;
    const delays = { min_public_booking_delay: 2 * 86400, max_public_booking_delay: 14 * 86400 };
    expectStatus(await test.call('patch', motif, { token: f.tokens.mairieAdmin, body: { ...delays, booking_delays_for_agents: true } }), 200);
    const search = async (from: string, to: string) => (await test.call('get',
      `/api/v1/organisations/${f.mairie}/creneaux?motif_id=${f.cni}&from=${from}&to=${to}`, { token: f.tokens.etatCivil })).body.data as { starts_at: string }[];
    // "Now" is Monday 30 November, 08:00: two days later is Wednesday 08:00, fourteen days later Monday 14 December 08:00.
    expect((await search('2026-11-30', '2026-12-02'))[0].starts_at).toBe('2026-12-02T09:00:00+01:00');
    expect(await search('2026-12-14', '2026-12-18')).toEqual([]);

    const before = await fingerprint(test);
    for (const startsAt of ['2026-12-01T11:40:00+01:00', '2026-12-15T09:00:00+01:00']) {
      const refused = await book(cni({ starts_at: startsAt, force: true }));
      expectProblem(refused, 422);
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toEqual(['starts_at']);
    }
    expect(await fingerprint(test)).toEqual(before);
    const asked = await book(cni({ starts_at: '2026-12-01T11:40:00+01:00' }), f.tokens.mairieAdmin);
    expectProblem(asked, 409);
    expect(asked.body.errors).toEqual([{ path: 'starts_at', message: "is sooner than the motif's minimum booking delay" }]);
    expectStatus(await book(cni({ starts_at: '2026-12-01T11:40:00+01:00', force: true }), f.tokens.mairieAdmin), 201);

    // Moving an rdv is held to the same delays.
    const booked = await book(cni({ starts_at: '2026-12-03T11:40:00+01:00' }));
    expectStatus(booked, 201);
    const moved = await test.call('patch', `/api/v1/rdvs/${booked.body.id}`, { token: f.tokens.etatCivil, body: { starts_at: '2026-12-01T11:20:00+01:00', force: true } });
    expectProblem(moved, 422);
    expect(moved.body.errors.map((error: { path: string }) => error.path)).toEqual(['starts_at']);

    // Off again: agents book as before, the public's delays unchanged.
    expectStatus(await test.call('patch', motif, { token: f.tokens.mairieAdmin, body: { booking_delays_for_agents: false } }), 200);
    expect((await search('2026-11-30', '2026-11-30'))[0].starts_at).toBe('2026-11-30T09:00:00+01:00');
    expectStatus(await test.call('patch', motif, { token: f.tokens.mairieAdmin, body: { min_public_booking_delay: 1800, max_public_booking_delay: 90 * 86400 } }), 200);
  });

  it("makes the agent pick one of the motif's options, whose duration the rdv takes, kept on the rdv, its event and plugins' reads", async () => {
    const motif = `/api/v1/motifs/${f.cni}`;
    const twice = await test.call('patch', motif, { token: f.tokens.mairieAdmin, body: { options: [{ label: 'Passeport' }, { label: 'Passeport' }] } });
    expectProblem(twice, 422);
    expect(twice.body.errors).toEqual([{ path: 'options.1.label', message: 'is already an option of this motif' }]);
    const options = [{ label: 'Carte d’identité', duration_in_min: null }, { label: 'Passeport', duration_in_min: 40 }];
    const saved = await test.call('patch', motif, { token: f.tokens.mairieAdmin, body: { options: [options[0], { label: 'Passeport', duration_in_min: 40 }] } });
    expectStatus(saved, 200);
    expect(saved.body.options).toEqual(options);

    const before = await fingerprint(test);
    const none = await book(cni({ starts_at: '2026-12-11T09:00:00+01:00' }));
    expectProblem(none, 422);
    expect(none.body.errors).toEqual([{ path: 'motif_option', message: 'is required: one of Carte d’identité, Passeport' }]);
    const unknown = await book(cni({ starts_at: '2026-12-11T09:00:00+01:00', motif_option: 'Permis de conduire' }));
    expect(unknown.body.errors.map((error: { path: string }) => error.path)).toEqual(['motif_option']);
    expect(await fingerprint(test)).toEqual(before);

    const passeport = await book(cni({ starts_at: '2026-12-11T09:00:00+01:00', motif_option: 'Passeport' }));
    expectStatus(passeport, 201);
    expect(passeport.body).toMatchObject({ motif_option: 'Passeport', duration_in_min: 40, ends_at: '2026-12-11T09:40:00+01:00' });
    const cniRdv = await book(cni({ starts_at: '2026-12-11T10:00:00+01:00', motif_option: 'Carte d’identité' }));
    expect(cniRdv.body).toMatchObject({ motif_option: 'Carte d’identité', duration_in_min: 20 });
    expect((await test.call('get', `/api/v1/rdvs/${passeport.body.id}`, { token: f.tokens.etatCivil })).body.motif_option).toBe('Passeport');
    const [event] = await rdvEvents(test, passeport.body.id);
    expect(event.payload.motif_option).toBe('Passeport');

    // The motif's list changes later: the rdv keeps what was chosen; a change of option is checked against the list.
    expectStatus(await test.call('patch', motif, { token: f.tokens.mairieAdmin, body: { options: [{ label: 'Passeport biométrique', duration_in_min: 40 }] } }), 200);
    const kept = await test.call('get', `/api/v1/rdvs/${passeport.body.id}`, { token: f.tokens.etatCivil });
    expect(kept.body.motif_option).toBe('Passeport');
    const changed = await test.call('patch', `/api/v1/rdvs/${passeport.body.id}`, { token: f.tokens.etatCivil, body: { motif_option: 'Passeport biométrique' } });
    expectStatus(changed, 200);
    expect(changed.body.motif_option).toBe('Passeport biométrique');

    // Without options, an option is refused.
    expectStatus(await test.call('patch', motif, { token: f.tokens.mairieAdmin, body: { options: [] } }), 200);
    const stray = await book(cni({ starts_at: '2026-12-11T11:00:00+01:00', motif_option: 'Passeport' }));
    expect(stray.body.errors).toEqual([{ path: 'motif_option', message: 'is only for a motif with options' }]);
  });
});
