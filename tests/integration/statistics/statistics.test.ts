import { serviceName } from '../../../platform/src/services/catalogue';
import { TestPlatform } from '../../support/platform';
import { expectProblem } from '../foundation/helpers';
import { BookingFixture, bookingFixture, expectStatus, NOW } from '../booking/helpers';

/** Monday 16 November 2026, 10:00 in Paris: the first week's bookings. */
const FIRST_WEEK = new Date('2026-11-16T09:00:00Z');
/** Monday 23 November 2026, 00:30 in Paris, still Sunday in UTC: a booking of the second week in Paris's weeks. */
const JUST_AFTER_MIDNIGHT = new Date('2026-11-22T23:30:00Z');
/** Monday 23 November 2026, 10:00 in Paris. */
const SECOND_WEEK = new Date('2026-11-23T09:00:00Z');

/**
 * Statistics (issue 20): an organisation's and a territory's figures over a period, from
 * rdvs booked at known times (the injected clock), so that every count is known.
 */
describe('statistics', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  const rdv: Record<string, string> = {};

  async function book(key: string, token: string, organisationId: string, body: Record<string, unknown>) {
    const response = await test.call('post', `/api/v1/organisations/${organisationId}/rdvs`, { token, body: { notify: false, force: true, ...body } });
    expectStatus(response, 201);
    rdv[key] = response.body.id;
  }
  async function setStatus(key: string, status: string) {
    expectStatus(await test.call('patch', `/api/v1/rdvs/${rdv[key]}`, { token: f.tokens.mairieAdmin, body: { status } }), 200);
  }
  async function receipt(key: string, event: string, channel: string, status: string, at: string) {
    await test.sql(
      `INSERT INTO notification_receipts (territory_id, dedupe_key, rdv_id, event, channel, recipient_type, recipient, status, created_at)
       VALUES ($1, gen_random_uuid()::text, $2, $3, $4, 'user', 'c*****@example.fr', $5, $6)`,
      [f.territoryId, rdv[key], event, channel, status, at]);
  }

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
    const cni = { motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], user_ids: [f.camille] };
    test.clock.set(FIRST_WEEK);
    await book('seen', f.tokens.mairieAdmin, f.mairie, { ...cni, starts_at: '2026-11-18T09:00:00+01:00' }); // 47 h ahead
    await book('missed', f.tokens.mairieAdmin, f.mairie, { ...cni, starts_at: '2026-11-19T09:00:00+01:00' }); // 71 h ahead
    await book('ccas', f.tokens.ccasAdmin, f.ccas, {
      motif_id: f.accueilSocial, lieu_id: f.maisonSolidarites, agent_ids: [f.ccasAdmin], user_ids: [await f.createUser(f.ccas, f.tokens.ccasAdmin, { first_name: 'Alix', last_name: 'Roux' })], starts_at: '2026-11-20T09:00:00+01:00',
    });
    test.clock.set(JUST_AFTER_MIDNIGHT);
    await book('phone', f.tokens.mairieAdmin, f.mairie, { motif_id: f.permis, agent_ids: [f.basicUrbanisme], user_ids: [f.camille], starts_at: '2026-11-23T14:00:00+01:00' }); // 13.5 h
    test.clock.set(SECOND_WEEK);
    await book('online', f.tokens.mairieAdmin, f.mairie, { ...cni, starts_at: '2026-12-02T09:00:00+01:00' }); // 215 h
    await book('cancelled', f.tokens.mairieAdmin, f.mairie, { ...cni, starts_at: '2026-12-03T09:00:00+01:00' }); // 239 h
    // The usager booked this one themselves.
    await test.sql(`UPDATE rdvs SET created_by = 'user', created_by_agent_id = NULL WHERE id = $1`, [rdv.online]);
    await setStatus('cancelled', 'revoked');
    test.clock.set(NOW);
    await setStatus('seen', 'seen');
    await setStatus('missed', 'noshow');
    await setStatus('phone', 'seen');
    await receipt('seen', 'rdv_created', 'email', 'sent', '2026-11-16T09:00:01Z');
    await receipt('seen', 'rdv_created', 'sms', 'failed', '2026-11-16T09:00:02Z');
    await receipt('missed', 'rdv_created', 'email', 'sent', '2026-11-16T09:00:03Z');
    await receipt('missed', 'rdv_reminder', 'email', 'sent', '2026-11-01T09:00:00Z'); // before the period
    await receipt('ccas', 'rdv_created', 'email', 'sent', '2026-11-16T09:00:04Z');
  });
  afterAll(() => test?.stop());

  const statistics = (path: string, query: string, token: string) => test.call('get', `${path}/statistics?${query}`, { token });
  const PERIOD = 'from=2026-11-16&to=2026-12-06';

  it("counts an organisation's rdvs by status, by week of booking in the territory's weeks, and its past weeks' no-shows", async () => {
    const response = await statistics(`/api/v1/organisations/${f.mairie}`, PERIOD, f.tokens.mairieAdmin);
    expectStatus(response, 200);
    const figures = response.body;
    expect(figures).toMatchObject({ from: '2026-11-16', to: '2026-12-06', timezone: 'Europe/Paris' });
    expect(figures.rdvs_by_status).toEqual({ unknown: 1, seen: 2, noshow: 1, excused: 0, revoked: 1 });
    expect(figures.participations_by_status).toEqual({ unknown: 1, seen: 2, noshow: 1, excused: 0, revoked: 1 });
    // The booking made at 00:30 on Monday in Paris (Sunday in UTC) belongs to the second week.
    expect(figures.created_per_week.by_origin).toEqual([
      { week: '2026-11-16', origin: 'agent', count: 2 },
      { week: '2026-11-23', origin: 'agent', count: 2 },
      { week: '2026-11-23', origin: 'user', count: 1 },
    ]);
    const motifName = async (id: string) => (await test.sql(`SELECT name FROM motifs WHERE id = $1`, [id]))[0].name;
    expect(sortBy(figures.created_per_week.by_motif, 'motif_name')).toEqual(sortBy([
      { week: '2026-11-16', motif_id: f.cni, motif_name: await motifName(f.cni), count: 2 },
      { week: '2026-11-23', motif_id: f.cni, motif_name: await motifName(f.cni), count: 2 },
      { week: '2026-11-23', motif_id: f.permis, motif_name: await motifName(f.permis), count: 1 },
    ], 'motif_name'));
    expect(sortBy(figures.created_per_week.by_service, 'service')).toEqual(sortBy([
      { week: '2026-11-16', service: 'titres_identite', service_name: serviceName('titres_identite'), count: 2 },
      { week: '2026-11-23', service: 'titres_identite', service_name: serviceName('titres_identite'), count: 2 },
      { week: '2026-11-23', service: 'urbanisme', service_name: serviceName('urbanisme'), count: 1 },
    ], 'service'));
    expect(sortBy(figures.created_per_week.by_location_type, 'location_type')).toEqual([
      { week: '2026-11-23', location_type: 'phone', count: 1 },
      { week: '2026-11-16', location_type: 'public_office', count: 2 },
      { week: '2026-11-23', location_type: 'public_office', count: 2 },
    ]);
    // Past rdvs only (the clock's now is Monday 30 November): one no-show out of two due, then none.
    expect(figures.past_per_week).toEqual([
      { week: '2026-11-16', unknown: 0, seen: 1, noshow: 1, excused: 0, revoked: 0, total: 2, noshow_rate: 0.5 },
      { week: '2026-11-23', unknown: 0, seen: 1, noshow: 0, excused: 0, revoked: 0, total: 1, noshow_rate: 0 },
    ]);
    // Booked 13.5, 47, 71, 215 and 239 hours ahead.
    expect(figures.lead_time.average_days).toBe(4.9);
    expect(figures.lead_time.median_days).toBe(3);
    expect(Object.fromEntries(figures.lead_time.buckets.map((bucket: { bucket: string; count: number }) => [bucket.bucket, bucket.count]))).toEqual({
      same_day: 1, up_to_2_days: 2, up_to_7_days: 0, up_to_14_days: 2, up_to_30_days: 0, over_30_days: 0,
    });
    // The CCAS's notification and the one before the period are not counted.
    expect(figures.notifications).toEqual([
      { event: 'rdv_created', channel: 'email', status: 'sent', count: 2 },
      { event: 'rdv_created', channel: 'sms', status: 'failed', count: 1 },
    ]);
    const activity = (agentId: string) => figures.agents.activity.find((row: { agent_id: string }) => row.agent_id === agentId);
    expect(activity(f.basicEtatCivil)).toMatchObject({ rdvs_count: 4, seen_count: 1, noshow_count: 1, created_count: 0 });
    expect(activity(f.basicUrbanisme)).toMatchObject({ rdvs_count: 1, seen_count: 1, noshow_count: 0, created_count: 0 });
    expect(activity(f.mairieAdmin)).toMatchObject({ rdvs_count: 0, created_count: 4 });
    expect(activity(f.ccasAdmin)).toBeUndefined();
    // Anne's and Hugo's plages open motifs to usagers and prescripteurs.
    expect(figures.agents.open_online).toBe(2);
  });

  it('narrows the figures to a motif, an agent or a shorter period', async () => {
    const byMotif = await statistics(`/api/v1/organisations/${f.mairie}`, `${PERIOD}&motif_id=${f.permis}`, f.tokens.mairieAdmin);
    expectStatus(byMotif, 200);
    expect(byMotif.body.rdvs_by_status).toEqual({ unknown: 0, seen: 1, noshow: 0, excused: 0, revoked: 0 });
    const byAgent = await statistics(`/api/v1/organisations/${f.mairie}`, `${PERIOD}&agent_id=${f.basicEtatCivil}`, f.tokens.mairieAdmin);
    expect(byAgent.body.rdvs_by_status).toEqual({ unknown: 1, seen: 1, noshow: 1, excused: 0, revoked: 1 });
    const firstWeek = await statistics(`/api/v1/organisations/${f.mairie}`, 'from=2026-11-16&to=2026-11-22', f.tokens.mairieAdmin);
    expect(firstWeek.body.rdvs_by_status).toEqual({ unknown: 0, seen: 1, noshow: 1, excused: 0, revoked: 0 });
    expect(firstWeek.body.created_per_week.by_origin).toEqual([{ week: '2026-11-16', origin: 'agent', count: 2 }]);
  });

  it("gives territorial admins the territory's figures, every organisation or one", async () => {
    const territory = await statistics('/api/v1/territories/current', PERIOD, f.tokens.territorialAdmin);
    expectStatus(territory, 200);
    expect(territory.body.rdvs_by_status).toEqual({ unknown: 2, seen: 2, noshow: 1, excused: 0, revoked: 1 });
    expect(territory.body.notifications).toEqual([
      { event: 'rdv_created', channel: 'email', status: 'sent', count: 3 },
      { event: 'rdv_created', channel: 'sms', status: 'failed', count: 1 },
    ]);
    const ccasOnly = await statistics('/api/v1/territories/current', `${PERIOD}&organisation_id=${f.ccas}`, f.tokens.territorialAdmin);
    expect(ccasOnly.body.rdvs_by_status).toEqual({ unknown: 1, seen: 0, noshow: 0, excused: 0, revoked: 0 });
    expect(ccasOnly.body.agents.activity.map((row: { agent_id: string }) => row.agent_id)).toContain(f.ccasAdmin);
    expect(ccasOnly.body.agents.activity.map((row: { agent_id: string }) => row.agent_id)).not.toContain(f.basicEtatCivil);
  });

  it('refuses agents who are not admins there, other organisations, and malformed periods', async () => {
    expectProblem(await statistics(`/api/v1/organisations/${f.mairie}`, PERIOD, f.tokens.etatCivil), 403);
    expectProblem(await statistics(`/api/v1/organisations/${f.mairie}`, PERIOD, f.tokens.ccasAdmin), 404);
    expectProblem(await statistics('/api/v1/territories/current', PERIOD, f.tokens.mairieAdmin), 403);
    const other = await test.createTerritory('Autre territoire', 'admin@autre.test');
    expectProblem(await statistics(`/api/v1/organisations/${f.mairie}`, PERIOD, other.token), 404);
    expectProblem(await statistics('/api/v1/territories/current', `${PERIOD}&organisation_id=${f.mairie}`, other.token), 404);
    const reversed = await statistics(`/api/v1/organisations/${f.mairie}`, 'from=2026-12-06&to=2026-11-16', f.tokens.mairieAdmin);
    expectProblem(reversed, 422);
    expect(reversed.body.errors).toEqual([{ path: 'to', message: expect.any(String) }]);
    const malformed = await statistics(`/api/v1/organisations/${f.mairie}`, 'from=16/11/2026', f.tokens.mairieAdmin);
    expectProblem(malformed, 422);
    expect(malformed.body.errors).toEqual([{ path: 'from', message: expect.any(String) }]);
    expectProblem(await statistics(`/api/v1/organisations/${f.mairie}`, 'from=2025-01-01&to=2026-12-06', f.tokens.mairieAdmin), 422);
  });
});

function sortBy<T extends Record<string, any>>(rows: T[], key: string): T[] {
  return [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key])) || a.week.localeCompare(b.week));
}
