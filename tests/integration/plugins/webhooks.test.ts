import crypto from 'node:crypto';
import { dropQueueKeys, pipelineConfig, RunningPipeline, sleep, waitFor } from '../../support/events';
import { demoIds, TestPlatform } from '../../support/platform';
import { ReceivedRequest, Receiver, ReceiverAnswer } from '../../support/receiver';

const SECRET = 'a-shared-secret-of-the-receiver';

/** What plugins/webhooks/README.md tells receivers to do. */
function verify(secret: string, rawBody: string, headers: Record<string, string | string[] | undefined>, nowSeconds: number): boolean {
  const expected = crypto.createHmac('sha256', secret).update(`${headers['x-lapin-timestamp']}.${rawBody}`).digest('hex');
  const given = String(headers['x-lapin-signature-v2'] ?? '');
  const fresh = Math.abs(nowSeconds - Number(headers['x-lapin-timestamp'])) < 300;
  return fresh && given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

describe(`webhooks (${process.env.REDIS_URL ? 'BullMQ' : 'in-process queue'})`, () => {
  let test: TestPlatform;
  let receiver: Receiver;
  let running: RunningPipeline;
  let admin: string;
  let territorialAdmin: string;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  /** How the receiver answers each path: given the request and how many came to that path before. */
  const answers = new Map<string, (index: number, request: ReceivedRequest) => ReceiverAnswer>();

  beforeAll(async () => {
    test = await TestPlatform.start({ config: pipelineConfig() });
    receiver = await Receiver.start();
    receiver.answer = (request) => {
      const answer = answers.get(request.path);
      const index = receiver.requests.filter((r) => r.path === request.path).length - 1;
      return answer ? answer(index, request) : { status: 200 };
    };
    running = await RunningPipeline.start(test);
    admin = await test.signIn('admin.mairie@demo.test');
    territorialAdmin = await test.signIn('territoire@demo.test');
    ids = await demoIds(test);
  });
  afterAll(async () => {
    await running.stop();
    await receiver.stop();
    await dropQueueKeys(test.platform.config);
    await test.stop();
  });

  async function createEndpoint(path: string, body: Record<string, unknown> = {}, organisation = ids.mairie, token = admin) {
    const created = await test.call('post', `/api/v1/organisations/${organisation}/webhook_endpoints`, {
      token, body: { target_url: `${receiver.url}${path}`, secret: SECRET, subscriptions: ['lieu'], ...body },
    });
    expect(created.status).toBe(201);
    return created.body as { id: string; secret: string; subscriptions: string[] };
  }

  async function removeEndpoint(id: string) {
    expect((await test.call('delete', `/api/v1/webhook_endpoints/${id}`, { token: admin })).status).toBe(204);
  }

  async function createLieu(name: string, organisation = ids.mairie, token = admin): Promise<string> {
    const created = await test.call('post', `/api/v1/organisations/${organisation}/lieux`, { token, body: { name, address: '2 rue de la Poste' } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function deliveries(endpointId: string) {
    const response = await test.call('get', `/api/v1/webhook_endpoints/${endpointId}/deliveries`, { token: admin });
    expect(response.status).toBe(200);
    return response.body.data as any[];
  }

  const requestsTo = (path: string) => receiver.requests.filter((request) => request.path === path);

  it('manages endpoints for organisation admins, with the secret encrypted and shown masked', async () => {
    const base = `/api/v1/organisations/${ids.mairie}/webhook_endpoints`;
    const refused = async (body: Record<string, unknown>) => {
      const response = await test.call('post', base, { token: admin, body: { target_url: `${receiver.url}/x`, secret: SECRET, ...body } });
      expect(response.status).toBe(422);
      return response.body.errors;
    };
    expect(await refused({ target_url: 'ftp://files.example.org/hook' })).toEqual([{ path: 'target_url', message: 'must be an http or https URL' }]);
    expect(await refused({ secret: 'too-short' })).toEqual([{ path: 'secret', message: 'must NOT have fewer than 16 characters' }]);
    expect(await refused({ subscriptions: ['rdv', 'parking'] })).toEqual([
      { path: 'subscriptions.1', message: expect.stringMatching(/^must be one of: rdv, absence, plage_ouverture/) },
    ]);

    const endpoint = await createEndpoint('/managed', { subscriptions: ['rdv', 'user'] });
    expect(endpoint).toMatchObject({ organisation_id: ids.mairie, subscriptions: ['rdv', 'user'], secret: `********${SECRET.slice(-4)}` });
    const [stored] = await test.sql(`SELECT sealed FROM plugin_secrets WHERE name = $1`, [`endpoint.${endpoint.id}`]);
    expect(stored.sealed).not.toContain(SECRET);
    expect(stored.sealed).not.toContain(Buffer.from(SECRET).toString('base64'));

    const basic = await test.signIn('agent.etatcivil@demo.test');
    expect((await test.call('get', base, { token: basic })).status).toBe(403);
    const ccasAdmin = await test.signIn('travailleur.social@demo.test');
    expect((await test.call('get', base, { token: ccasAdmin })).status).toBe(404);
    expect((await test.call('patch', `/api/v1/webhook_endpoints/${endpoint.id}`, { token: ccasAdmin, body: { subscriptions: ['lieu'] } })).status).toBe(404);
    expect((await test.call('get', `/api/v1/organisations/${crypto.randomUUID()}/webhook_endpoints`, { token: territorialAdmin })).status).toBe(404);

    const changed = await test.call('patch', `/api/v1/webhook_endpoints/${endpoint.id}`, { token: admin, body: { subscriptions: ['lieu'], secret: 'another-secret-0123456789' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ subscriptions: ['lieu'], secret: '********6789' });
    const listed = await test.call('get', `${base}?target_url=${encodeURIComponent(`${receiver.url}/managed`)}`, { token: admin });
    expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([endpoint.id]);
    await removeEndpoint(endpoint.id);
    expect((await test.call('get', base, { token: admin })).body.data).toEqual([]);
    expect(await test.sql(`SELECT 1 FROM plugin_secrets WHERE name = $1`, [`endpoint.${endpoint.id}`])).toEqual([]);
  });

  it("posts the reference's payload after commit, signed with both headers", async () => {
    const endpoint = await createEndpoint('/signed');
    const lieu = await createLieu('Mairie annexe');
    await waitFor('the delivery', () => requestsTo('/signed').length === 1);
    const [request] = requestsTo('/signed');
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(request.body)).toEqual({
      data: expect.objectContaining({ id: lieu, name: 'Mairie annexe', organisation_id: ids.mairie }),
      meta: { model: 'Lieu', event: 'created', webhook_reason: null, timestamp: expect.stringMatching(/\+0[12]:00$/) },
    });
    expect(request.headers['x-lapin-signature']).toBe(crypto.createHmac('sha256', SECRET).update(request.body).digest('hex'));
    const now = Math.floor(test.clock.now().getTime() / 1000);
    expect(verify(SECRET, request.body, request.headers, now)).toBe(true);
    expect(verify(SECRET, request.body, request.headers, now + 3600)).toBe(false); // a replay an hour later
    expect(verify('not-the-secret-at-all', request.body, request.headers, now)).toBe(false);
    await waitFor('the log', async () => (await deliveries(endpoint.id))[0]?.status === 'delivered');
    expect((await deliveries(endpoint.id))[0]).toMatchObject({ model: 'lieu', event: 'created', record_id: lieu, attempts: 1, last_status_code: 200 });
    await removeEndpoint(endpoint.id);
  });

  it('sends nothing for unsubscribed models nor for another organisation', async () => {
    const endpoint = await createEndpoint('/motifs-only', { subscriptions: ['motif'] });
    const ccasAdmin = await test.signIn('travailleur.social@demo.test');
    await createLieu('Not subscribed');
    const motif = { service_id: 'social', default_duration_in_min: 30, location_type: 'public_office' };
    expect((await test.call('post', `/api/v1/organisations/${ids.ccas}/motifs`, { token: ccasAdmin, body: { ...motif, name: 'Aide sociale (CCAS)' } })).status).toBe(201);
    const mine = await test.call('post', `/api/v1/organisations/${ids.mairie}/motifs`, { token: admin, body: { ...motif, service_id: 'etat_civil', name: 'Livret de famille' } });
    expect(mine.status).toBe(201);
    await waitFor('the mairie motif', () => requestsTo('/motifs-only').length === 1);
    await sleep(500);
    expect(requestsTo('/motifs-only').map((request) => JSON.parse(request.body).data.name)).toEqual(['Livret de famille']);
    expect(JSON.parse(requestsTo('/motifs-only')[0].body).meta.model).toBe('Motif');
    expect(await deliveries(endpoint.id)).toHaveLength(1);
    await removeEndpoint(endpoint.id);
  });

  it('retries after a 500 and after a timeout, and keeps each attempt for admins', async () => {
    answers.set('/flaky', (index) => [{ status: 500, body: 'database is down' }, { status: 200, delayMs: 2_500 }][index] ?? { status: 200 });
    const endpoint = await createEndpoint('/flaky');
    await createLieu('Flaky');
    await waitFor('the delivery', async () => (await deliveries(endpoint.id))[0]?.status === 'delivered');
    const attempts = requestsTo('/flaky');
    expect(new Set(attempts.map((request) => request.body)).size).toBe(1);
    expect(new Set(attempts.map((request) => request.headers['x-lapin-delivery'])).size).toBe(1);
    expect((await deliveries(endpoint.id))[0]).toMatchObject({ attempts: attempts.length, last_status_code: 200, last_error: null });
    const failures = await test.call('get', `/api/v1/plugins/webhooks/failures?per_page=${attempts.length - 1}`, { token: territorialAdmin });
    expect(failures.body.data.map((failure: { error: string }) => failure.error).reverse().slice(0, 2)).toEqual([
      expect.stringContaining('HTTP 500: database is down'),
      expect.stringContaining('no answer within 1000 ms'),
    ]);
    await removeEndpoint(endpoint.id);
  });

  it("keeps each record's deliveries in order across a failure", async () => {
    let failures = 0;
    answers.set('/ordered', (_index, request) => {
      const { data, meta } = JSON.parse(request.body);
      // The creation of the first lieu fails three times.
      if (data.name === 'v1' && meta.event === 'created' && failures < 3) {
        failures += 1;
        return { status: 503 };
      }
      return { status: 200 };
    });
    const endpoint = await createEndpoint('/ordered');
    const record = await createLieu('v1');
    for (const name of ['v2', 'v3']) {
      expect((await test.call('patch', `/api/v1/lieux/${record}`, { token: admin, body: { name } })).status).toBe(200);
    }
    await createLieu('other');
    await waitFor('every delivery', async () => (await deliveries(endpoint.id)).filter((d) => d.status === 'delivered').length === 4);
    // In order: every attempt at the creation before the first update, the updates in turn.
    const received = requestsTo('/ordered').map((request) => JSON.parse(request.body)).filter((body) => body.data.id === record);
    const sequence = received.map((body) => `${body.meta.event} ${body.data.name}`);
    expect([...new Set(sequence)]).toEqual(['created v1', 'updated v2', 'updated v3']);
    expect(sequence.lastIndexOf('created v1')).toBeLessThan(sequence.indexOf('updated v2'));
    expect(sequence.lastIndexOf('updated v2')).toBeLessThan(sequence.indexOf('updated v3'));
    expect(sequence.filter((entry) => entry === 'created v1').length).toBeGreaterThanOrEqual(4);
    await removeEndpoint(endpoint.id);
  });

  it('gives up after 20 attempts, then sends again on demand', async () => {
    let down = true;
    answers.set('/down', () => (down ? { status: 503 } : { status: 204 }));
    const endpoint = await createEndpoint('/down');
    await createLieu('Unlucky');
    await waitFor('the given-up delivery', async () => (await deliveries(endpoint.id))[0]?.status === 'failed', 30_000);
    const [failed] = await deliveries(endpoint.id);
    expect(failed).toMatchObject({ attempts: 20, last_status_code: 503, last_error: 'HTTP 503', next_attempt_at: null });
    expect(requestsTo('/down')).toHaveLength(20);

    down = false;
    const redelivered = await test.call('post', `/api/v1/webhook_endpoints/${endpoint.id}/deliveries/${failed.id}/redeliver`, { token: admin });
    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toMatchObject({ id: failed.id, status: 'pending', round: 2, attempts: 0 });
    await waitFor('the redelivery', async () => (await deliveries(endpoint.id))[0]?.status === 'delivered');
    expect((await deliveries(endpoint.id))[0]).toMatchObject({ attempts: 1, round: 2, last_status_code: 204 });
    expect(requestsTo('/down')).toHaveLength(21);
    expect((await test.call('post', `/api/v1/webhook_endpoints/${endpoint.id}/deliveries/999999/redeliver`, { token: admin })).status).toBe(404);
    await removeEndpoint(endpoint.id);
  });

  it('sends, on recovery, the pending deliveries whose jobs were lost with a process', async () => {
    const endpoint = await createEndpoint('/recovered');
    // What a process that stopped before running a delivery's job leaves: the row, pending.
    await test.sql(
      `INSERT INTO webhook_deliveries (territory_id, endpoint_id, event_id, model, event, record_id, body)
       SELECT territory_id, id, 999999999, 'lieu', 'updated', 'lost', '{"data":{"id":"lost"}}' FROM webhook_endpoints WHERE id = $1`,
      [endpoint.id],
    );
    await running.pipeline.recover(0);
    await waitFor('the recovered delivery', async () => (await deliveries(endpoint.id))[0]?.status === 'delivered');
    expect(requestsTo('/recovered').map((request) => request.body)).toEqual(['{"data":{"id":"lost"}}']);
    await removeEndpoint(endpoint.id);
  });

  it('does not follow redirects and reads no more than 64 KiB of an answer', async () => {
    const huge = Buffer.alloc(4 * 1024 * 1024, 'x');
    answers.set('/odd', (index) => [
      { status: 302, headers: { location: `${receiver.url}/elsewhere` } },
      { status: 500, body: huge },
      { status: 200, body: huge },
    ][index] ?? { status: 200 });
    const endpoint = await createEndpoint('/odd');
    await createLieu('Odd receiver');
    await waitFor('the delivery', async () => (await deliveries(endpoint.id))[0]?.status === 'delivered');
    expect(requestsTo('/elsewhere')).toHaveLength(0);
    const failures = await test.call('get', '/api/v1/plugins/webhooks/failures?per_page=2', { token: territorialAdmin });
    const [tooLong, redirect] = failures.body.data.map((failure: { error: string }) => failure.error);
    expect(redirect).toContain(`HTTP 302 (redirects are not followed: ${receiver.url}/elsewhere)`);
    expect(tooLong).toMatch(/HTTP 500: x+$/);
    expect(tooLong.length).toBeLessThan(1_000);
    await removeEndpoint(endpoint.id);
  });

  it('refuses private and loopback targets unless the instance allows them, when saving and when sending', async () => {
    const base = `/api/v1/organisations/${ids.mairie}/webhook_endpoints`;
    const endpoint = await createEndpoint('/private');
    test.platform.config.allowPrivateWebhookTargets = false;
    try {
      for (const target of [`${receiver.url}/private`, `http://localhost:${new URL(receiver.url).port}/private`, 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data']) {
        const refused = await test.call('post', base, { token: admin, body: { target_url: target, secret: SECRET } });
        expect(refused.status).toBe(422);
        expect(refused.body.errors).toEqual([{ path: 'target_url', message: expect.stringMatching(/private or loopback: refused$/) }]);
      }
      await createLieu('Not sent');
      await waitFor('the refused attempt', async () => (await deliveries(endpoint.id))[0]?.last_error?.includes('private or loopback'));
      expect(requestsTo('/private')).toHaveLength(0);
    } finally {
      test.platform.config.allowPrivateWebhookTargets = true;
    }
    await waitFor('the delivery once allowed', async () => (await deliveries(endpoint.id))[0]?.status === 'delivered');
    await removeEndpoint(endpoint.id);
  });

  it("follows the territory's webhook settings, validated by the plugin's schema and versioned", async () => {
    const url = '/api/v1/territories/current/config/plugins.webhooks';
    const put = (document: unknown) => test.call('put', url, { token: territorialAdmin, body: document });
    const invalid = await put({ enabled: true, config: { allowed_hosts: ['not a host!'] }, organisations: { 'not-an-id': { enabled: false } } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual(expect.arrayContaining([
      { path: 'config.allowed_hosts.0', message: 'must match format "hostname"' },
      { path: 'organisations', message: 'property name must be valid' },
    ]));

    const endpoint = await createEndpoint('/settings');
    expect((await put({ enabled: true, config: { allowed_hosts: ['sirh.example.org'] } })).status).toBe(200);
    const outside = await test.call('post', `/api/v1/organisations/${ids.mairie}/webhook_endpoints`, { token: admin, body: { target_url: `${receiver.url}/other`, secret: SECRET } });
    expect(outside.body.errors).toEqual([{ path: 'target_url', message: "the host 127.0.0.1 is not among the territory's allowed webhook hosts" }]);

    expect((await put({ enabled: true, config: { allowed_hosts: [] }, organisations: { [ids.mairie]: { enabled: false } } })).status).toBe(200);
    const off = await test.call('post', `/api/v1/organisations/${ids.mairie}/webhook_endpoints`, { token: admin, body: { target_url: `${receiver.url}/other`, secret: SECRET } });
    expect(off.status).toBe(409);
    const lieu = await createLieu('Quiet');
    const [event] = await test.sql(`SELECT id::text FROM outbox_events WHERE record_id = $1`, [lieu]);
    await waitFor('the handled event', async () => (await test.sql(
      `SELECT status FROM consumer_receipts WHERE event_id = $1 AND consumer = 'plugin-webhooks'`, [event.id],
    ))[0]?.status === 'done');
    expect(await deliveries(endpoint.id)).toEqual([]);

    expect((await put({ enabled: true, config: { allowed_hosts: [] } })).status).toBe(200);
    const history = await test.call('get', `${url}/versions`, { token: territorialAdmin });
    expect(history.body.meta.total_count).toBe(3);
    await removeEndpoint(endpoint.id);
  });

  it('sends a test event on demand, signed as the others and tried once, into the delivery log with the answer', async () => {
    answers.set('/tested', (index) => (index === 0 ? { status: 202, body: 'bien reçu' } : { status: 503, body: 'en maintenance' }));
    // Subscribed to motifs only: a test is sent whatever the subscriptions.
    const endpoint = await createEndpoint('/tested', { subscriptions: ['motif'] });
    const basic = await test.signIn('agent.etatcivil@demo.test');
    expect((await test.call('post', `/api/v1/webhook_endpoints/${endpoint.id}/test`, { token: basic })).status).toBe(403);
    const ccasAdmin = await test.signIn('travailleur.social@demo.test');
    expect((await test.call('post', `/api/v1/webhook_endpoints/${endpoint.id}/test`, { token: ccasAdmin })).status).toBe(404);
    expect(requestsTo('/tested')).toHaveLength(0);

    const sent = await test.call('post', `/api/v1/webhook_endpoints/${endpoint.id}/test`, { token: admin });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ id: expect.stringMatching(/^\d+$/), model: 'webhook', event: 'test', status: 'pending' });
    await waitFor('the test event', async () => (await deliveries(endpoint.id))[0]?.status === 'delivered');
    const [request] = requestsTo('/tested');
    expect(JSON.parse(request.body)).toEqual({
      data: expect.objectContaining({ id: endpoint.id, organisation_id: ids.mairie, target_url: `${receiver.url}/tested` }),
      meta: { model: 'Webhook', event: 'test', webhook_reason: null, timestamp: expect.stringMatching(/\+0[12]:00$/) },
    });
    expect(request.headers['x-lapin-delivery']).toBe(sent.body.id);
    expect(request.headers['x-lapin-signature']).toBe(crypto.createHmac('sha256', SECRET).update(request.body).digest('hex'));
    const now = Math.floor(test.clock.now().getTime() / 1000);
    expect(verify(SECRET, request.body, request.headers, now)).toBe(true);
    expect(await deliveries(endpoint.id)).toEqual([
      expect.objectContaining({ id: sent.body.id, event_id: null, model: 'webhook', event: 'test', record_id: endpoint.id, attempts: 1, last_status_code: 202 }),
    ]);

    // A failing receiver: one attempt, its answer kept, no retry.
    const again = await test.call('post', `/api/v1/webhook_endpoints/${endpoint.id}/test`, { token: admin });
    await waitFor('the failed test', async () => (await deliveries(endpoint.id))[0]?.status === 'failed');
    expect((await deliveries(endpoint.id))[0]).toMatchObject({ id: again.body.id, attempts: 1, last_status_code: 503, last_error: 'HTTP 503: en maintenance', next_attempt_at: null });
    await sleep(1_500);
    expect(requestsTo('/tested')).toHaveLength(2);

    const document = await test.call('get', '/api/openapi.json');
    expect(document.body.paths['/api/v1/webhook_endpoints/{id}/test'].post.summary).toMatch(/^Send a test event/);

    const url = '/api/v1/territories/current/config/plugins.webhooks';
    expect((await test.call('put', url, { token: territorialAdmin, body: { enabled: true, config: { allowed_hosts: [] }, organisations: { [ids.mairie]: { enabled: false } } } })).status).toBe(200);
    expect((await test.call('post', `/api/v1/webhook_endpoints/${endpoint.id}/test`, { token: admin })).status).toBe(409);
    expect((await test.call('put', url, { token: territorialAdmin, body: { enabled: true, config: { allowed_hosts: [] } } })).status).toBe(200);
    await removeEndpoint(endpoint.id);
  });
});
