import { issueRdvLink } from '../../../platform/src/booking/links';
import { TestPlatform } from '../../support/platform';
import { expectProblem, fingerprint } from '../foundation/helpers';
import { BookingFixture, bookingFixture, expectStatus, holdCode, NOW, publicCreneaux, rdvEvents } from './helpers';

/** The usager's self-service from the link of their notifications: recap, cancel, move. */
describe('self-service links', () => {
  let test: TestPlatform;
  let f: BookingFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
    expectStatus(await test.call('patch', `/api/v1/motifs/${f.cni}`, { token: f.tokens.mairieAdmin, body: { rdvs_editable_by_user: true } }), 200);
  });
  afterAll(() => test?.stop());
  afterEach(() => test.clock.set(NOW));

  const slotsOn = (day: string) => publicCreneaux(test, f.mairieSlug, f.cni, f.hotelDeVille, day);

  /** Books online and confirms: answers the link's token and the rdv id. */
  async function bookOnline(startsAt: string, user: Record<string, unknown>) {
    const held = await test.call('post', '/api/public/rdvs', { body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, user } });
    expectStatus(held, 202);
    const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code: await holdCode(test, held.body.id) } });
    expectStatus(confirmed, 200);
    return { token: confirmed.body.manage_url.split('/').pop() as string, rdvId: confirmed.body.id as string };
  }

  const recap = (token: string, letters?: string) =>
    test.call('post', `/api/public/rdvs/${token}/open`, { body: letters === undefined ? {} : { last_name_prefix: letters } });
  const cancel = (token: string, letters: string) => test.call('post', `/api/public/rdvs/${token}/cancel`, { body: { last_name_prefix: letters } });
  const move = (token: string, letters: string, startsAt: string) =>
    test.call('post', `/api/public/rdvs/${token}/move`, { body: { last_name_prefix: letters, starts_at: startsAt } });

  it('shows the recap once the first 3 letters of the last name match, whatever the case, accents and spaces', async () => {
    const { token, rdvId } = await bookOnline('2026-12-14T09:00:00+01:00', { first_name: 'Yann', last_name: 'Le Gall', email: 'yann@example.fr' });
    for (const letters of ['LEG', 'le g', 'Lé-g', 'legall']) {
      const shown = await recap(token, letters);
      expectStatus(shown, 200);
      expect(shown.body).toMatchObject({
        id: rdvId, status: 'unknown', starts_at: '2026-12-14T09:00:00+01:00', duration_in_min: 20,
        lieu: { name: 'Hôtel de ville', address: expect.any(String) },
        motif: { name: "Carte d'identité et passeport", instruction_for_rdv: expect.stringContaining('ANTS') },
        organisation: { slug: f.mairieSlug, name: expect.any(String) },
        cancellable: true, movable: true,
      });
    }
    const wrong = await recap(token, 'gal');
    expectProblem(wrong, 403);
    expect(wrong.body.errors).toEqual([{ path: 'last_name_prefix', message: 'does not match' }]);
    expectProblem(await recap(token), 422);
    expectProblem(await recap('x'.repeat(43), 'leg'), 404);
    // The letters travel in the body only: a URL carrying them (and so the logs it reaches) opens nothing.
    expectProblem(await test.call('get', `/api/public/rdvs/${token}?last_name_prefix=leg`), 404);
  });

  it('pauses a link after 5 wrong tries, right letters included, and opens it again after the pause', async () => {
    const { token } = await bookOnline('2026-12-14T09:20:00+01:00', { first_name: 'Léa', last_name: 'Moreau', email: 'lea@example.fr' });
    for (let attempt = 0; attempt < 5; attempt++) expectProblem(await recap(token, 'xyz'), 403);
    const paused = await recap(token, 'mor');
    expectProblem(paused, 429);
    expect(paused.headers.get('retry-after')).toBe('900');
    test.clock.advance(15 * 60_000 + 1);
    expectStatus(await recap(token, 'mor'), 200);
  });

  it('cancels until the motif\'s deadline, frees the créneau and tells the notifications who cancelled', async () => {
    const { token, rdvId } = await bookOnline('2026-12-15T09:00:00+01:00', { first_name: 'Jules', last_name: 'Bernard', email: 'jules@example.fr' });
    test.clock.set(new Date('2026-12-15T04:30:00Z')); // 3.5 hours before: too late
    const late = await cancel(token, 'ber');
    expectProblem(late, 403);
    expect((await recap(token, 'ber')).body).toMatchObject({ cancellable: false, cancel_refusal_reason: 'too_late' });

    test.clock.set(new Date('2026-12-15T03:59:00Z')); // 4 hours and 1 minute before
    const cancelled = await cancel(token, 'BER');
    expectStatus(cancelled, 200);
    expect(cancelled.body).toMatchObject({ status: 'excused', cancellable: false, cancel_refusal_reason: 'already_cancelled' });
    const [rdv] = await test.sql(`SELECT status, cancelled_at, sequence FROM rdvs WHERE id = $1`, [rdvId]);
    expect(rdv).toEqual({ status: 'excused', cancelled_at: new Date('2026-12-15T03:59:00Z'), sequence: 1 });
    expect((await slotsOn('2026-12-15')).map((slot) => slot.starts_at)).toContain('2026-12-15T09:00:00+01:00');
    const last = (await rdvEvents(test, rdvId)).at(-1)!;
    expect(last.payload).toMatchObject({ webhook_reason: 'rdv_cancelled_by_user', status: 'excused', actor: { type: 'user', agent_id: null } });
    expectProblem(await cancel(token, 'ber'), 409);
  });

  it('refuses to cancel a motif whose rdvs usagers may not cancel', async () => {
    const { token } = await bookOnline('2026-12-15T10:00:00+01:00', { first_name: 'Rose', last_name: 'Faure', email: 'rose@example.fr' });
    expectStatus(await test.call('patch', `/api/v1/motifs/${f.cni}`, { token: f.tokens.mairieAdmin, body: { rdvs_cancellable_by_user: false } }), 200);
    try {
      const refused = await cancel(token, 'fau');
      expectProblem(refused, 403);
    } finally {
      expectStatus(await test.call('patch', `/api/v1/motifs/${f.cni}`, { token: f.tokens.mairieAdmin, body: { rdvs_cancellable_by_user: true } }), 200);
    }
  });

  it('moves to another free créneau of the motif, freeing the old one and raising the sequence', async () => {
    const { token, rdvId } = await bookOnline('2026-12-16T09:00:00+01:00', { first_name: 'Anna', last_name: 'Simon', email: 'anna@example.fr' });
    const before = await fingerprint(test);
    expectProblem(await move(token, 'sim', '2026-12-16T09:05:00+01:00'), 422);
    expectProblem(await move(token, 'sim', '2026-12-16T15:00:00+01:00'), 422);
    expect(await fingerprint(test)).toEqual(before);
    await bookOnline('2026-12-16T10:00:00+01:00', { first_name: 'Autre', last_name: 'Usager', email: 'autre@example.fr' });
    expectProblem(await move(token, 'sim', '2026-12-16T10:00:00+01:00'), 409);

    const moved = await move(token, 'sim', '2026-12-17T11:00:00+01:00');
    expectStatus(moved, 200);
    expect(moved.body).toMatchObject({ id: rdvId, starts_at: '2026-12-17T11:00:00+01:00', ends_at: '2026-12-17T11:20:00+01:00' });
    expect((await slotsOn('2026-12-16')).map((slot) => slot.starts_at)).toContain('2026-12-16T09:00:00+01:00');
    expect((await slotsOn('2026-12-17')).map((slot) => slot.starts_at)).not.toContain('2026-12-17T11:00:00+01:00');
    const last = (await rdvEvents(test, rdvId)).at(-1)!;
    expect(last.payload).toMatchObject({ webhook_reason: 'rdv_updated', previous_starts_at: '2026-12-16T09:00:00+01:00', sequence: 1, actor: { type: 'user' } });
  });

  it('does not let the usager move an rdv booked by an agent, nor one 2 days away or less', async () => {
    const booked = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.etatCivil,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: '2026-12-18T09:00:00+01:00', agent_ids: [f.basicEtatCivil], user_ids: [f.camille] },
    });
    expectStatus(booked, 201);
    const url = await test.db.tenant(f.territoryId, () => issueRdvLink(test.platform, booked.body.participations[0].id));
    const agentToken = url.split('/').pop()!;
    expect((await recap(agentToken, 'mar')).body).toMatchObject({ movable: false, move_refusal_reason: 'booked_by_agent', cancellable: true });
    expectProblem(await move(agentToken, 'mar', '2026-12-18T10:00:00+01:00'), 403);

    const { token } = await bookOnline('2026-12-01T11:00:00+01:00', { first_name: 'Tom', last_name: 'Girard', email: 'tom@example.fr' });
    expect((await recap(token, 'gir')).body).toMatchObject({ movable: false, move_refusal_reason: 'too_late' });
    expectProblem(await move(token, 'gir', '2026-12-18T11:00:00+01:00'), 403);
  });

  it('stops opening the rdv a day after it ended', async () => {
    const { token } = await bookOnline('2026-12-03T11:00:00+01:00', { first_name: 'Max', last_name: 'Lopez', email: 'max@example.fr' });
    test.clock.set(new Date('2026-12-04T10:21:00Z'));
    expectProblem(await recap(token, 'lop'), 410);
  });

  it('lets an usager leave a collectif session, which goes on for the others', async () => {
    const session = await test.call('post', `/api/v1/organisations/${f.ccas}/rdvs`, {
      token: f.tokens.ccasAdmin,
      body: { motif_id: f.atelier, lieu_id: f.maisonSolidarites, starts_at: '2026-12-21T14:00:00+01:00', agent_ids: [f.ccasAdmin], max_participants_count: 2 },
    });
    expectStatus(session, 201);
    const held = await test.call('post', '/api/public/rdvs', {
      body: { motif_id: f.atelier, lieu_id: f.maisonSolidarites, starts_at: '2026-12-21T14:00:00+01:00', user: { first_name: 'Iris', last_name: 'Blanc', email: 'iris@example.fr' } },
    });
    const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code: await holdCode(test, held.body.id) } });
    expectStatus(confirmed, 200);
    const left = await cancel(confirmed.body.manage_url.split('/').pop(), 'bla');
    expectStatus(left, 200);
    expect(left.body).toMatchObject({ status: 'excused', collectif: true });
    const rdv = await test.call('get', `/api/v1/rdvs/${session.body.id}`, { token: f.tokens.ccasAdmin });
    expect(rdv.body).toMatchObject({ status: 'unknown', users_count: 0, participations: [expect.objectContaining({ status: 'excused' })] });
    expect((await rdvEvents(test, session.body.id)).at(-1)!.payload.webhook_reason).toBe('rdv_participation_cancelled_by_user');
  });
});
