import { TestPlatform } from '../../support/platform';
import { expectProblem, fingerprint } from '../foundation/helpers';
import { BookingFixture, bookingFixture, expectStatus, NOW, rdvEvents } from './helpers';

/** Statuses, moves, usagers joining and leaving, the waiting room, deletion and the list. */
describe('the rdv lifecycle', () => {
  let test: TestPlatform;
  let f: BookingFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
  });
  afterAll(() => test?.stop());

  async function book(startsAt: string, extra: Record<string, unknown> = {}, token = f.tokens.etatCivil) {
    const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: [f.camille], ...extra },
    });
    return response;
  }
  const patch = (id: string, body: Record<string, unknown>, token = f.tokens.etatCivil) => test.call('patch', `/api/v1/rdvs/${id}`, { token, body });
  const reasons = async (id: string) => (await rdvEvents(test, id)).map((event) => event.payload.webhook_reason);

  it('frees the time when the service cancels, and restores the rdv only while its time is free', async () => {
    const rdv = await book('2026-12-01T09:40:00+01:00', { user_ids: [f.camille, f.dominique] });
    expectStatus(rdv, 201);
    const revoked = await patch(rdv.body.id, { status: 'revoked' });
    expectStatus(revoked, 200);
    expect(revoked.body).toMatchObject({ status: 'revoked', cancelled_at: NOW.toISOString(), sequence: 1 });
    expect(revoked.body.participations.map((participation: { status: string }) => participation.status)).toEqual(['revoked', 'revoked']);

    const taker = await book('2026-12-01T09:40:00+01:00', { user_ids: [f.sacha] });
    expectStatus(taker, 201);
    const before = await fingerprint(test);
    const refused = await patch(rdv.body.id, { status: 'unknown' });
    expectProblem(refused, 409);
    expect(await fingerprint(test)).toEqual(before);

    expectStatus(await patch(taker.body.id, { starts_at: '2026-12-01T10:00:00+01:00' }), 200);
    const restored = await patch(rdv.body.id, { status: 'unknown' });
    expectStatus(restored, 200);
    expect(restored.body).toMatchObject({ status: 'unknown', cancelled_at: null, sequence: 2 });
    expect(restored.body.participations.map((participation: { status: string }) => participation.status)).toEqual(['unknown', 'unknown']);
    expect(await reasons(rdv.body.id)).toEqual(['rdv_created', 'rdv_cancelled_by_agent', 'rdv_restored']);
  });

  it('spreads seen and noshow to the usagers still expected, and derives the rdv from its usagers', async () => {
    const rdv = await book('2026-12-01T10:20:00+01:00', { user_ids: [f.camille, f.dominique] });
    const [camille, dominique] = rdv.body.participations;
    const excused = await test.call('patch', `/api/v1/rdvs/${rdv.body.id}/participations/${dominique.id}`, { token: f.tokens.etatCivil, body: { status: 'excused' } });
    expectStatus(excused, 200);
    expect(excused.body.status).toBe('unknown');
    const noshow = await patch(rdv.body.id, { status: 'noshow' });
    expect(noshow.body.participations.map((participation: { status: string }) => participation.status)).toEqual(['noshow', 'excused']);
    const seen = await test.call('patch', `/api/v1/rdvs/${rdv.body.id}/participations/${camille.id}`, { token: f.tokens.etatCivil, body: { status: 'seen' } });
    expect(seen.body.status).toBe('seen');
    expect(await reasons(rdv.body.id)).toEqual(['rdv_created', 'rdv_participation_removed', 'rdv_noshow', 'rdv_seen']);
  });

  it('runs a collectif session: seats, joining, leaving, its own statuses', async () => {
    const session = await test.call('post', `/api/v1/organisations/${f.ccas}/rdvs`, {
      token: f.tokens.ccasAdmin,
      body: { motif_id: f.atelier, lieu_id: f.maisonSolidarites, starts_at: '2026-12-02T14:00:00+01:00', agent_ids: [f.ccasAdmin], name: 'Atelier tablette', max_participants_count: 2 },
    });
    expectStatus(session, 201);
    expect(session.body).toMatchObject({ collectif: true, name: 'Atelier tablette', max_participants_count: 2, users_count: 0, duration_in_min: 90 });
    const ccasUser = (body: Record<string, unknown>) => f.createUser(f.ccas, f.tokens.ccasAdmin, body);
    const [a, b, c] = [await ccasUser({ first_name: 'Aya', last_name: 'Ndiaye' }), await ccasUser({ first_name: 'Ben', last_name: 'Roy' }), await ccasUser({ first_name: 'Cléo', last_name: 'Vidal' })];
    const join = (userId: string) => test.call('post', `/api/v1/rdvs/${session.body.id}/participations`, { token: f.tokens.ccasAdmin, body: { user_id: userId } });
    expectStatus(await join(a), 201);
    expectProblem(await join(a), 409);
    const second = await join(b);
    expectStatus(second, 201);
    const full = await join(c);
    expectProblem(full, 409);
    expect(full.body.detail).toBe('The session is full');

    const leaving = second.body.participations.find((participation: { user_id: string }) => participation.user_id === b);
    expectStatus(await test.call('delete', `/api/v1/rdvs/${session.body.id}/participations/${leaving.id}`, { token: f.tokens.ccasAdmin }), 204);
    const third = await join(c);
    expectStatus(third, 201);
    expect(third.body.users_count).toBe(2);

    const excused = await patch(session.body.id, { status: 'excused' }, f.tokens.ccasAdmin);
    expectProblem(excused, 422);
    expect(excused.body.errors.map((error: { path: string }) => error.path)).toEqual(['status']);
    expectStatus(await patch(session.body.id, { status: 'revoked' }, f.tokens.ccasAdmin), 200);
    expectProblem(await join(b), 409);
  });

  it("keeps a session's seats at least its participants, and overbooks a full one only when the agent confirms", async () => {
    const session = await test.call('post', `/api/v1/organisations/${f.ccas}/rdvs`, {
      token: f.tokens.ccasAdmin,
      body: { motif_id: f.atelier, lieu_id: f.maisonSolidarites, starts_at: '2026-12-09T14:00:00+01:00', agent_ids: [f.ccasAdmin], name: 'Atelier courriel', max_participants_count: 3 },
    });
    expectStatus(session, 201);
    const ccasUser = (body: Record<string, unknown>) => f.createUser(f.ccas, f.tokens.ccasAdmin, body);
    const [a, b, c] = [await ccasUser({ first_name: 'Inès', last_name: 'Garnier' }), await ccasUser({ first_name: 'Jules', last_name: 'Moreau' }), await ccasUser({ first_name: 'Lou', last_name: 'Perrin' })];
    const join = (userId: string, extra: Record<string, unknown> = {}) =>
      test.call('post', `/api/v1/rdvs/${session.body.id}/participations`, { token: f.tokens.ccasAdmin, body: { user_id: userId, ...extra } });
    expectStatus(await join(a), 201);
    expectStatus(await join(b), 201);

    const before = await fingerprint(test);
    const tooFew = await patch(session.body.id, { max_participants_count: 1 }, f.tokens.ccasAdmin);
    expectProblem(tooFew, 422);
    expect(tooFew.body.errors).toEqual([{ path: 'max_participants_count', message: 'cannot be fewer than the seats already taken' }]);
    expect(await fingerprint(test)).toEqual(before);
    const fewer = await patch(session.body.id, { max_participants_count: 2 }, f.tokens.ccasAdmin);
    expectStatus(fewer, 200);
    expect(fewer.body).toMatchObject({ max_participants_count: 2, users_count: 2 });

    const full = await join(c);
    expectProblem(full, 409);
    expect(full.body.errors).toEqual([{ path: 'user_id', message: 'no seat left' }]);
    const overbooked = await join(c, { force: true });
    expectStatus(overbooked, 201);
    expect(overbooked.body).toMatchObject({ max_participants_count: 2, users_count: 3 });
    expect(await reasons(session.body.id)).toEqual(['rdv_created', 'rdv_participation_added', 'rdv_participation_added', 'rdv_updated', 'rdv_participation_added']);
  });

  it('keeps at least one usager on an individual rdv', async () => {
    const rdv = await book('2026-12-01T11:00:00+01:00');
    const refused = await test.call('delete', `/api/v1/rdvs/${rdv.body.id}/participations/${rdv.body.participations[0].id}`, { token: f.tokens.etatCivil });
    expectProblem(refused, 422);
  });

  it('marks the usager as arrived in the waiting room, for the rdv\'s agents to see at once', async () => {
    const rdv = await book('2026-12-01T11:20:00+01:00');
    const arrived = await test.call('post', `/api/v1/rdvs/${rdv.body.id}/arrival`, { token: f.tokens.secretariat });
    expectStatus(arrived, 200);
    expect(arrived.body.arrived_at).toBe(NOW.toISOString());
    const [event] = (await rdvEvents(test, rdv.body.id)).slice(-1);
    expect(event.payload).toMatchObject({ webhook_reason: 'rdv_user_arrived', notify: false, agent_ids: [f.basicEtatCivil], arrived_at: NOW.toISOString() });
    const undone = await test.call('delete', `/api/v1/rdvs/${rdv.body.id}/arrival`, { token: f.tokens.secretariat });
    expect(undone.body.arrived_at).toBeNull();
    expectStatus(await patch(rdv.body.id, { status: 'excused' }), 200);
    expectProblem(await test.call('post', `/api/v1/rdvs/${rdv.body.id}/arrival`, { token: f.tokens.secretariat }), 409);
  });

  it('moves an rdv within the plages, refuses over another rdv without force, and tells where it was', async () => {
    const rdv = await book('2026-12-03T09:00:00+01:00');
    const other = await book('2026-12-03T10:00:00+01:00', { user_ids: [f.dominique] });
    const moved = await patch(rdv.body.id, { starts_at: '2026-12-03T09:20:00+01:00', duration_in_min: 30 });
    expectStatus(moved, 200);
    expect(moved.body).toMatchObject({ starts_at: '2026-12-03T09:20:00+01:00', ends_at: '2026-12-03T09:50:00+01:00', sequence: 1 });
    const [event] = (await rdvEvents(test, rdv.body.id)).slice(-1);
    expect(event.payload).toMatchObject({ webhook_reason: 'rdv_updated', previous_starts_at: '2026-12-03T09:00:00+01:00' });

    const refused = await patch(rdv.body.id, { starts_at: '2026-12-03T09:50:00+01:00' });
    expectProblem(refused, 409);
    expect(refused.body.errors).toEqual([{ path: 'agent_ids.0', message: 'overlaps another rdv of the agent' }]);
    const forced = await patch(rdv.body.id, { starts_at: '2026-12-03T09:50:00+01:00', force: true });
    expectStatus(forced, 200);
    expect(forced.body.warnings).toEqual([expect.objectContaining({ code: 'overlapping_rdv', rdv_id: other.body.id })]);
    const times = await test.sql(`SELECT overbooked FROM rdv_agents WHERE rdv_id = $1`, [rdv.body.id]);
    expect(times).toEqual([{ overbooked: true }]);
    // Moved back within its plage without force, it is an ordinary booking again.
    expectStatus(await patch(rdv.body.id, { starts_at: '2026-12-03T11:00:00+01:00' }), 200);
    expect(await test.sql(`SELECT overbooked FROM rdv_agents WHERE rdv_id = $1`, [rdv.body.id])).toEqual([{ overbooked: false }]);
    expectProblem(await patch(rdv.body.id, { motif_id: f.mariage }), 422);
  });

  it('deletes an rdv: its time is free again, its history stays', async () => {
    const rdv = await book('2026-12-04T09:00:00+01:00');
    expectStatus(await test.call('delete', `/api/v1/rdvs/${rdv.body.id}`, { token: f.tokens.etatCivil }), 204);
    expectProblem(await test.call('get', `/api/v1/rdvs/${rdv.body.id}`, { token: f.tokens.etatCivil }), 404);
    expect(await reasons(rdv.body.id)).toEqual(['rdv_created', 'rdv_destroyed']);
    const versions = await test.call('get', `/api/v1/rdvs/${rdv.body.id}/versions`, { token: f.tokens.mairieAdmin });
    expectProblem(versions, 404);
    expect(await test.sql(`SELECT event FROM record_versions WHERE record_id = $1 ORDER BY id`, [rdv.body.id])).toEqual([{ event: 'created' }, { event: 'destroyed' }]);
    expectStatus(await book('2026-12-04T09:00:00+01:00'), 201);
  });

  it('moves the participations of a merged usager, once per rdv', async () => {
    const twin = await f.createUser(f.mairie, f.tokens.mairieAdmin, { first_name: 'Camille', last_name: 'Martin', phone_number: '06 12 34 56 78' });
    const both = await book('2026-12-04T10:00:00+01:00', { user_ids: [f.camille, twin] });
    const twinOnly = await book('2026-12-04T10:20:00+01:00', { user_ids: [twin] });
    const merged = await test.call('post', '/api/v1/users/merge', { token: f.tokens.mairieAdmin, body: { user_id: f.camille, other_user_id: twin } });
    expectStatus(merged, 200);
    const usersOf = async (id: string) => (await test.call('get', `/api/v1/rdvs/${id}`, { token: f.tokens.etatCivil })).body.user_ids;
    expect(await usersOf(both.body.id)).toEqual([f.camille]);
    expect(await usersOf(twinOnly.body.id)).toEqual([f.camille]);
  });

  it('lists the rdvs of the agendas an agent sees, filtered and paginated', async () => {
    const permis = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.urbanisme,
      body: { motif_id: f.permis, starts_at: '2026-12-07T14:00:00+01:00', agent_ids: [f.basicUrbanisme], user_ids: [f.sacha] },
    });
    expectStatus(permis, 201);
    const list = (token: string, query: string) => test.call('get', `/api/v1/organisations/${f.mairie}/rdvs?${query}`, { token });
    const ids = (response: { body: { data: { id: string }[] } }) => response.body.data.map((rdv) => rdv.id);

    expect(ids(await list(f.tokens.urbanisme, ''))).toEqual([permis.body.id]);
    expect(ids(await list(f.tokens.etatCivil, ''))).not.toContain(permis.body.id);
    expect(ids(await list(f.tokens.secretariat, 'starts_after=2026-12-07'))).toEqual([permis.body.id]);
    expect(ids(await list(f.tokens.mairieAdmin, `agent_id=${f.basicUrbanisme}`))).toEqual([permis.body.id]);
    const cancelled = await list(f.tokens.mairieAdmin, 'status=revoked&starts_before=2026-12-02T00:00:00%2B01:00');
    expect(cancelled.body.data.every((rdv: { status: string }) => rdv.status === 'revoked')).toBe(true);
    const page = await list(f.tokens.mairieAdmin, 'per_page=2&page=2');
    expect(page.body.meta).toEqual({ page: 2, per_page: 2, total_count: expect.any(Number) });
    expect(page.body.data).toHaveLength(2);
    expectProblem(await list(f.tokens.mairieAdmin, 'status=pending'), 400);
    expectProblem(await test.call('get', `/api/v1/rdvs/${permis.body.id}`, { token: f.tokens.etatCivil }), 404);
  });
});
