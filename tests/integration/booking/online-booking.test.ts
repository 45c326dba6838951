import { bookingMaintenance } from '../../../platform/src/booking/maintenance';
import { PeriodicTasks } from '../../../platform/src/jobs/periodic';
import { TestPlatform } from '../../support/platform';
import { countRows, expectProblem, fingerprint } from '../foundation/helpers';
import { BookingFixture, bookingFixture, expectStatus, holdCode, NOW, publicCreneaux, rdvEvents, sentCode, wrongCode } from './helpers';

/** Usagers and prescripteurs book free créneaux online; the code sent by email confirms within 10 minutes. */
describe('online booking', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  const usager = { first_name: 'Élise', last_name: 'Dupré', email: 'elise.dupre@example.fr' };

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
  });
  afterAll(() => test?.stop());

  const cniSlots = (day: string) => publicCreneaux(test, f.mairieSlug, f.cni, f.hotelDeVille, day);
  const book = (body: Record<string, unknown>, headers: Record<string, string> = {}) => test.call('post', '/api/public/rdvs', { body, headers });
  const confirm = (id: string, code: string) => test.call('post', `/api/public/rdvs/${id}/confirm`, { body: { code } });
  const cni = (startsAt: string, user: Record<string, unknown> = usager) => ({ motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, user });

  it('holds the créneau until the emailed code confirms it, then creates the fiche, the rdv and its link', async () => {
    const [slot] = await cniSlots('2026-12-01');
    expect(slot.starts_at).toBe('2026-12-01T09:00:00+01:00');
    const users = await countRows(test, 'users');

    const held = await book(cni(slot.starts_at));
    expectStatus(held, 202);
    expect(held.body).toEqual({ id: expect.any(String), status: 'pending', confirmation: 'email', code_sent_to: 'e**********@example.fr', expires_at: '2026-11-30T08:10:00+01:00' });
    // The time is taken at once: the public no longer sees the créneau, agents do not list a pending rdv, no fiche yet.
    expect((await cniSlots('2026-12-01')).map((creneau) => creneau.starts_at)).not.toContain(slot.starts_at);
    const [pending] = await test.sql(`SELECT r.id, r.status FROM rdvs r JOIN rdv_holds h ON h.rdv_id = r.id WHERE h.id = $1`, [held.body.id]);
    expect(pending.status).toBe('pending');
    const listed = await test.call('get', `/api/v1/organisations/${f.mairie}/rdvs`, { token: f.tokens.mairieAdmin });
    expect(listed.body.data.map((rdv: { id: string }) => rdv.id)).not.toContain(pending.id);
    expect(await countRows(test, 'users')).toEqual(users);

    const code = await holdCode(test, held.body.id);
    expectProblem(await confirm(held.body.id, wrongCode(code)), 403);
    const confirmed = await confirm(held.body.id, code);
    expectStatus(confirmed, 200);
    expect(confirmed.body).toMatchObject({
      id: pending.id, status: 'unknown', starts_at: slot.starts_at, motif: { id: f.cni, instruction_for_rdv: expect.stringContaining('ANTS') },
      lieu: { id: f.hotelDeVille }, cancellable: true, manage_url: expect.stringMatching(/\/public\/rdvs\/[A-Za-z0-9_-]{22}$/),
    });
    const [fiche] = await test.sql(`SELECT u.first_name, u.last_name, u.email, p.created_by FROM participations p JOIN users u ON u.id = p.user_id WHERE p.rdv_id = $1`, [pending.id]);
    expect(fiche).toEqual({ first_name: 'Élise', last_name: 'Dupré', email: 'elise.dupre@example.fr', created_by: 'user' });
    const events = await rdvEvents(test, pending.id);
    expect(events.map((event) => [event.event, event.payload.webhook_reason, event.payload.actor.type])).toEqual([['created', 'rdv_created', 'user']]);
    // Only the hash of the self-service token is stored.
    const token = confirmed.body.manage_url.split('/').pop();
    expect(await test.sql(`SELECT 1 FROM rdv_links WHERE token_hash = $1`, [token])).toEqual([]);

    const replayed = await confirm(held.body.id, code);
    expectProblem(replayed, 410);
  });

  it('frees the time of an expired hold: a late code is refused and the créneau can be booked again', async () => {
    const [slot] = await cniSlots('2026-12-02');
    const held = await book(cni(slot.starts_at));
    expectStatus(held, 202);
    const code = await holdCode(test, held.body.id);
    expectProblem(await book(cni(slot.starts_at, { first_name: 'Paul', last_name: 'Autre', email: 'paul@example.fr' })), 409);

    test.clock.advance(10 * 60_000 + 1);
    try {
      expectProblem(await confirm(held.body.id, code), 410);
      expect(await test.sql(`SELECT rdv_id FROM rdv_holds WHERE id = $1`, [held.body.id])).toEqual([{ rdv_id: null }]);
      expectStatus(await book(cni(slot.starts_at, { first_name: 'Paul', last_name: 'Autre', email: 'paul@example.fr' })), 202);
    } finally {
      test.clock.set(NOW);
    }
  });

  it('lets the maintenance sweep free expired holds in every territory', async () => {
    const [, slot] = await cniSlots('2026-12-03');
    const held = await book(cni(slot.starts_at));
    expectStatus(held, 202);
    test.clock.advance(11 * 60_000);
    const maintenance = new PeriodicTasks(test.platform, [bookingMaintenance], () => undefined);
    try {
      maintenance.start(); // its first sweep runs at once
      await maintenance.stop();
      expect(await test.sql(`SELECT r.id FROM rdvs r WHERE r.status = 'pending' AND r.starts_at = $1`, [slot.starts_at])).toEqual([]);
    } finally {
      test.clock.set(NOW);
    }
    expect((await cniSlots('2026-12-03')).map((creneau) => creneau.starts_at)).toContain(slot.starts_at);
  });

  it('refuses times that are not créneaux, with nothing written', async () => {
    const before = await fingerprint(test);
    const cases: [string, number][] = [
      ['2026-12-04T09:05:00+01:00', 422], // off the 20-minute grid
      ['2026-12-04T14:00:00+01:00', 422], // outside the plages
      ['2026-11-30T07:00:00+01:00', 422], // in the past
      ['2026-11-30T08:20:00+01:00', 422], // before the 30-minute booking delay
      ['2027-06-28T09:00:00+02:00', 422], // beyond the 90-day booking delay
    ];
    for (const [startsAt, status] of cases) {
      const refused = await book(cni(startsAt));
      expectProblem(refused, status);
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toEqual(['starts_at']);
    }
    expect(await fingerprint(test)).toEqual(before);
  });

  it('refuses motifs not open to the caller and another organisation\'s lieu', async () => {
    const mariage = await book({ ...cni('2026-12-04T09:00:00+01:00'), motif_id: f.mariage });
    expectProblem(mariage, 404);
    expect(mariage.body.errors).toEqual([{ path: 'motif_id', message: expect.any(String) }]);
    const permis = { motif_id: f.permis, lieu_id: f.hotelDeVille, starts_at: '2026-12-04T14:00:00+01:00', user: { ...usager, phone_number: '0611223344' } };
    expectProblem(await book(permis), 404); // open to prescripteurs only
    const foreignLieu = await book({ ...cni('2026-12-04T09:00:00+01:00'), lieu_id: f.maisonSolidarites });
    expectProblem(foreignLieu, 404);
    expect(foreignLieu.body.errors.map((error: { path: string }) => error.path)).toEqual(['lieu_id']);
    const unknownField = await book({ ...cni('2026-12-04T09:00:00+01:00'), user: { ...usager, favourite_colour: 'blue' } });
    expectProblem(unknownField, 422);
    expect(unknownField.body.errors.map((error: { path: string }) => error.path)).toEqual(['user.favourite_colour']);
    const noEmail = await book(cni('2026-12-04T09:00:00+01:00', { first_name: 'Sans', last_name: 'Courriel' }));
    expectProblem(noEmail, 422);
    expect(noEmail.body.errors.map((error: { path: string }) => error.path)).toEqual(['user.email']);
  });

  it("lets a prescripteur book for an usager on a new fiche: what anybody can type (another person's email, names and phone) never opens a known fiche", async () => {
    const prescripteur = { first_name: 'Inès', last_name: 'Durand', email: 'ines.durand@association.test' };
    // Camille's names, phone and email, as a stranger could type them.
    const typed = { first_name: 'camille', last_name: 'MARTIN', phone_number: '06 12 34 56 78', email: 'camille@example.fr' };
    const body = { motif_id: f.permis, lieu_id: f.hotelDeVille, starts_at: '2026-12-07T14:00:00+01:00', prescripteur, user: typed };
    const users = await countRows(test, 'users');
    const camilleBefore = await test.sql(`SELECT user_id, organisation_id FROM user_profiles WHERE user_id = $1 ORDER BY organisation_id`, [f.camille]);
    const held = await book(body);
    expectStatus(held, 202);
    expect(held.body.code_sent_to).toBe('i**********@association.test');
    const [event] = await test.sql(`SELECT payload FROM outbox_events WHERE model = 'rdv_hold' AND record_id = $1`, [held.body.id]);
    expect(event.payload).toMatchObject({ email: prescripteur.email, booked_by: 'prescripteur' });

    const confirmed = await confirm(held.body.id, await holdCode(test, held.body.id));
    expectStatus(confirmed, 200);
    expect(await countRows(test, 'users')).toEqual({ users: users.users + 1 });
    const [participation] = await test.sql(
      `SELECT p.user_id, p.created_by, p.prescripteur, u.first_name, u.last_name FROM participations p JOIN users u ON u.id = p.user_id WHERE p.rdv_id = $1`,
      [confirmed.body.id]);
    expect(participation).toEqual({
      user_id: expect.not.stringMatching(f.camille), created_by: 'prescripteur', prescripteur: { ...prescripteur }, first_name: 'camille', last_name: 'MARTIN',
    });
    // The answer echoes what the booker typed, and Camille's fiche was neither shown nor attached anywhere new.
    expect(JSON.stringify(confirmed.body)).not.toContain('Camille');
    expect(await test.sql(`SELECT user_id, organisation_id FROM user_profiles WHERE user_id = $1 ORDER BY organisation_id`, [f.camille])).toEqual(camilleBefore);
    const [created] = await rdvEvents(test, confirmed.body.id);
    expect(created.payload).toMatchObject({ webhook_reason: 'rdv_created', created_by: 'prescripteur', participations: [expect.objectContaining({ prescripteur })] });
  });

  it("finds an usager's own fiche when the code sent to its email proves the booker holds that address", async () => {
    const [slot] = await cniSlots('2026-12-10');
    const users = await countRows(test, 'users');
    const held = await book(cni(slot.starts_at, { first_name: 'Dominique', last_name: 'Lefèvre', email: 'DOMINIQUE@example.fr' }));
    expectStatus(held, 202);
    const confirmed = await confirm(held.body.id, await holdCode(test, held.body.id));
    expectStatus(confirmed, 200);
    expect(await countRows(test, 'users')).toEqual(users);
    const [participation] = await test.sql(`SELECT user_id FROM participations WHERE rdv_id = $1`, [confirmed.body.id]);
    expect(participation.user_id).toBe(f.dominique);
  });

  it('answers a booking form submitted twice with the first answer, holding once', async () => {
    const [slot] = await cniSlots('2026-12-08');
    const headers = { 'idempotency-key': '0d5c8e2f4a6b8c1d3e5f7a9b0c2d4e6f' };
    const first = await book(cni(slot.starts_at), headers);
    expectStatus(first, 202);
    const holds = await countRows(test, 'rdv_holds', 'rdvs');
    const second = await book(cni(slot.starts_at), headers);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(await countRows(test, 'rdv_holds', 'rdvs')).toEqual(holds);
  });

  it('lets one email hold only 3 créneaux awaiting their code', async () => {
    const slots = await cniSlots('2026-12-14');
    const greedy = { first_name: 'Gédéon', last_name: 'Glouton', email: 'glouton@example.fr' };
    for (const slot of slots.slice(0, 3)) expectStatus(await book(cni(slot.starts_at, greedy)), 202);
    const fourth = await book(cni(slots[3].starts_at, { ...greedy, email: 'GLOUTON@example.fr' }));
    expectProblem(fourth, 429);
    expect(fourth.headers.get('retry-after')).toBe('600');
    expectStatus(await book(cni(slots[3].starts_at, { ...greedy, email: 'sobre@example.fr' })), 202);
  });

  it('pauses a booking after 5 wrong codes, right code included, with Retry-After', async () => {
    const [slot] = await cniSlots('2026-12-09');
    const held = await book(cni(slot.starts_at));
    const code = await holdCode(test, held.body.id);
    for (let attempt = 0; attempt < 5; attempt++) expectProblem(await confirm(held.body.id, wrongCode(code)), 403);
    const paused = await confirm(held.body.id, code);
    expectProblem(paused, 429);
    expect(Number(paused.headers.get('retry-after'))).toBe(900);
  });

  it('evaluates no more than 5 guesses of a code sent all at once: the others wait, then the code is paused', async () => {
    const [, slot] = await cniSlots('2026-12-09');
    const held = await book(cni(slot.starts_at));
    const code = await holdCode(test, held.body.id);
    const guesses = Array.from({ length: 30 }, (_, index) => String((Number(code) + 1 + index) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(guesses.map((guess) => confirm(held.body.id, guess)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 403).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status !== 403).every((status) => status === 429)).toBe(true);
    expectProblem(await confirm(held.body.id, code), 429);
  });

  it('seats usagers in a collectif session until it is full', async () => {
    const session = await test.call('post', `/api/v1/organisations/${f.ccas}/rdvs`, {
      token: f.tokens.ccasAdmin,
      body: { motif_id: f.atelier, lieu_id: f.maisonSolidarites, starts_at: '2026-12-10T14:00:00+01:00', agent_ids: [f.ccasAdmin], name: 'Premiers pas', max_participants_count: 1 },
    });
    expectStatus(session, 201);
    const seat = { motif_id: f.atelier, lieu_id: f.maisonSolidarites, starts_at: '2026-12-10T14:00:00+01:00' };
    const held = await book({ ...seat, user: { ...usager, email: 'elise.atelier@example.fr' } });
    expectStatus(held, 202);
    // The held seat is the last one.
    expectProblem(await book({ ...seat, user: { first_name: 'Paul', last_name: 'Autre', email: 'paul@example.fr' } }), 409);
    const confirmed = await confirm(held.body.id, await holdCode(test, held.body.id));
    expectStatus(confirmed, 200);
    expect(confirmed.body).toMatchObject({ id: session.body.id, collectif: true, status: 'unknown' });
    const rdv = await test.call('get', `/api/v1/rdvs/${session.body.id}`, { token: f.tokens.ccasAdmin });
    expect(rdv.body).toMatchObject({ users_count: 1, status: 'unknown' });
    const reasons = (await rdvEvents(test, session.body.id)).map((event) => event.payload.webhook_reason);
    expect(reasons).toEqual(['rdv_created', 'rdv_participation_added']);
  });

  it('lets an usager with a verified account book without a code and find their rdvs', async () => {
    const account = { organisation_slug: f.mairieSlug, email: 'noa.roux@example.fr', password: 'un mot de passe solide', first_name: 'Noa', last_name: 'Roux' };
    expectStatus(await test.call('post', '/api/public/accounts', { body: account }), 202);
    const [sent] = await test.sql(`SELECT record_id FROM outbox_events WHERE model = 'usager_account' ORDER BY id DESC LIMIT 1`);
    const code = await sentCode(test, 'usager_account', sent.record_id);
    expectProblem(await test.call('post', '/api/public/accounts/sign_in', { body: { email: account.email, password: account.password } }), 403);
    expectProblem(await test.call('post', '/api/public/accounts/verify', { body: { email: account.email, code: wrongCode(code) } }), 403);
    expectStatus(await test.call('post', '/api/public/accounts/verify', { body: { email: account.email, code } }), 200);
    expectProblem(await test.call('post', '/api/public/accounts', { body: account }), 409);
    expectProblem(await test.call('post', '/api/public/accounts/sign_in', { body: { email: account.email, password: 'pas le bon mot de passe' } }), 403);
    const signedIn = await test.call('post', '/api/public/accounts/sign_in', { body: { email: 'NOA.ROUX@example.fr', password: account.password } });
    expectStatus(signedIn, 200);
    const token = signedIn.body.token;

    const [slot] = await cniSlots('2026-12-11');
    const booked = await test.call('post', '/api/public/rdvs', { token, body: cni(slot.starts_at, { first_name: 'Noa', last_name: 'Roux' }) });
    expectStatus(booked, 201);
    expect(booked.body).toMatchObject({ status: 'unknown', starts_at: slot.starts_at, manage_url: expect.any(String) });
    const mine = await test.call('get', '/api/public/me/rdvs', { token });
    expectStatus(mine, 200);
    expect(mine.body.data).toEqual([expect.objectContaining({ id: booked.body.id, starts_at: slot.starts_at })]);

    expectStatus(await test.call('delete', '/api/public/accounts/sign_in', { token }), 204);
    expectProblem(await test.call('get', '/api/public/me/rdvs', { token }), 401);
  });
  it("makes the usager pick one of the motif's options: créneaux searched for it last its duration, and the rdv keeps it", async () => {
    const options = [{ label: 'Carte d’identité', duration_in_min: null }, { label: 'Passeport', duration_in_min: 40 }];
    expectStatus(await test.call('patch', `/api/v1/motifs/${f.cni}`, { token: f.tokens.mairieAdmin, body: { options } }), 200);
    const portal = await test.call('get', `/api/public/organisations/${f.mairieSlug}`);
    expect(portal.body.motifs.find((motif: { id: string }) => motif.id === f.cni).options).toEqual(options);
    const search = (option: string) => test.call('get',
      `/api/public/organisations/${f.mairieSlug}/creneaux?motif_id=${f.cni}&lieu_id=${f.hotelDeVille}&from=2026-12-15&to=2026-12-15&motif_option=${encodeURIComponent(option)}`);
    const passeport = (await search('Passeport')).body.data as { starts_at: string; ends_at: string }[];
    expect(passeport.slice(0, 2).map((slot) => [slot.starts_at.slice(11, 16), slot.ends_at.slice(11, 16)])).toEqual([['09:00', '09:40'], ['09:40', '10:20']]);
    expect(((await search('Carte d’identité')).body.data as { ends_at: string }[])[0].ends_at).toBe('2026-12-15T09:20:00+01:00');
    const unknownOption = await search('Permis');
    expectProblem(unknownOption, 422);
    expect(unknownOption.body.errors.map((error: { path: string }) => error.path)).toEqual(['motif_option']);

    const before = await fingerprint(test);
    const sacha = { first_name: 'Sacha', last_name: 'Morel', email: 'sacha.morel@example.fr' };
    const without = await book(cni('2026-12-15T09:40:00+01:00', sacha));
    expectProblem(without, 422);
    expect(without.body.errors.map((error: { path: string }) => error.path)).toEqual(['motif_option']);
    // 09:20 is a créneau of the motif's 20 minutes, not of the passport's 40.
    expectProblem(await book({ ...cni('2026-12-15T09:20:00+01:00', sacha), motif_option: 'Passeport' }), 422);
    expect(await fingerprint(test)).toEqual(before);
    const held = await book({ ...cni('2026-12-15T09:40:00+01:00', sacha), motif_option: 'Passeport' });
    expectStatus(held, 202);
    const confirmed = await confirm(held.body.id, await holdCode(test, held.body.id));
    expectStatus(confirmed, 200);
    const [rdv] = await test.sql(`SELECT motif_option, ends_at FROM rdvs WHERE id = $1`, [confirmed.body.id]);
    expect(rdv).toEqual({ motif_option: { label: 'Passeport', duration_in_min: 40 }, ends_at: new Date('2026-12-15T09:20:00Z') });
    expectStatus(await test.call('patch', `/api/v1/motifs/${f.cni}`, { token: f.tokens.mairieAdmin, body: { options: [] } }), 200);
  });
});
