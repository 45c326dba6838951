import { TestPlatform } from '../../support/platform';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtp';
import { icsLines, parseMime, partOfType } from '../../unit/notifications/mime';
import { holdCode, rdvEvents } from '../booking/helpers';
import { expectProblem } from '../foundation/helpers';
import { fastJobs, startPipeline, waitFor, type RunningPipeline } from '../notifications/pipeline';
import { agendaFixture, AgendaFixture, expectStatus, NOW, plageBody } from './helpers';

/**
 * « Déprogrammé »: changing or deleting a plage with ?unschedule_rdvs=true revokes
 * the online rdvs no plage holds any more, and their usagers are told.
 */
describe('rdvs déprogrammés by a change of planning', () => {
  let smtp: TestSmtpServer;
  let test: TestPlatform;
  let f: AgendaFixture;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    test = await TestPlatform.start({ now: NOW, config: { smtpUrl: smtp.url, jobs: fastJobs() } });
    f = await agendaFixture(test);
    pipeline = await startPipeline(test);
  });
  afterAll(async () => {
    // Let the emails in flight reach the SMTP server, which closes only once its clients have left.
    await waitFor(async () => (await test.sql(
      `SELECT 1 FROM outbox_events WHERE dispatched_at IS NULL UNION ALL SELECT 1 FROM consumer_receipts WHERE consumer = 'notifications' AND status = 'pending'`,
    )).length === 0);
    await pipeline?.stop();
    await test?.stop();
    await smtp?.close();
  });

  /** A one-day plage of Anne (État civil) at the Hôtel de ville for the CNI motif. */
  async function plage(day: string, times: { start_time: string; end_time: string } = { start_time: '09:00', end_time: '12:00' }): Promise<string> {
    const response = await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, {
      token: f.tokens.mairieAdmin,
      body: plageBody(f, { first_day: day, recurrence: null, until: null, ...times }),
    });
    expectStatus(response, 201);
    return response.body.id;
  }

  /** An usager books the créneau online and confirms with the emailed code. */
  async function bookOnline(startsAt: string, email: string): Promise<string> {
    const held = await test.call('post', '/api/public/rdvs', {
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, user: { first_name: 'Élise', last_name: 'Dupré', email } },
    });
    expectStatus(held, 202);
    const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code: await holdCode(test, held.body.id) } });
    expectStatus(confirmed, 200);
    return confirmed.body.id;
  }

  async function bookByAgent(startsAt: string): Promise<string> {
    const user = await test.call('post', `/api/v1/organisations/${f.mairie}/users`, {
      token: f.tokens.mairieAdmin, body: { first_name: 'Paul', last_name: 'Guichet', email: 'paul.guichet@example.fr' },
    });
    expectStatus(user, 201);
    const rdv = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.mairieAdmin,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], user_ids: [user.body.id], starts_at: startsAt },
    });
    expectStatus(rdv, 201);
    return rdv.body.id;
  }

  async function statusOf(rdvId: string): Promise<string> {
    return (await test.sql(`SELECT status FROM rdvs WHERE id = $1`, [rdvId]))[0].status;
  }

  const unscheduledEvents = async (rdvId: string) =>
    (await rdvEvents(test, rdvId)).filter((event) => event.payload.webhook_reason === 'rdv_unscheduled');

  it("revokes an online rdv of a deleted plage, and emails its usager that it is déprogrammé with a calendar cancellation", async () => {
    const address = 'elise.deprogrammee@example.fr';
    const plageId = await plage('2026-12-07');
    const rdvId = await bookOnline('2026-12-07T09:00:00+01:00', address);

    const deleted = await test.call('delete', `/api/v1/plages_ouverture/${plageId}?unschedule_rdvs=true`, { token: f.tokens.mairieAdmin });
    expectStatus(deleted, 200);
    expect(deleted.body).toEqual({ unscheduled_rdv_ids: [rdvId], rdvs_outside_plages: 0 });

    const [rdv] = await test.sql(`SELECT status, cancelled_at, sequence FROM rdvs WHERE id = $1`, [rdvId]);
    expect(rdv).toEqual({ status: 'revoked', cancelled_at: NOW, sequence: 1 });
    expect(await test.sql(`SELECT status FROM participations WHERE rdv_id = $1`, [rdvId])).toEqual([{ status: 'revoked' }]);
    const [event] = await unscheduledEvents(rdvId);
    expect(event.payload).toMatchObject({ status: 'revoked', actor: { type: 'agent', agent_id: f.mairieAdmin }, notify: true });
    const history = await test.call('get', `/api/v1/rdvs/${rdvId}/versions`, { token: f.tokens.mairieAdmin });
    expect(history.body.data[0]).toMatchObject({ event: 'unscheduled', author: { id: f.mairieAdmin }, changes: expect.arrayContaining([{ field: 'status', from: 'unknown', to: 'revoked' }]) });

    const message = await waitFor(() => smtp.received.filter((mail) => mail.to.includes(address)).map((mail) => parseMime(mail.raw))
      .find((parsed) => parsed.headers.get('subject')?.endsWith('déprogrammé')), 10_000, 'the déprogrammé email');
    expect(message.headers.get('subject')).toBe('Rendez-vous du lundi 7 décembre 2026 à 09h00 déprogrammé');
    expect(partOfType(message, 'text/plain').body).toContain('À la suite d’une modification du planning');
    expect(icsLines(partOfType(message, 'text/calendar').body)).toEqual(expect.arrayContaining(['METHOD:CANCEL', 'SEQUENCE:1', `UID:rdv-${rdvId}@lapin.localhost`]));
  });

  it('leaves an rdv an agent placed by hand', async () => {
    const plageId = await plage('2026-12-08');
    const online = await bookOnline('2026-12-08T09:00:00+01:00', 'online.0812@example.fr');
    const byAgent = await bookByAgent('2026-12-08T10:00:00+01:00');

    const deleted = await test.call('delete', `/api/v1/plages_ouverture/${plageId}?unschedule_rdvs=true`, { token: f.tokens.mairieAdmin });
    expect(deleted.body).toEqual({ unscheduled_rdv_ids: [online], rdvs_outside_plages: 0 });
    expect(await statusOf(online)).toBe('revoked');
    expect(await statusOf(byAgent)).toBe('unknown');
    expect(await unscheduledEvents(byAgent)).toEqual([]);
  });

  it('leaves an online rdv that another plage of the agent still holds, and revokes those a shortened plage no longer holds', async () => {
    const morning = await plage('2026-12-09');
    await plage('2026-12-09', { start_time: '09:00', end_time: '10:00' });
    const early = await bookOnline('2026-12-09T09:00:00+01:00', 'early.0912@example.fr');
    const late = await bookOnline('2026-12-09T11:00:00+01:00', 'late.0912@example.fr');

    const deleted = await test.call('delete', `/api/v1/plages_ouverture/${morning}?unschedule_rdvs=true`, { token: f.tokens.mairieAdmin });
    expect(deleted.body).toEqual({ unscheduled_rdv_ids: [late], rdvs_outside_plages: 0 });
    expect(await statusOf(early)).toBe('unknown');
    expect(await statusOf(late)).toBe('revoked');

    // A plage shortened by PATCH: the rdv after its new end goes, the one before stays.
    const shortened = await plage('2026-12-10');
    const kept = await bookOnline('2026-12-10T09:00:00+01:00', 'kept.1012@example.fr');
    const cut = await bookOnline('2026-12-10T11:20:00+01:00', 'cut.1012@example.fr');
    const patched = await test.call('patch', `/api/v1/plages_ouverture/${shortened}?unschedule_rdvs=true`, { token: f.tokens.mairieAdmin, body: { end_time: '10:00' } });
    expectStatus(patched, 200);
    expect(patched.body).toMatchObject({ id: shortened, end_time: '10:00', unscheduled_rdv_ids: [cut], rdvs_outside_plages: 0 });
    expect(await statusOf(kept)).toBe('unknown');
    expect((await unscheduledEvents(cut)).map((event) => event.payload.status)).toEqual(['revoked']);
  });

  it('without the flag, revokes nothing and answers how many online rdvs are left outside every plage', async () => {
    const plageId = await plage('2026-12-11');
    const first = await bookOnline('2026-12-11T09:00:00+01:00', 'first.1112@example.fr');
    const second = await bookOnline('2026-12-11T11:00:00+01:00', 'second.1112@example.fr');

    const patched = await test.call('patch', `/api/v1/plages_ouverture/${plageId}`, { token: f.tokens.mairieAdmin, body: { end_time: '10:00' } });
    expectStatus(patched, 200);
    expect(patched.body).toMatchObject({ end_time: '10:00', unscheduled_rdv_ids: [], rdvs_outside_plages: 1 });
    expectProblem(await test.call('delete', `/api/v1/plages_ouverture/${plageId}?unschedule_rdvs=yes`, { token: f.tokens.mairieAdmin }), 400);

    const deleted = await test.call('delete', `/api/v1/plages_ouverture/${plageId}?unschedule_rdvs=false`, { token: f.tokens.mairieAdmin });
    expectStatus(deleted, 200);
    expect(deleted.body).toEqual({ unscheduled_rdv_ids: [], rdvs_outside_plages: 1 });
    expect(await test.sql(`SELECT id FROM plages_ouverture WHERE id = $1`, [plageId])).toEqual([]);
    expect([await statusOf(first), await statusOf(second)]).toEqual(['unknown', 'unknown']);
    expect([...await unscheduledEvents(first), ...await unscheduledEvents(second)]).toEqual([]);
  });

  it("answers 404 to another organisation's member and changes nothing", async () => {
    const plageId = await plage('2026-12-14');
    const rdvId = await bookOnline('2026-12-14T09:00:00+01:00', 'elise.1412@example.fr');

    expectProblem(await test.call('delete', `/api/v1/plages_ouverture/${plageId}?unschedule_rdvs=true`, { token: f.tokens.ccasAdmin }), 404);
    expectProblem(await test.call('patch', `/api/v1/plages_ouverture/${plageId}?unschedule_rdvs=true`, { token: f.tokens.ccasAdmin, body: { end_time: '09:30' } }), 404);
    expect(await test.sql(`SELECT end_time FROM plages_ouverture WHERE id = $1`, [plageId])).toEqual([{ end_time: '12:00' }]);
    expect(await statusOf(rdvId)).toBe('unknown');
  });
});
