/**
 * Outlook 365 through the platform, against a fake Microsoft identity platform and Graph
 * on 127.0.0.1: agents connect from « Mon compte », their rdvs (booked by anyone, online
 * too) appear in their calendar without usager data and follow moves, cancellations and
 * changes of agents; tokens are refreshed and rotated, throttling waits what Graph asks,
 * a revoked connection stops that agent only, a lost answer neither loses nor duplicates
 * an event; disconnecting removes the events, then the tokens.
 */
import { bookingFixture, BookingFixture, expectStatus, holdCode, NOW } from '../booking/helpers';
import { dropQueueKeys, pipelineConfig, RunningPipeline, waitFor } from '../../support/events';
import { CalendarEvent, FakeMicrosoft } from '../../support/fake-microsoft';
import { TestPlatform } from '../../support/platform';

const ANNE = 'agent.etatcivil@demo.test';
const HUGO = 'agent.urbanisme@demo.test';
const DAY_MS = 24 * 3600_000;

describe(`Outlook 365 sync (${process.env.REDIS_URL ? 'BullMQ' : 'in-process queue'})`, () => {
  let test: TestPlatform;
  let microsoft: FakeMicrosoft;
  let running: RunningPipeline;
  let f: BookingFixture;

  beforeAll(async () => {
    microsoft = await FakeMicrosoft.start();
    test = await TestPlatform.start({ now: NOW, config: { ...pipelineConfig(), env: microsoft.env } });
    f = await bookingFixture(test);
    running = await RunningPipeline.start(test);
    microsoft.addAccount({ email: ANNE, name: 'Anne (Outlook)' });
    microsoft.addAccount({ email: HUGO, name: 'Hugo (Outlook)' });
    expectStatus(await test.call('put', '/api/v1/territories/current/config/plugins.outlook', {
      token: f.tokens.territorialAdmin, body: { enabled: true, config: {}, organisations: { [f.ccas]: { enabled: false } } },
    }), 200);
  });
  afterAll(async () => {
    await pipelineIdle();
    await running.stop();
    await dropQueueKeys(test.platform.config);
    await test.stop();
    await microsoft.stop();
  });
  afterEach(() => {
    microsoft.clearFaults();
    microsoft.chooseAccount(null);
    test.clock.set(NOW);
  });

  /** Every event handled and no sync writing. */
  const pipelineIdle = () => waitFor('the pipeline idle', async () => (await test.sql(
    `SELECT (SELECT count(*) FROM outbox_events e WHERE NOT EXISTS (SELECT 1 FROM consumer_receipts r WHERE r.event_id = e.id))
          + (SELECT count(*) FROM consumer_receipts WHERE status = 'pending')
          + (SELECT count(*) FROM outlook_rdv_syncs WHERE leased_until IS NOT NULL) AS busy`,
  ))[0].busy == 0);

  const state = async (token: string) => {
    const response = await test.call('get', '/api/v1/plugins/outlook/connection', { token });
    expectStatus(response, 200);
    return response.body;
  };

  /** Follows one redirect without going there; answers where it points. */
  const follow = async (url: string) => {
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return response.headers.get('location')!;
  };

  /** The agent clicks « Connecter Outlook », signs in at Microsoft, and lands back on « Mon compte ». */
  async function connect(token: string): Promise<string> {
    const started = await test.call('post', '/api/v1/plugins/outlook/connection', { token });
    expectStatus(started, 200);
    return follow(await follow(started.body.authorize_url));
  }

  const book = async (startsAt: string, agentIds: string[], extra: Record<string, unknown> = {}) => {
    const booked = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.mairieAdmin,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: agentIds, user_ids: [f.camille], force: true, ...extra },
    });
    expectStatus(booked, 201);
    return booked.body.id as string;
  };
  const change = async (rdvId: string, body: Record<string, unknown>) =>
    expectStatus(await test.call('patch', `/api/v1/rdvs/${rdvId}`, { token: f.tokens.mairieAdmin, body: { force: true, ...body } }), 200);

  const link = (rdvId: string) => `${test.baseUrl}/admin/rdvs/${rdvId}`;
  const eventOf = (email: string, rdvId: string): CalendarEvent | undefined =>
    microsoft.events(email).find((event) => event.body.content.includes(link(rdvId)));
  /** The rdv's events handled (its sync asked), then its sync done. */
  const syncDone = async (rdvId: string) => {
    await pipelineIdle();
    await syncedAsAsked(rdvId);
  };
  const syncedAsAsked = (rdvId: string) => waitFor(`rdv ${rdvId} synced`, async () => {
    const [row] = await test.sql(`SELECT requested, done, leased_until FROM outlook_rdv_syncs WHERE rdv_id = $1`, [rdvId]);
    return row && row.done >= row.requested && row.leased_until === null;
  });
  const eventCalls = (email: string, rdvId: string, eventId?: string) => microsoft.calls
    .filter((call) => call.account === email && call.path.startsWith('/me/events'))
    .filter((call) => (call.body?.body?.content ?? '').includes(link(rdvId)) || (eventId && call.path.endsWith(eventId)))
    .map((call) => call.method);

  it('connects an agent through the Microsoft sign-in, with a state bound to them, used once, expiring', async () => {
    expect(await state(f.tokens.etatCivil)).toMatchObject({ available: true, configured: true, status: 'disconnected', account_email: null });
    // The plugin is off for the CCAS: its agent is offered nothing.
    expect(await state(f.tokens.ccasAdmin)).toMatchObject({ available: false, status: 'disconnected' });
    expect((await test.call('post', '/api/v1/plugins/outlook/connection', { token: f.tokens.ccasAdmin })).status).toBe(403);

    const started = await test.call('post', '/api/v1/plugins/outlook/connection', { token: f.tokens.etatCivil });
    expectStatus(started, 200);
    const authorize = new URL(started.body.authorize_url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${microsoft.url}/common/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: microsoft.clientId, response_type: 'code', login_hint: ANNE,
      redirect_uri: `${test.baseUrl}/api/outlook/callback`, scope: expect.stringContaining('offline_access'),
    });
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['Calendars.ReadWrite', 'User.Read']));

    const callback = await follow(started.body.authorize_url);
    expect(callback.startsWith(`${test.baseUrl}/api/outlook/callback?`)).toBe(true);
    expect(await follow(callback)).toBe(`${test.baseUrl}/admin/account?outlook=connected`);
    expect(await state(f.tokens.etatCivil)).toMatchObject({
      status: 'connected', account_email: ANNE, account_name: 'Anne (Outlook)', last_error: null, connected_at: NOW.toISOString(),
    });
    // Another agent sees their own state only.
    expect(await state(f.tokens.urbanisme)).toMatchObject({ status: 'disconnected' });

    // The same callback twice: the state was used.
    expect(await follow(callback)).toBe(`${test.baseUrl}/admin/account?outlook=expired`);
    // A state older than 10 minutes.
    const late = await test.call('post', '/api/v1/plugins/outlook/connection', { token: f.tokens.urbanisme });
    const lateCallback = await follow(late.body.authorize_url);
    test.clock.advance(11 * 60_000);
    expect(await follow(lateCallback)).toBe(`${test.baseUrl}/admin/account?outlook=expired`);
    // The agent refuses at Microsoft.
    microsoft.refuseNextSignIn();
    expect(await connect(f.tokens.urbanisme)).toBe(`${test.baseUrl}/admin/account?outlook=refused`);
    // A state naming nothing.
    const forged = await fetch(`${test.baseUrl}/api/outlook/callback?code=x&state=nonsense`, { redirect: 'manual' });
    expect(forged.status).toBe(400);
    expect(await state(f.tokens.urbanisme)).toMatchObject({ status: 'disconnected' });
  });

  it("writes an agent's rdvs, booked by a colleague or online, with no usager data", async () => {
    const rdvId = await book('2026-12-01T09:00:00+01:00', [f.basicEtatCivil]);
    await waitFor('the event', () => eventOf(ANNE, rdvId) !== undefined);
    const event = eventOf(ANNE, rdvId)!;
    expect(event).toMatchObject({
      subject: "Carte d'identité et passeport",
      start: { dateTime: '2026-12-01T09:00:00', timeZone: 'Europe/Paris' },
      location: { displayName: expect.stringContaining('Hôtel de ville') },
      attendees: [],
      transactionId: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(event.body.contentType).toBe('HTML');
    const text = JSON.stringify(event);
    for (const personal of ['Camille', 'Martin', 'camille@example.fr', '0612345678', '06 12']) expect(text).not.toContain(personal);

    const held = await test.call('post', '/api/public/rdvs', {
      body: {
        motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: '2026-12-02T09:40:00+01:00',
        user: { first_name: 'Dominique', last_name: 'Enligne', email: 'dominique.enligne@example.fr', phone_number: '0698765432' },
      },
    });
    expectStatus(held, 202);
    const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code: await holdCode(test, held.body.id) } });
    expectStatus(confirmed, 200);
    const [{ id: onlineId }] = await test.sql(`SELECT id FROM rdvs WHERE starts_at = '2026-12-02T08:40:00Z'`);
    await waitFor('the online event', () => eventOf(ANNE, onlineId) !== undefined);
    const online = JSON.stringify(eventOf(ANNE, onlineId));
    for (const personal of ['Dominique', 'Enligne', 'dominique.enligne@example.fr', '0698765432']) expect(online).not.toContain(personal);
    expect(await state(f.tokens.etatCivil)).toMatchObject({ status: 'connected', last_success_at: NOW.toISOString(), last_error: null });
  });

  it('patches a moved rdv, leaves an unchanged one alone, deletes a cancelled one and one its agent left, in order', async () => {
    expect(await connect(f.tokens.urbanisme)).toBe(`${test.baseUrl}/admin/account?outlook=connected`);
    const rdvId = await book('2026-12-03T10:00:00+01:00', [f.basicEtatCivil, f.basicUrbanisme]);
    await waitFor('both events', () => Boolean(eventOf(ANNE, rdvId) && eventOf(HUGO, rdvId)));
    const annes = eventOf(ANNE, rdvId)!.id;

    await change(rdvId, { starts_at: '2026-12-03T11:00:00+01:00' });
    await waitFor('the move', () => eventOf(ANNE, rdvId)?.start.dateTime === '2026-12-03T11:00:00' && eventOf(HUGO, rdvId)?.start.dateTime === '2026-12-03T11:00:00');
    expect(eventOf(ANNE, rdvId)!.id).toBe(annes);
    expect(microsoft.events(ANNE).filter((event) => event.body.content.includes(link(rdvId)))).toHaveLength(1);

    // A change Outlook does not show (the context) writes nothing.
    await change(rdvId, { context: 'Dossier complet' });
    await syncDone(rdvId);
    expect(eventCalls(ANNE, rdvId, annes)).toEqual(['POST', 'PATCH']);

    await change(rdvId, { agent_ids: [f.basicUrbanisme] });
    await waitFor('the event of the agent who left deleted', () => eventOf(ANNE, rdvId) === undefined);
    expect(eventOf(HUGO, rdvId)).toBeDefined();
    expect(eventCalls(ANNE, rdvId, annes)).toEqual(['POST', 'PATCH', 'DELETE']);

    await change(rdvId, { status: 'excused' });
    await waitFor('the cancelled event deleted', () => eventOf(HUGO, rdvId) === undefined);
    await syncDone(rdvId);
    expect(await test.sql(`SELECT agent_id FROM outlook_events WHERE rdv_id = $1`, [rdvId])).toEqual([]);
  });

  it('refreshes an expired access token once, and stores the rotated refresh token', async () => {
    const refreshes = () => microsoft.callsTo('POST /token').filter((call) => call.body?.grant_type === 'refresh_token').length;
    const before = refreshes();
    microsoft.expireAccessTokens(ANNE);
    const first = await book('2026-12-04T09:00:00+01:00', [f.basicEtatCivil]);
    await waitFor('the event', () => eventOf(ANNE, first) !== undefined);
    expect(refreshes()).toBe(before + 1);
    expect(microsoft.calls.filter((call) => call.method === 'POST' && call.path === '/me/events' && call.body?.body?.content.includes(link(first))).map((call) => call.account))
      .toEqual([null, ANNE]);

    // The refresh token used is spent: a second expiry works only with the rotated one.
    microsoft.expireAccessTokens(ANNE);
    const second = await book('2026-12-04T09:20:00+01:00', [f.basicEtatCivil]);
    await waitFor('the second event', () => eventOf(ANNE, second) !== undefined);
    expect(refreshes()).toBe(before + 2);
    expect(await state(f.tokens.etatCivil)).toMatchObject({ status: 'connected', last_error: null });
  });

  it('waits what Graph asks on 429 and 503, never less', async () => {
    for (const status of [429, 503]) {
      microsoft.fail({ on: 'POST /me/events', account: ANNE, status, retryAfter: '1' });
      const rdvId = await book(status === 429 ? '2026-12-07T09:00:00+01:00' : '2026-12-07T09:20:00+01:00', [f.basicEtatCivil]);
      await waitFor('the event', () => eventOf(ANNE, rdvId) !== undefined);
      await syncDone(rdvId);
      const posts = microsoft.calls.filter((call) => call.method === 'POST' && call.path === '/me/events' && call.body?.body?.content.includes(link(rdvId)));
      expect(posts).toHaveLength(2);
      expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(1000);
    }
    // The wait was said to the agent while it lasted; the success since clears it.
    expect(await state(f.tokens.etatCivil)).toMatchObject({ last_error: null });
  });

  it('neither loses nor duplicates an event whose answer was lost, and counts a missing event deleted as success', async () => {
    // Graph creates the event, the answer never reaches the worker (as when it dies there).
    microsoft.fail({ on: 'POST /me/events', account: ANNE, loseAnswer: true });
    const rdvId = await book('2026-12-08T09:00:00+01:00', [f.basicEtatCivil]);
    await syncDone(rdvId);
    const written = microsoft.events(ANNE).filter((event) => event.body.content.includes(link(rdvId)));
    expect(written).toHaveLength(1);
    const [row] = await test.sql(`SELECT graph_event_id, transaction_id FROM outlook_events WHERE rdv_id = $1`, [rdvId]);
    expect(row).toEqual({ graph_event_id: written[0].id, transaction_id: written[0].transactionId });
    const creates = microsoft.calls.filter((call) => call.method === 'POST' && call.path === '/me/events' && call.body?.body?.content.includes(link(rdvId)));
    expect(creates.map((call) => call.body!.transactionId)).toEqual([row.transaction_id, row.transaction_id]);

    // The agent deleted it in Outlook; the rdv is cancelled: the 404 is the deletion done.
    microsoft.deleteEvent(ANNE, written[0].id);
    await change(rdvId, { status: 'revoked' });
    await syncDone(rdvId);
    expect(microsoft.callsTo('DELETE /me/events/:id').filter((call) => call.path.endsWith(written[0].id))).toHaveLength(1);
    expect(await test.sql(`SELECT 1 FROM outlook_events WHERE rdv_id = $1`, [rdvId])).toEqual([]);
    expect(await state(f.tokens.etatCivil)).toMatchObject({ status: 'connected', last_error: null });
  });

  it('retries a Graph failure, gives the rdv up after 8 attempts with the error in French for the agent, and writes it on its next change', async () => {
    microsoft.fail({ on: 'POST /me/events', account: ANNE, status: 500, times: 8 });
    const rdvId = await book('2026-12-08T10:00:00+01:00', [f.basicEtatCivil]);
    await syncDone(rdvId);
    expect(eventOf(ANNE, rdvId)).toBeUndefined();
    expect(microsoft.calls.filter((call) => call.method === 'POST' && call.body?.body?.content.includes(link(rdvId)))).toHaveLength(8);
    expect(await state(f.tokens.etatCivil)).toMatchObject({ status: 'connected', last_error: 'Création de l’événement : Microsoft a répondu 500 (InternalServerError)' });
    const failures = await test.call('get', '/api/v1/plugins/outlook/failures', { token: f.tokens.territorialAdmin });
    expect(failures.body.data[0]).toMatchObject({ job: 'sync-rdv', final: true, error: expect.stringContaining('Microsoft a répondu 500') });

    await change(rdvId, { starts_at: '2026-12-08T10:20:00+01:00' });
    await waitFor('the event written on the next change', () => eventOf(ANNE, rdvId)?.start.dateTime === '2026-12-08T10:20:00');
    await syncDone(rdvId);
    expect(await state(f.tokens.etatCivil)).toMatchObject({ last_error: null });
  });

  it('marks a revoked connection « à reconnecter », stops its work only, and resumes once connected again', async () => {
    const gone = await book('2026-12-09T09:00:00+01:00', [f.basicUrbanisme]);
    await waitFor('Hugo’s event', () => eventOf(HUGO, gone) !== undefined);
    await syncDone(gone);
    microsoft.revoke(HUGO);
    const rdvId = await book('2026-12-09T10:00:00+01:00', [f.basicEtatCivil, f.basicUrbanisme]);
    await waitFor('Anne’s event', () => eventOf(ANNE, rdvId) !== undefined);
    await syncDone(rdvId);
    const hugo = await state(f.tokens.urbanisme);
    expect(hugo).toMatchObject({ status: 'reconnect', last_error: expect.stringContaining('reconnectez Outlook') });
    const hugosCalls = microsoft.calls.filter((call) => call.method === 'POST' && call.path === '/me/events').length;

    // Its work stops: another rdv of Hugo, or a cancellation, calls nothing for him.
    const next = await book('2026-12-09T11:00:00+01:00', [f.basicUrbanisme]);
    await syncDone(next);
    await change(gone, { status: 'excused' });
    await syncDone(gone);
    expect(microsoft.calls.filter((call) => call.method === 'POST' && call.path === '/me/events').length).toBe(hugosCalls);
    expect(eventOf(HUGO, gone)).toBeDefined();

    // Connected again: what was missed is written, and what was cancelled meanwhile removed.
    expect(await connect(f.tokens.urbanisme)).toBe(`${test.baseUrl}/admin/account?outlook=connected`);
    await waitFor('Hugo’s events written on reconnection', () => Boolean(eventOf(HUGO, rdvId) && eventOf(HUGO, next)));
    await waitFor('the rdv cancelled meanwhile removed', () => eventOf(HUGO, gone) === undefined);
    expect(await state(f.tokens.urbanisme)).toMatchObject({ status: 'connected', last_error: null });
  });

  it("connecting syncs the agent's rdvs from a month ago on, never cancelled ones", async () => {
    expectStatus(await test.call('delete', '/api/v1/plugins/outlook/connection', { token: f.tokens.urbanisme }), 202);
    await waitFor('Hugo disconnected', async () => (await state(f.tokens.urbanisme)).status === 'disconnected');
    test.clock.set(new Date(NOW.getTime() - 60 * DAY_MS));
    const old = await book('2026-10-20T09:00:00+02:00', [f.basicUrbanisme]);
    const recent = await book('2026-11-10T09:00:00+01:00', [f.basicUrbanisme]);
    const cancelled = await book('2026-11-12T09:00:00+01:00', [f.basicUrbanisme]);
    await change(cancelled, { status: 'excused' });
    test.clock.set(NOW);
    const coming = await book('2026-12-10T09:00:00+01:00', [f.basicUrbanisme]);

    expect(await connect(f.tokens.urbanisme)).toBe(`${test.baseUrl}/admin/account?outlook=connected`);
    await waitFor('the recent and coming events', () => Boolean(eventOf(HUGO, recent) && eventOf(HUGO, coming)));
    await syncDone(coming);
    await syncDone(recent);
    expect(eventOf(HUGO, old)).toBeUndefined();
    expect(eventOf(HUGO, cancelled)).toBeUndefined();
  });

  it('finishes, on recovery, the sync of a worker that died after Graph created the event, without a second one', async () => {
    const rdvId = await book('2026-12-15T09:00:00+01:00', [f.basicEtatCivil]);
    await waitFor('the event', () => eventOf(ANNE, rdvId) !== undefined);
    await syncDone(rdvId);
    const created = eventOf(ANNE, rdvId)!;
    // What a worker dying there leaves: the create sent and not recorded, the sync asked, its lease held a moment more.
    await test.sql(`UPDATE outlook_events SET graph_event_id = NULL, fingerprint = NULL WHERE rdv_id = $1`, [rdvId]);
    await test.sql(`UPDATE outlook_rdv_syncs SET requested = requested + 1, leased_until = now() + interval '1 second' WHERE rdv_id = $1`, [rdvId]);
    await running.pipeline.recover(0);
    await syncedAsAsked(rdvId);
    expect(microsoft.events(ANNE).filter((event) => event.body.content.includes(link(rdvId)))).toEqual([created]);
    expect(await test.sql(`SELECT graph_event_id FROM outlook_events WHERE rdv_id = $1`, [rdvId])).toEqual([{ graph_event_id: created.id }]);
    expect(eventCalls(ANNE, rdvId, created.id)).toEqual(['POST', 'POST', 'PATCH']);
  });

  it('keeps the tokens sealed: neither the database nor the logs hold one', async () => {
    expect(microsoft.issuedTokens.length).toBeGreaterThan(4);
    const secrets = await test.sql(`SELECT name, sealed FROM plugin_secrets WHERE plugin = 'outlook' ORDER BY name`);
    expect(secrets.map((secret) => secret.name)).toEqual(expect.arrayContaining([`agent/${f.basicEtatCivil}/access_token`, `agent/${f.basicEtatCivil}/refresh_token`]));
    const stored = JSON.stringify(await test.sql(`
      SELECT (SELECT json_agg(s) FROM plugin_secrets s) AS secrets, (SELECT json_agg(c) FROM outlook_connections c) AS connections,
             (SELECT json_agg(e) FROM outlook_events e) AS events, (SELECT json_agg(r) FROM outlook_rdv_syncs r) AS syncs,
             (SELECT json_agg(j) FROM job_failures j) AS failures`));
    const logged = JSON.stringify(running.logs);
    for (const token of microsoft.issuedTokens) {
      expect(stored).not.toContain(token);
      expect(logged).not.toContain(token);
    }
    // A sealed token copied under another agent's name does not open.
    const [annes] = secrets.filter((secret) => secret.name === `agent/${f.basicEtatCivil}/refresh_token`);
    await test.sql(`UPDATE plugin_secrets SET sealed = $1 WHERE name = $2`, [annes.sealed, `agent/${f.basicUrbanisme}/refresh_token`]);
    microsoft.expireAccessTokens(HUGO);
    const rdvId = await book('2026-12-11T09:00:00+01:00', [f.basicUrbanisme]);
    await waitFor('the failure kept', async () => (await state(f.tokens.urbanisme)).last_error !== null);
    expect(eventOf(HUGO, rdvId)).toBeUndefined();
  });

  it('disconnecting deletes the events written, then forgets the tokens', async () => {
    const written = microsoft.events(ANNE).length;
    expect(written).toBeGreaterThan(2);
    const disconnected = await test.call('delete', '/api/v1/plugins/outlook/connection', { token: f.tokens.etatCivil });
    expectStatus(disconnected, 202);
    expect(disconnected.body.status).toBe('disconnecting');
    await waitFor('Anne disconnected', async () => (await state(f.tokens.etatCivil)).status === 'disconnected');
    expect(microsoft.events(ANNE)).toEqual([]);
    expect(await test.sql(`SELECT name FROM plugin_secrets WHERE name LIKE $1`, [`agent/${f.basicEtatCivil}/%`])).toEqual([]);
    expect(await test.sql(`SELECT 1 FROM outlook_events WHERE agent_id = $1`, [f.basicEtatCivil])).toEqual([]);
    expect((await test.call('delete', '/api/v1/plugins/outlook/connection', { token: f.tokens.etatCivil })).status).toBe(404);

    const rdvId = await book('2026-12-14T09:00:00+01:00', [f.basicEtatCivil]);
    await pipelineIdle();
    expect(await test.sql(`SELECT 1 FROM outlook_rdv_syncs WHERE rdv_id = $1`, [rdvId])).toEqual([]);
    expect(eventCalls(ANNE, rdvId)).toEqual([]);
    expect(microsoft.calls.filter((call) => call.body?.body?.content.includes(link(rdvId)))).toEqual([]);
  });
});
