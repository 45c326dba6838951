/**
 * ANTS around bookings: the pré-demande number checked before an agent's or an
 * usager's booking commits (against a fake API coordination on 127.0.0.1), and the
 * appointments declared to ANTS following bookings, moves, cancellations and changes
 * of number, retried after a failure; the hub's search of our appointments.
 */
import { bookingFixture, BookingFixture, expectStatus, holdCode, NOW } from '../booking/helpers';
import { TIMEOUT_MESSAGE } from '../../../plugins/ants/check';
import { dropQueueKeys, pipelineConfig, RunningPipeline, waitFor } from '../../support/events';
import { FakeAnts } from '../../support/fake-ants';
import { TestPlatform } from '../../support/platform';

const HUB_TOKEN = 'hub-token-for-the-tests-0123456789';
const FIELD = 'ants_pre_demande_number';

describe(`ANTS bookings and declarations (${process.env.REDIS_URL ? 'BullMQ' : 'in-process queue'})`, () => {
  let test: TestPlatform;
  let ants: FakeAnts;
  let running: RunningPipeline;
  let f: BookingFixture;
  let people = 0;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW, config: { ...pipelineConfig(), env: { ANTS_HUB_AUTH_TOKEN: HUB_TOKEN } } });
    ants = await FakeAnts.start();
    f = await bookingFixture(test);
    running = await RunningPipeline.start(test);
    expectStatus(await test.call('put', '/api/v1/territories/current/config/plugins.ants', {
      token: f.tokens.territorialAdmin, body: { enabled: true, config: { api_url: ants.url, check_numbers: true } },
    }), 200);
    expectStatus(await test.call('put', '/api/v1/plugins/ants/api_token', { token: f.tokens.territorialAdmin, body: { token: ants.token } }), 204);
  });
  afterAll(async () => {
    // Stopping while an event or a sync is in flight leaves the process running (whatever the plugin): let them end.
    await waitFor('the pipeline idle', async () => (await test.sql(
      `SELECT (SELECT count(*) FROM outbox_events e WHERE NOT EXISTS (SELECT 1 FROM consumer_receipts r WHERE r.event_id = e.id))
            + (SELECT count(*) FROM consumer_receipts WHERE status = 'pending')
            + (SELECT count(*) FROM ants_rdv_syncs WHERE status = 'pending' OR leased_until IS NOT NULL) AS busy`,
    ))[0].busy == 0);
    await running.stop();
    await ants.stop();
    await dropQueueKeys(test.platform.config);
    await test.stop();
  });
  afterEach(() => ants.clearFaults());

  async function usager(number?: string): Promise<string> {
    people += 1;
    const created = await test.call('post', `/api/v1/organisations/${f.mairie}/users`, {
      token: f.tokens.mairieAdmin,
      body: { first_name: 'Usager', last_name: `Ants ${people}`, email: `ants${people}@example.fr`, ...(number ? { custom_fields: { [FIELD]: number } } : {}) },
    });
    expectStatus(created, 201);
    return created.body.id;
  }

  const agentBooking = (userIds: string[], startsAt: string, extra: Record<string, unknown> = {}) =>
    test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.mairieAdmin,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: userIds, ...extra },
    });

  const onlineBooking = (number: unknown, startsAt: string, extra: Record<string, unknown> = {}) => {
    people += 1;
    return test.call('post', '/api/public/rdvs', {
      body: {
        motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt,
        user: { first_name: 'Usager', last_name: `En ligne ${people}`, email: `online${people}@example.fr`, custom_fields: { [FIELD]: number } },
        ...extra,
      },
    });
  };

  const rdvCount = async () => (await test.sql(`SELECT count(*)::int AS count FROM rdvs`))[0].count as number;
  const declaredRows = (rdvId: string) => test.sql(`SELECT application_id, appointment_date, meeting_point, management_url FROM ants_appointments WHERE rdv_id = $1 ORDER BY id`, [rdvId]);

  it('asks agents for one distinct, valid number per usager of a CNI rdv, and refuses without writing', async () => {
    const before = await rdvCount();
    const without = await agentBooking([await usager()], '2026-12-01T09:00:00+01:00');
    expect(without.status).toBe(422);
    expect(without.body.errors).toEqual([{ path: 'user_ids.0', message: 'Le numéro de pré-demande ANTS est obligatoire pour ce motif (un par personne)' }]);

    ants.setStatus('SAME000001', 'validated');
    const twice = await agentBooking([await usager('SAME000001'), await usager('same000001')], '2026-12-01T09:00:00+01:00');
    expect(twice.status).toBe(422);
    expect(twice.body.errors).toEqual([{ path: 'user_ids.1', message: 'Ce numéro de pré-demande ANTS est déjà donné pour une autre personne de ce rendez-vous' }]);

    const malformed = await test.call('post', `/api/v1/organisations/${f.mairie}/users`, {
      token: f.tokens.mairieAdmin, body: { first_name: 'Mal', last_name: 'Formé', custom_fields: { [FIELD]: 'ABC-123' } },
    });
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors.map((error: { path: string }) => error.path)).toEqual([`custom_fields.${FIELD}`]);

    const messages: Record<string, string> = {
      consumed: 'correspond à un dossier déjà instruit',
      declared: "n'est pas officiellement reconnu par l'ANTS",
      unknown: "n'est pas reconnu par l'ANTS",
      expired: 'correspond à un dossier expiré',
    };
    for (const [index, status] of (['consumed', 'declared', 'unknown', 'expired'] as const).entries()) {
      const number = `REFUSED00${index}`;
      ants.setStatus(number, status);
      const refused = await agentBooking([await usager(number)], '2026-12-01T09:00:00+01:00');
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([{ path: 'user_ids.0', message: `Le numéro de pré-demande ${number} ${messages[status]}` }]);
    }
    const [statusCall] = ants.callsTo('GET /api/status').slice(-1);
    expect(statusCall).toMatchObject({ token: ants.token, accept: 'application/json', params: { application_ids: ['REFUSED003'], meeting_point_id: [f.hotelDeVille] } });
    expect(await rdvCount()).toBe(before);
  });

  it('warns an agent of an appointment elsewhere, books once confirmed, and declares it to ANTS', async () => {
    ants.setStatus('AGENT00001', 'validated', [{ meeting_point: 'Mairie de Sannois', meeting_point_id: 'sannois-1', appointment_date: '2026-12-10 10:00:00', management_url: 'https://sannois.example/rdv/42' }]);
    const camille = await usager('agent00001');
    const [stored] = await test.sql(`SELECT custom_fields FROM users WHERE id = $1`, [camille]);
    expect(stored.custom_fields[FIELD]).toBe('AGENT00001');

    const warned = await agentBooking([camille], '2026-12-01T09:20:00+01:00');
    expect(warned.status).toBe(409);
    expect(warned.body.errors).toEqual([{ path: 'user_ids.0', message: expect.stringContaining('Mairie de Sannois') }]);
    expect(warned.body.errors[0].message).toContain('https://sannois.example/rdv/42');
    const booked = await agentBooking([camille], '2026-12-01T09:20:00+01:00', { force: true });
    expectStatus(booked, 201);

    await waitFor('the declaration', () => ants.declaredFor('AGENT00001').length === 1);
    expect(ants.declaredFor('AGENT00001')).toEqual(['2026-12-01 09:20:00 @ Hôtel de ville']);
    const [post] = ants.callsTo('POST /api/appointments').filter((call) => call.params.application_id[0] === 'AGENT00001');
    expect(post.params).toEqual({
      application_id: ['AGENT00001'], meeting_point_id: [f.hotelDeVille], meeting_point: ['Hôtel de ville'],
      appointment_date: ['2026-12-01 09:20:00'], management_url: [expect.stringMatching(new RegExp(`^${test.baseUrl}/public/rdvs/[A-Za-z0-9_-]+$`))],
    });
    expect(post.token).toBe(ants.token);
    await waitFor('the record', async () => (await declaredRows(booked.body.id)).length === 1);

    // Changing another field of the rdv asks ANTS nothing.
    const statusCalls = ants.callsTo('GET /api/status').length;
    expectStatus(await test.call('patch', `/api/v1/rdvs/${booked.body.id}`, { token: f.tokens.mairieAdmin, body: { context: 'Dossier complet' } }), 200);
    expect(ants.callsTo('GET /api/status')).toHaveLength(statusCalls);
  });

  it('follows a move, a change of number and a cancellation, withdrawing before declaring', async () => {
    ants.setStatus('MOVE000001', 'validated');
    ants.setStatus('MOVE000002', 'validated');
    const sacha = await usager('MOVE000001');
    const booked = await agentBooking([sacha], '2026-12-02T10:00:00+01:00');
    expectStatus(booked, 201);
    await waitFor('the declaration', () => ants.declaredFor('MOVE000001').length === 1);

    // Its own appointment is no warning when the rdv moves.
    const moved = await test.call('patch', `/api/v1/rdvs/${booked.body.id}`, { token: f.tokens.mairieAdmin, body: { starts_at: '2026-12-03T11:00:00+01:00' } });
    expectStatus(moved, 200);
    await waitFor('the move', () => ants.declaredFor('MOVE000001')[0] === '2026-12-03 11:00:00 @ Hôtel de ville');
    expect(ants.declaredFor('MOVE000001')).toHaveLength(1);
    const calls = ants.calls.filter((call) => call.path === '/api/appointments' && call.params.application_id[0] === 'MOVE000001').map((call) => `${call.method} ${call.params.appointment_date[0]}`);
    expect(calls).toEqual(['POST 2026-12-02 10:00:00', 'DELETE 2026-12-02 10:00:00', 'POST 2026-12-03 11:00:00']);

    expectStatus(await test.call('patch', `/api/v1/users/${sacha}`, { token: f.tokens.mairieAdmin, body: { custom_fields: { [FIELD]: 'move000002' } } }), 200);
    await waitFor('the new number', () => ants.declaredFor('MOVE000002').length === 1 && ants.declaredFor('MOVE000001').length === 0);
    expect(ants.declaredFor('MOVE000002')).toEqual(['2026-12-03 11:00:00 @ Hôtel de ville']);

    expectStatus(await test.call('patch', `/api/v1/rdvs/${booked.body.id}`, { token: f.tokens.mairieAdmin, body: { status: 'excused' } }), 200);
    await waitFor('the withdrawal', () => ants.declaredFor('MOVE000002').length === 0);
    await waitFor('the record', async () => (await declaredRows(booked.body.id)).length === 0);
  });

  it('declares again after a 500 from ANTS, and keeps the failure for admins', async () => {
    ants.setStatus('RETRY00001', 'validated');
    ants.fail({ on: 'POST /api/appointments', status: 500, body: 'database is down' });
    const booked = await agentBooking([await usager('RETRY00001')], '2026-12-04T09:00:00+01:00');
    expectStatus(booked, 201);
    await waitFor('the declaration', () => ants.declaredFor('RETRY00001').length === 1);
    expect(ants.callsTo('POST /api/appointments').filter((call) => call.params.application_id[0] === 'RETRY00001')).toHaveLength(2);
    const failures = await test.call('get', '/api/v1/plugins/ants/failures', { token: f.tokens.territorialAdmin });
    expectStatus(failures, 200);
    expect(failures.body.data.map((failure: { error: string }) => failure.error)).toContainEqual(expect.stringContaining('ANTS answered HTTP 500'));
  });

  it('gives an rdv up after 8 failed attempts, and tries it again once the token is saved anew', async () => {
    ants.setStatus('GIVENUP001', 'validated');
    ants.fail({ on: 'POST /api/appointments', status: 503, times: 8 });
    const booked = await agentBooking([await usager('GIVENUP001')], '2026-12-04T09:40:00+01:00');
    expectStatus(booked, 201);
    const syncState = async () => (await test.sql(`SELECT status, last_error FROM ants_rdv_syncs WHERE rdv_id = $1`, [booked.body.id]))[0];
    await waitFor('the given-up sync', async () => (await syncState())?.status === 'failed');
    expect((await syncState()).last_error).toContain('ANTS answered HTTP 503');
    expect(ants.declaredFor('GIVENUP001')).toEqual([]);
    expect(ants.callsTo('POST /api/appointments').filter((call) => call.params.application_id[0] === 'GIVENUP001')).toHaveLength(8);

    expectStatus(await test.call('put', '/api/v1/plugins/ants/api_token', { token: f.tokens.territorialAdmin, body: { token: ants.token } }), 204);
    await waitFor('the declaration', () => ants.declaredFor('GIVENUP001').length === 1);
    await waitFor('the sync done', async () => (await syncState()).status === 'done');
  });

  it('syncs, on recovery, an rdv whose job was lost with a process', async () => {
    ants.setStatus('RECOVER001', 'validated');
    const booked = await agentBooking([await usager('RECOVER001')], '2026-12-04T10:00:00+01:00');
    expectStatus(booked, 201);
    await waitFor('the declaration', () => ants.declaredFor('RECOVER001').length === 1);
    await waitFor('the sync done', async () => (await test.sql(`SELECT status FROM ants_rdv_syncs WHERE rdv_id = $1`, [booked.body.id]))[0]?.status === 'done');
    // What a process that stopped after the event, before the job, leaves: the rdv cancelled, its sync asked and pending.
    await test.sql(`UPDATE rdvs SET status = 'excused' WHERE id = $1`, [booked.body.id]);
    await test.sql(`UPDATE ants_rdv_syncs SET status = 'pending', generation = generation + 1 WHERE rdv_id = $1`, [booked.body.id]);
    await running.pipeline.recover(0);
    await waitFor('the withdrawal', () => ants.declaredFor('RECOVER001').length === 0);
  });

  it('checks an online booking: the number upper-cased, statuses refused at the field, a warning to accept', async () => {
    const before = await rdvCount();
    const malformed = await onlineBooking('ABC', '2026-12-07T09:00:00+01:00');
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors.map((error: { path: string }) => error.path)).toEqual([`user.custom_fields.${FIELD}`]);
    const missing = await onlineBooking(undefined, '2026-12-07T09:00:00+01:00');
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([{ path: `user.custom_fields.${FIELD}`, message: 'Le numéro de pré-demande ANTS est obligatoire pour ce motif (un par personne)' }]);

    ants.setStatus('ONLINE0001', 'consumed');
    const consumed = await onlineBooking('online0001', '2026-12-07T09:00:00+01:00');
    expect(consumed.status).toBe(422);
    expect(consumed.body.errors).toEqual([{ path: `user.custom_fields.${FIELD}`, message: 'Le numéro de pré-demande ONLINE0001 correspond à un dossier déjà instruit' }]);
    expect(await rdvCount()).toBe(before);

    ants.setStatus('ONLINE0002', 'validated', [{ meeting_point: 'Mairie de Sannois', meeting_point_id: 'x', appointment_date: '2026-12-10 10:00:00', management_url: 'https://sannois.example/rdv/7' }]);
    const warned = await onlineBooking('online0002', '2026-12-07T09:00:00+01:00');
    expect(warned.status).toBe(409);
    expect(warned.body.errors).toEqual([{ path: `user.custom_fields.${FIELD}`, message: expect.stringContaining('https://sannois.example/rdv/7') }]);
    const held = await onlineBooking('online0002', '2026-12-07T09:00:00+01:00', { accept_warnings: true });
    expectStatus(held, 202);
    const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code: await holdCode(test, held.body.id) } });
    expectStatus(confirmed, 200);
    await waitFor('the declaration', () => ants.declaredFor('ONLINE0002').length === 1);
    expect(ants.declaredFor('ONLINE0002')).toEqual(['2026-12-07 09:00:00 @ Hôtel de ville']);
  });

  it('refuses an online booking with 503 when ANTS is slow or failing, and writes nothing', async () => {
    ants.setStatus('SLOWANTS01', 'validated');
    const before = await rdvCount();
    const holds = async () => (await test.sql(`SELECT count(*)::int AS count FROM rdv_holds`))[0].count as number;
    const holdsBefore = await holds();
    ants.fail({ on: 'GET /api/status', delayMs: 5_000 });
    const slow = await onlineBooking('SLOWANTS01', '2026-12-07T09:20:00+01:00');
    expect(slow.status).toBe(503);
    expect(slow.body.detail).toBe(TIMEOUT_MESSAGE);
    for (const status of [500, 401, 429]) {
      ants.fail({ on: 'GET /api/status', status });
      const failing = await onlineBooking('SLOWANTS01', '2026-12-07T09:20:00+01:00');
      expect(failing.status).toBe(503);
      expect(failing.body.detail).toBe(TIMEOUT_MESSAGE);
    }
    expect(await rdvCount()).toBe(before);
    expect(await holds()).toBe(holdsBefore);
  });

  it('answers the hub which appointments we hold for each number', async () => {
    ants.setStatus('SEARCH0001', 'validated');
    const booked = await agentBooking([await usager('SEARCH0001')], '2026-12-08T09:40:00+01:00');
    expectStatus(booked, 201);
    await waitFor('the record', async () => (await declaredRows(booked.body.id)).length === 1);
    const [row] = await declaredRows(booked.body.id);
    const search = await test.call('get', '/api/ants/searchApplicationIds?application_ids=SEARCH0001&application_ids=search0001&application_ids=NOBODY0000&application_ids=bad', {
      headers: { 'x-hub-rdv-auth-token': HUB_TOKEN },
    });
    expectStatus(search, 200);
    const appointment = { meeting_point: 'Hôtel de ville', datetime: '2026-12-08T09:40:00+01:00', management_url: row.management_url, cancel_url: row.management_url };
    expect(search.body).toEqual({ SEARCH0001: [appointment], search0001: [appointment], NOBODY0000: [], bad: [] });
  });
});
