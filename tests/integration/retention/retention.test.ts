import { DateTime } from 'luxon';
import { hashToken } from '../../../platform/src/auth/secrets';
import { purgeBookingLeftovers } from '../../../platform/src/booking/holds';
import { devMailbox } from '../../../platform/src/notifications/mail';
import { runRetention } from '../../../platform/src/retention/jobs';
import { dropQueueKeys, pipelineConfig, RunningPipeline, waitFor } from '../../support/events';
import { TestPlatform } from '../../support/platform';
import { Receiver } from '../../support/receiver';
import { BookingFixture, bookingFixture, expectStatus, NOW } from '../booking/helpers';

const SECRET = 'a-shared-secret-of-the-receiver';

/** `NOW` moved by a luxon duration (months and days as the calendar counts them). */
const after = (duration: Record<string, number>, from = NOW) => DateTime.fromJSDate(from, { zone: 'utc' }).plus(duration).toJSDate();

/**
 * The daily RGPD job with the injected clock moved years ahead: each kind handled when due
 * and not a day before, the preview's counts what the run then does, deletions told to
 * webhooks with the reason rgpd, and the usager's copies scrubbed.
 */
describe(`RGPD retention (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let test: TestPlatform;
  let running: RunningPipeline;
  let receiver: Receiver;
  let f: BookingFixture;
  /** Camille's rdv, on Tuesday 1 December 2026 at 09:40 in Paris, and Lou's the same morning at 09:00. */
  let rdvId: string;
  let lousRdvId: string;
  const rdvStart = new Date('2026-12-01T08:40:00Z');

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW, config: pipelineConfig() });
    receiver = await Receiver.start();
    running = await RunningPipeline.start(test);
    f = await bookingFixture(test);
    const endpoint = await test.call('post', `/api/v1/organisations/${f.mairie}/webhook_endpoints`, {
      token: f.tokens.mairieAdmin, body: { target_url: `${receiver.url}/hooks`, secret: SECRET, subscriptions: ['rdv', 'user', 'agent'] },
    });
    expectStatus(endpoint, 201);
    rdvId = await book('2026-12-01T09:40:00+01:00', f.camille);
    // Every agent works at NOW (an agent's activity is their last request; until one, their account's creation).
    for (const token of Object.values(f.tokens)) expectStatus(await test.call('get', '/api/v1/territories/current', { token }), 200);
    await waitFor('the booking email to Camille', async () => (await test.sql(`SELECT 1 FROM notification_receipts WHERE recipient_id = $1 AND status = 'sent'`, [f.camille])).length > 0);
    await waitFor('the rdv event at the webhook', () => receiver.json('/hooks').some((body) => body.meta.model === 'Rdv'));
  });
  afterAll(async () => {
    await running?.stop();
    await receiver?.stop();
    if (test) await dropQueueKeys(test.platform.config);
    await test?.stop();
  });

  async function book(startsAt: string, userId: string): Promise<string> {
    const rdv = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.etatCivil,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: [userId] },
    });
    expectStatus(rdv, 201);
    return rdv.body.id;
  }

  /** The preview a territorial admin reads at the clock's time, as counts per kind. */
  async function preview(): Promise<Record<string, number>> {
    const token = await test.signIn('territoire@demo.test');
    const response = await test.call('get', '/api/v1/territories/current/retention', { token });
    expectStatus(response, 200);
    return Object.fromEntries(response.body.kinds.map(({ kind, count }: { kind: string; count: number }) => [kind, count]));
  }

  /**
   * Moves the clock, reads the preview, runs the job twice at once (two workers, batches of
   * 2): together they do what the preview said, each row once (events already delivered:
   * nothing settles meanwhile).
   */
  async function runAt(at: Date): Promise<Record<string, number>> {
    await waitFor('every event delivered', async () => (await test.sql(
      `SELECT id FROM outbox_events WHERE dispatched_at IS NULL
        UNION ALL SELECT event_id FROM consumer_receipts WHERE status = 'pending'
        UNION ALL SELECT id FROM webhook_deliveries WHERE status = 'pending'`)).length === 0);
    test.clock.set(at);
    const announced = await preview();
    const runs = await Promise.all([runRetention(test.platform, at, 2), runRetention(test.platform, at, 2)]);
    const done = Object.fromEntries(Object.keys(runs[0]).map((kind) => [kind, runs[0][kind] + runs[1][kind]]));
    expect(done).toEqual(announced);
    return done;
  }

  const rgpdWebhooks = (model: string) => receiver.json('/hooks')
    .filter((body) => body.meta.model === model && body.meta.event === 'destroyed' && body.meta.webhook_reason === 'rgpd');

  it('answers the preview to territorial admins only, with the instance periods', async () => {
    const response = await test.call('get', '/api/v1/territories/current/retention', { token: f.tokens.mairieAdmin });
    expect(response.status).toBe(403);
    const token = await test.signIn('territoire@demo.test');
    const allowed = await test.call('get', '/api/v1/territories/current/retention', { token });
    expectStatus(allowed, 200);
    expect(allowed.body.settings).toEqual({
      rdv_months: 24, usager_months: 24, agent_months: 24, agent_notice_days: 30,
      personal_version_months: 12, version_months: 60, receipt_months: 6, event_days: 30,
    });
    expect(allowed.body.kinds.map((kind: { kind: string }) => kind.kind)).toEqual([
      'outbox_events', 'job_failures', 'webhook_deliveries', 'ants_appointments', 'outlook_events', 'rdvs', 'usagers', 'agent_notices', 'agents', 'record_versions', 'notification_receipts',
    ]);
  });

  it('scrubs the copies of an usager\'s data when the fiche is anonymised', async () => {
    const lou = await f.createUser(f.mairie, f.tokens.mairieAdmin, { first_name: 'Lou', last_name: 'Berthelot', email: 'lou.berthelot@example.fr' });
    lousRdvId = await book('2026-12-01T09:00:00+01:00', lou);
    await waitFor('the booking email to Lou', async () => (await test.sql(`SELECT 1 FROM notification_receipts WHERE recipient_id = $1 AND status = 'sent'`, [lou])).length > 0);
    const copies = () => test.sql(`SELECT model, payload FROM outbox_events WHERE payload::text ~ 'Lou|Berthelot|lou\\.berthelot'`);
    expect((await copies()).map((event) => event.model).sort()).toEqual(['rdv', 'user']);
    const receipts = await test.sql(`SELECT id FROM notification_receipts WHERE rdv_id = $1 AND recipient_type = 'user'`, [lousRdvId]);
    const bodies = () => test.sql(`SELECT model, body FROM webhook_deliveries WHERE body ~ 'Lou|Berthelot|lou\\.berthelot'`);
    await waitFor('Lou and her rdv delivered to the webhook', async () => (await bodies()).length === 2);

    expect((await test.call('delete', `/api/v1/users/${lou}`, { token: f.tokens.mairieAdmin })).status).toBe(204);
    expect(await copies()).toEqual([]);
    expect(await test.sql(`SELECT payload FROM outbox_events WHERE model = 'user' AND record_id = $1 ORDER BY id`, [lou]))
      .toEqual([{ payload: { id: lou, organisation_ids: [f.mairie] } }, { payload: { id: lou, organisation_ids: [f.mairie] } }]);
    expect(await test.sql(`SELECT recipient, recipient_id FROM notification_receipts WHERE id = ANY($1::uuid[])`, [receipts.map((receipt) => receipt.id)]))
      .toEqual(receipts.map(() => ({ recipient: 'anonymisé', recipient_id: null })));
    const [rdvCreated] = await test.sql(`SELECT payload FROM outbox_events WHERE model = 'rdv' AND record_id = $1 ORDER BY id LIMIT 1`, [lousRdvId]);
    expect(rdvCreated.payload.participations).toEqual([expect.objectContaining({ user_id: lou, first_name: 'Usager', last_name: 'anonymisé' })]);
    // The webhooks' delivery log too, and the removal goes out with the id and organisations alone.
    expect(await bodies()).toEqual([]);
    await waitFor('the removal delivered', async () => (await test.sql(`SELECT 1 FROM webhook_deliveries WHERE record_id = $1 AND event = 'destroyed' AND status = 'delivered'`, [lou])).length === 1);
    expect(await bodies()).toEqual([]);
    expect(receiver.json('/hooks').filter((body) => body.meta.model === 'User' && body.data.id === lou).map((body) => body.meta.event)).toEqual(['created', 'destroyed']);
    expect(receiver.json('/hooks').find((body) => body.meta.model === 'User' && body.meta.event === 'destroyed' && body.data.id === lou).data).toEqual({ id: lou, organisation_ids: [f.mairie] });
  });

  it('anonymises notification receipts after 6 months, not a day before', async () => {
    const receipts = () => test.sql(`SELECT recipient, recipient_id, anonymised_at FROM notification_receipts WHERE rdv_id = $1`, [rdvId]);
    expect((await runAt(after({ months: 6, days: -1 }))).notification_receipts).toBe(0);
    expect((await receipts()).every((receipt) => receipt.anonymised_at === null && receipt.recipient !== 'anonymisé')).toBe(true);
    const [{ count }] = await test.sql(`SELECT count(*)::int AS count FROM notification_receipts WHERE anonymised_at IS NULL`);
    expect(count).toBeGreaterThanOrEqual((await receipts()).length);
    expect((await runAt(after({ months: 6, minutes: 1 }))).notification_receipts).toBe(count);
    expect(await receipts()).toEqual((await receipts()).map(() => expect.objectContaining({ recipient: 'anonymisé', recipient_id: null })));
    expect(await test.sql(`SELECT id FROM notification_receipts WHERE anonymised_at IS NULL`)).toEqual([]);
  });

  it('deletes the versions of records about people after a year, every other version after 5', async () => {
    const [{ territory_id: territoryId }] = await test.sql(`SELECT territory_id FROM users WHERE id = $1`, [f.camille]);
    await test.sql(`INSERT INTO record_versions (territory_id, model, record_id, event, changes, created_at) VALUES ($1, 'lieu', $2, 'created', '[]', $3)`,
      [territoryId, f.hotelDeVille, NOW]);
    const versions = async (model: string) => (await test.sql(`SELECT count(*)::int AS count FROM record_versions WHERE model = $1 AND created_at <= $2`, [model, NOW]))[0].count;
    const personal = (await versions('user')) + (await versions('rdv'));
    expect(personal).toBeGreaterThanOrEqual(4);
    expect((await runAt(after({ months: 12, days: -1 }))).record_versions).toBe(0);
    expect((await runAt(after({ months: 12, days: 1 }))).record_versions).toBe(personal);
    expect(await versions('user') + await versions('rdv')).toBe(0);
    expect(await versions('lieu')).toBe(1);
  });

  it('tells inactive agents 30 days ahead, then removes them and tells webhooks', async () => {
    // Every agent signed in at NOW (the fixture); Anne (État civil) has Camille's rdv, kept for now; territorial admins are never removed.
    expect((await runAt(after({ months: 24, days: -31 }))).agent_notices).toBe(0);
    const mailbox = devMailbox(test.platform)!;
    mailbox.clear();
    expect((await runAt(after({ months: 24, days: -29 }))).agent_notices).toBe(4);
    const told = mailbox.messages().map((entry) => (entry.message.to as { address: string }).address).sort();
    expect(told).toEqual(['admin.mairie@demo.test', 'agent.urbanisme@demo.test', 'secretariat@demo.test', 'travailleur.social@demo.test']);
    expect(mailbox.messages()[0].message.subject).toBe('Votre compte d’agent sera supprimé faute d’activité');

    expect((await runAt(after({ months: 24 }))).agents).toBe(0);
    const removed = await runAt(after({ months: 24, days: 1, minutes: 1 }));
    expect(removed.agents).toBe(4);
    const agents = await test.sql(`SELECT email, last_name, deleted_at FROM agents WHERE id = ANY($1::uuid[]) ORDER BY id`, [[f.mairieAdmin, f.basicUrbanisme]]);
    expect(agents).toEqual([expect.objectContaining({ email: null, last_name: 'supprimé', deleted_at: expect.any(Date) }), expect.objectContaining({ email: null, last_name: 'supprimé' })]);
    expect((await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'agent.urbanisme@demo.test', password: 'demo-password-2026' } })).status).toBe(401);
    // The mairie's endpoint hears of its three; the CCAS's agent is not the mairie's.
    await waitFor('the agents removed at the webhook', () => rgpdWebhooks('Agent').length === 3);
    expect(rgpdWebhooks('Agent').map((body) => body.data.id).sort()).toEqual([f.mairieAdmin, f.basicUrbanisme, f.secretariat].sort());

    // The same run anonymised the usagers with no rdv, created two years and a day ago.
    expect(removed.usagers).toBe(2);
    await waitFor('the usagers anonymised at the webhook', () => rgpdWebhooks('User').length === 2);
    expect(rgpdWebhooks('User').map((body) => body.data).sort((a, b) => a.id.localeCompare(b.id)))
      .toEqual([f.dominique, f.sacha].sort().map((id) => ({ id, organisation_ids: [f.mairie] })));
  });

  it('deletes an rdv 2 years after it starts, not a day before, and then anonymises its usager everywhere', async () => {
    expect((await runAt(after({ months: 24, days: -1 }, rdvStart))).rdvs).toBe(0);
    expect(await test.sql(`SELECT id FROM rdvs WHERE id = ANY($1::uuid[])`, [[rdvId, lousRdvId]])).toHaveLength(2);
    const done = await runAt(after({ months: 24, minutes: 1 }, rdvStart));
    // Both of Anne's rdvs, Camille (her last rdv gone), and Anne is told in turn.
    expect(done).toMatchObject({ rdvs: 2, usagers: 1, agent_notices: 1 });
    expect(await test.sql(`SELECT id FROM rdvs WHERE id = ANY($1::uuid[])`, [[rdvId, lousRdvId]])).toHaveLength(0);
    await waitFor('the rdv deletions at the webhook', () => rgpdWebhooks('Rdv').length === 2);
    const announced = rgpdWebhooks('Rdv').find((body) => body.data.id === rdvId);
    expect(announced.data).toMatchObject({ id: rdvId, user_ids: [f.camille], participations: [{ user_id: f.camille, status: 'unknown' }] });
    expect(JSON.stringify(announced)).not.toMatch(/Camille|Martin/);

    const [camille] = await test.sql(`SELECT first_name, last_name, email, phone_number, anonymised_at FROM users WHERE id = $1`, [f.camille]);
    expect(camille).toMatchObject({ first_name: 'Usager', last_name: 'anonymisé', email: null, phone_number: null, anonymised_at: expect.any(Date) });
    const copies = await test.sql(`SELECT payload::text AS payload FROM outbox_events WHERE payload::text ~ 'Camille|camille@example|Martin'`);
    expect(copies).toEqual([]);
    // A second run finds nothing left to do (but the events of the first: dispatched by the real clock, years behind the test's).
    expect(await runRetention(test.platform, test.clock.now())).toMatchObject({
      rdvs: 0, usagers: 0, agent_notices: 0, agents: 0, record_versions: 0, notification_receipts: 0, job_failures: 0,
    });
  });

  it('deletes settled webhook deliveries, with the bodies they sent, after 30 days, not a day before', async () => {
    const token = await test.signIn('territoire@demo.test');
    const user = await f.createUser(f.mairie, token, { first_name: 'Noé', last_name: 'Garnier' });
    const delivered = () => test.sql(`SELECT id, updated_at FROM webhook_deliveries WHERE record_id = $1 AND status = 'delivered'`, [user]);
    await waitFor('the new usager delivered to the webhook', async () => (await delivered()).length === 1);
    const [delivery] = await delivered();
    const kept = () => test.sql(`SELECT id FROM webhook_deliveries WHERE id = $1`, [delivery.id]);
    expect((await runAt(after({ days: 29 }, delivery.updated_at))).webhook_deliveries).toBe(0);
    expect(await kept()).toHaveLength(1);
    expect((await runAt(after({ days: 30, seconds: 1 }, delivery.updated_at))).webhook_deliveries).toBeGreaterThanOrEqual(1);
    expect(await kept()).toHaveLength(0);
  });

  it('deletes settled outbox events and job failures after 30 days, not a day before', async () => {
    const token = await test.signIn('territoire@demo.test');
    const lieu = await test.call('post', `/api/v1/organisations/${f.mairie}/lieux`, { token, body: { name: 'Salle des fêtes', address: '1 place du Marché' } });
    expectStatus(lieu, 201);
    const dispatched = () => test.sql(`SELECT id, dispatched_at FROM outbox_events WHERE model = 'lieu' AND record_id = $1 AND dispatched_at IS NOT NULL`, [lieu.body.id]);
    await waitFor('the lieu event dispatched', async () => (await dispatched()).length === 1);
    const [{ id: eventId, dispatched_at: dispatchedAt }] = await dispatched();
    await waitFor('every consumer settled', async () => (await test.sql(`SELECT 1 FROM consumer_receipts WHERE status = 'pending'`)).length === 0);
    const [{ territory_id: territoryId }] = await test.sql(`SELECT territory_id FROM organisations WHERE id = $1`, [f.mairie]);
    const failureAt = after({ days: 1 }, dispatchedAt);
    await test.sql(`INSERT INTO job_failures (territory_id, consumer, job, attempt, final, error, created_at) VALUES ($1, 'plugin-webhooks', 'deliver', 1, false, 'timeout', $2)`,
      [territoryId, failureAt]);
    await runAt(after({ days: 29 }, dispatchedAt));
    expect(await test.sql(`SELECT id FROM outbox_events WHERE id = $1`, [eventId])).toHaveLength(1);
    const done = await runAt(after({ days: 30, seconds: 1 }, dispatchedAt));
    expect(done.outbox_events).toBeGreaterThanOrEqual(1);
    expect(await test.sql(`SELECT id FROM outbox_events WHERE id = $1`, [eventId])).toHaveLength(0);
    expect(await test.sql(`SELECT id FROM job_failures`)).toHaveLength(1);
    expect((await runAt(after({ days: 30, seconds: 1 }, failureAt))).job_failures).toBe(1);
    expect(await test.sql(`SELECT id FROM job_failures`)).toHaveLength(0);
  });

  it('forgets an agent\'s session a day after it ended, with booking\'s other leftovers', async () => {
    const signedInAt = test.clock.now();
    const token = await test.signIn('territoire@demo.test');
    const [{ expires_at: expiresAt }] = await test.sql(`SELECT expires_at FROM api_tokens WHERE token_hash = $1`, [hashToken(token)]);
    expect(expiresAt.getTime()).toBe(signedInAt.getTime() + 12 * 3600_000);
    const sessions = async () => (await test.sql(`SELECT count(*)::int AS count FROM api_tokens WHERE token_hash = $1`, [hashToken(token)]))[0].count;
    test.clock.set(after({ days: 1, minutes: -1 }, expiresAt));
    await purgeBookingLeftovers(test.platform);
    expect(await sessions()).toBe(1);
    test.clock.set(after({ days: 1, minutes: 1 }, expiresAt));
    await purgeBookingLeftovers(test.platform);
    expect(await sessions()).toBe(0);
    expect((await test.call('get', '/api/v1/territories/current', { token })).status).toBe(401);
  });

  it('announced each deletion once, though two runs went at once every time', () => {
    expect([rgpdWebhooks('Agent').length, rgpdWebhooks('User').length, rgpdWebhooks('Rdv').length]).toEqual([3, 3, 2]);
  });
});
