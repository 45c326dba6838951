/**
 * What the ANTS and Outlook plugins keep about people, under the RGPD job (the clock moved
 * years ahead) and the removals that go before it: ANTS pré-demande numbers go with their
 * rdv, or with their usager's anonymisation (withdrawn at ANTS first when still to come);
 * Outlook events of deleted rdvs go, and a removed agent's connection is disconnected
 * (events deleted from the calendar, then tokens and account identity forgotten). The
 * preview's counts are what each run removes.
 */
import { DateTime } from 'luxon';
import { runRetention } from '../../../platform/src/retention/jobs';
import { dropQueueKeys, pipelineConfig, RunningPipeline, waitFor } from '../../support/events';
import { FakeAnts } from '../../support/fake-ants';
import { FakeMicrosoft } from '../../support/fake-microsoft';
import { TestPlatform } from '../../support/platform';
import { bookingFixture, BookingFixture, expectStatus, NOW } from '../booking/helpers';

const ANNE = 'agent.etatcivil@demo.test';
const HUGO = 'agent.urbanisme@demo.test';
const FIELD = 'ants_pre_demande_number';

const after = (duration: Record<string, number>, from: Date) => DateTime.fromJSDate(from, { zone: 'utc' }).plus(duration).toJSDate();

describe(`RGPD retention of the ANTS and Outlook plugins (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let test: TestPlatform;
  let ants: FakeAnts;
  let microsoft: FakeMicrosoft;
  let running: RunningPipeline;
  let f: BookingFixture;
  /** Lou's CNI rdv with Anne on Tuesday 1 December 2026 at 09:00 in Paris, Sam's on Thursday 3 December at 10:00. */
  let lousRdv: string;
  let samsRdv: string;
  /** Noa's rdv to come, with Anne on Wednesday 2 December. */
  let noasRdv: string;
  const lousStart = new Date('2026-12-01T08:00:00Z');
  const samsStart = new Date('2026-12-03T09:00:00Z');

  const pipelineIdle = () => waitFor('the pipeline idle', async () => (await test.sql(
    `SELECT (SELECT count(*) FROM outbox_events e WHERE NOT EXISTS (SELECT 1 FROM consumer_receipts r WHERE r.event_id = e.id))
          + (SELECT count(*) FROM consumer_receipts WHERE status = 'pending')
          + (SELECT count(*) FROM ants_rdv_syncs WHERE status = 'pending' OR leased_until IS NOT NULL)
          + (SELECT count(*) FROM outlook_rdv_syncs WHERE done < requested OR leased_until IS NOT NULL)
          + (SELECT count(*) FROM outlook_connections WHERE status = 'disconnecting') AS busy`,
  ))[0].busy == 0);

  beforeAll(async () => {
    ants = await FakeAnts.start();
    microsoft = await FakeMicrosoft.start();
    test = await TestPlatform.start({ now: NOW, config: { ...pipelineConfig(), env: { ...microsoft.env, ANTS_HUB_AUTH_TOKEN: 'hub-token-for-the-tests-0123456789' } } });
    f = await bookingFixture(test);
    running = await RunningPipeline.start(test);
    expectStatus(await test.call('put', '/api/v1/territories/current/config/plugins.ants', {
      token: f.tokens.territorialAdmin, body: { enabled: true, config: { api_url: ants.url, check_numbers: true } },
    }), 200);
    expectStatus(await test.call('put', '/api/v1/plugins/ants/api_token', { token: f.tokens.territorialAdmin, body: { token: ants.token } }), 204);
    expectStatus(await test.call('put', '/api/v1/territories/current/config/plugins.outlook', {
      token: f.tokens.territorialAdmin, body: { enabled: true, config: {} },
    }), 200);
    for (const [email, name] of [[ANNE, 'Anne (Outlook)'], [HUGO, 'Hugo (Outlook)']]) {
      microsoft.addAccount({ email, name });
      microsoft.chooseAccount(email);
      await connect(await test.signIn(email));
    }
    microsoft.chooseAccount(null);
    lousRdv = await cniRdv('LOU0000001', '2026-12-01T09:00:00+01:00');
    samsRdv = await cniRdv('SAM0000001', '2026-12-03T10:00:00+01:00');
    await waitFor('both declared to ANTS', () => ants.declaredFor('LOU0000001').length === 1 && ants.declaredFor('SAM0000001').length === 1);
    await waitFor('both in Anne\'s calendar', async () => (await eventRows(f.basicEtatCivil)).length === 2);
    await pipelineIdle();
  });
  afterAll(async () => {
    await pipelineIdle();
    await running?.stop();
    if (test) await dropQueueKeys(test.platform.config);
    await test?.stop();
    await ants?.stop();
    await microsoft?.stop();
  });

  /** Follows one redirect without going there; answers where it points. */
  const follow = async (url: string) => {
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return response.headers.get('location')!;
  };
  async function connect(token: string): Promise<void> {
    const started = await test.call('post', '/api/v1/plugins/outlook/connection', { token });
    expectStatus(started, 200);
    expect(await follow(await follow(started.body.authorize_url))).toBe(`${test.baseUrl}/admin/account?outlook=connected`);
  }

  /** The mairie's admin, signed in at the clock's time (a session ends 30 minutes after its last use). */
  const admin = () => test.signIn('admin.mairie@demo.test');

  async function usager(number: string): Promise<string> {
    ants.setStatus(number, 'validated');
    const created = await test.call('post', `/api/v1/organisations/${f.mairie}/users`, {
      token: await admin(), body: { first_name: 'Usager', last_name: number, custom_fields: { [FIELD]: number } },
    });
    expectStatus(created, 201);
    return created.body.id;
  }
  async function cniRdv(number: string, startsAt: string, userId?: string): Promise<string> {
    const booked = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: await admin(),
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: [userId ?? await usager(number)], force: true },
    });
    expectStatus(booked, 201);
    return booked.body.id;
  }

  const antsRows = async () => (await test.sql(`SELECT application_id FROM ants_appointments ORDER BY application_id`)).map((row) => row.application_id);
  const eventRows = async (agentId: string) => (await test.sql(`SELECT rdv_id::text AS rdv_id FROM outlook_events WHERE agent_id = $1 ORDER BY rdv_id`, [agentId]))
    .map((row) => row.rdv_id);
  const calendar = (email: string, rdvId: string) => microsoft.events(email).filter((event) => event.body.content.includes(`/admin/rdvs/${rdvId}`));
  const connection = async (agentId: string) => (await test.sql(`SELECT status, account_email, account_name FROM outlook_connections WHERE agent_id = $1`, [agentId]))[0];
  const tokens = async (agentId: string) => (await test.sql(`SELECT name FROM plugin_secrets WHERE plugin = 'outlook' AND name LIKE '%' || $1 || '%'`, [agentId])).length;

  /** Moves the clock, reads the preview, runs the job: it does what the preview said. */
  async function runAt(at: Date): Promise<Record<string, number>> {
    await pipelineIdle();
    test.clock.set(at);
    const token = await test.signIn('territoire@demo.test');
    const response = await test.call('get', '/api/v1/territories/current/retention', { token });
    expectStatus(response, 200);
    const announced = Object.fromEntries(response.body.kinds.map(({ kind, count }: { kind: string; count: number }) => [kind, count]));
    const done = await runRetention(test.platform, at);
    expect(done).toEqual(announced);
    return done;
  }

  it('withdraws from ANTS, then forgets, the numbers of an usager anonymised; past ones are forgotten at once', async () => {
    const noa = await usager('NOA0000001');
    await cniRdv('NOA0000001', '2026-11-30T10:00:00+01:00', noa);
    noasRdv = await cniRdv('NOA0000001', '2026-12-02T09:00:00+01:00', noa);
    await waitFor('both declared', () => ants.declaredFor('NOA0000001').length === 2);
    await pipelineIdle();
    // The first one took place: ANTS keeps it as its history.
    test.clock.set(new Date('2026-11-30T09:30:00Z'));

    expect((await test.call('delete', `/api/v1/users/${noa}`, { token: await admin() })).status).toBe(204);
    expect(await test.sql(`SELECT rdv_id::text AS rdv_id FROM ants_appointments WHERE user_id = $1`, [noa])).toEqual([{ rdv_id: noasRdv }]);
    // ANTS keeps the past one as its history; the one to come is withdrawn.
    await waitFor('the withdrawal at ANTS', () => ants.declaredFor('NOA0000001').length === 1);
    expect(ants.declaredFor('NOA0000001')).toEqual(['2026-11-30 10:00:00 @ Hôtel de ville']);
    await pipelineIdle();
    expect(await test.sql(`SELECT 1 FROM ants_appointments WHERE user_id = $1`, [noa])).toEqual([]);
    expect(ants.callsTo('DELETE /api/appointments').filter((call) => call.params.application_id[0] === 'NOA0000001').map((call) => call.params.appointment_date[0]))
      .toEqual(['2026-12-02 09:00:00']);
    test.clock.set(NOW);
  });

  it('disconnects the Outlook of an agent an admin removes: events deleted, then tokens and account forgotten', async () => {
    const booked = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: await admin(),
      body: { motif_id: f.permis, lieu_id: f.hotelDeVille, starts_at: '2026-11-30T14:00:00+01:00', agent_ids: [f.basicUrbanisme], user_ids: [f.camille], force: true },
    });
    expectStatus(booked, 201);
    await waitFor('the event in Hugo\'s calendar', () => calendar(HUGO, booked.body.id).length === 1);
    await pipelineIdle();
    expect(await tokens(f.basicUrbanisme)).toBeGreaterThan(0);
    test.clock.set(new Date('2026-11-30T15:00:00Z'));

    expectStatus(await test.call('delete', `/api/v1/agents/${f.basicUrbanisme}?organisation_id=${f.mairie}`, { token: await admin() }), 204);
    expect(await connection(f.basicUrbanisme)).toEqual({ status: 'disconnecting', account_email: null, account_name: null });
    await waitFor('the connection forgotten', async () => (await connection(f.basicUrbanisme)) === undefined);
    expect(calendar(HUGO, booked.body.id)).toEqual([]);
    expect(await eventRows(f.basicUrbanisme)).toEqual([]);
    expect(await tokens(f.basicUrbanisme)).toBe(0);
    expect(await test.sql(`SELECT 1 FROM outlook_sign_ins WHERE agent_id = $1`, [f.basicUrbanisme])).toEqual([]);
    test.clock.set(NOW);
  });

  it('deletes the ANTS numbers with their rdv 2 years after it starts, not a day before, asking ANTS nothing', async () => {
    const withdrawals = ants.callsTo('DELETE /api/appointments').length;
    const early = await runAt(after({ months: 24, days: -1, minutes: 1 }, lousStart));
    expect(early).toMatchObject({ ants_appointments: 0, outlook_events: 0 });
    expect(await antsRows()).toEqual(['LOU0000001', 'SAM0000001']);

    const due = await runAt(after({ months: 24, minutes: 1 }, lousStart));
    expect(due).toMatchObject({ ants_appointments: 1, outlook_events: 0 });
    expect(await antsRows()).toEqual(['SAM0000001']);
    expect(ants.callsTo('DELETE /api/appointments')).toHaveLength(withdrawals);
    expect(ants.declaredFor('LOU0000001')).toHaveLength(1);
  });

  it('has the events of deleted rdvs deleted from a connected agent\'s calendar, and their rows with them', async () => {
    // Anne is connected: the sync of Lou's deleted rdv deletes its event, then its row.
    await pipelineIdle();
    expect(calendar(ANNE, lousRdv)).toEqual([]);
    expect(await eventRows(f.basicEtatCivil)).toEqual([samsRdv, noasRdv].sort());
    expect(calendar(ANNE, samsRdv)).toHaveLength(1);
  });

  it('deletes the rows of an agent no longer connected at the next run, and disconnects the agent the job removes', async () => {
    // Anne's connection revoked: the sync of Sam's deleted rdv cannot reach her calendar.
    microsoft.revoke(ANNE);
    const samsRun = await runAt(after({ months: 24, minutes: 1 }, samsStart));
    expect(samsRun).toMatchObject({ ants_appointments: 1, outlook_events: 0 });
    expect(await antsRows()).toEqual([]);
    await pipelineIdle();
    expect((await connection(f.basicEtatCivil)).status).toBe('reconnect');
    expect(await eventRows(f.basicEtatCivil)).toEqual([samsRdv, noasRdv].sort());

    // Notified at that run, Anne is removed 30 days later, her calendar's last rows with her.
    const removal = await runAt(after({ months: 24, days: 31 }, samsStart));
    expect(removal).toMatchObject({ outlook_events: 2 });
    expect(await test.sql(`SELECT email FROM agents WHERE id = $1`, [f.basicEtatCivil])).toEqual([{ email: null }]);
    expect(await eventRows(f.basicEtatCivil)).toEqual([]);
    await waitFor('Anne\'s connection forgotten', async () => (await connection(f.basicEtatCivil)) === undefined);
    expect(await tokens(f.basicEtatCivil)).toBe(0);
  });
});
