import net from 'node:net';
import { OutboxDispatcher } from '../../../platform/src/events/dispatcher';
import { BullMqQueue } from '../../../platform/src/jobs/bullmq-queue';
import type { JobOptions, JobQueue } from '../../../platform/src/jobs/queue';
import { definePlugin, DomainEvent, PluginDefinition } from '../../../platform/src/plugins/sdk';
import { dropQueueKeys, FAST_JOBS, pipelineConfig, RunningPipeline, sleep, waitFor } from '../../support/events';
import { demoIds, TestPlatform } from '../../support/platform';

/** Test plugins see lieux; each one records what it handled. */
function testPlugin(name: string, onEvent: (event: DomainEvent) => Promise<void>, events = ['lieu.*']): PluginDefinition {
  return definePlugin({
    name, version: '1.0.0', description: `${name}, for tests`, scope: 'territory', enabledByDefault: true,
    configSchema: { type: 'object', default: {} }, events, onEvent,
  });
}

/** A queue that accepts nothing, like BullMQ when Redis is down (in-process mode has no such state). */
class UnreachableQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  async add(): Promise<void> {
    throw new Error('The job queue is unreachable');
  }
  process(): void {}
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<void> {
    throw new Error('The job queue is unreachable');
  }
}

/** Takes every job and runs none: what a process that died right after dispatching leaves behind. */
class LostJobsQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  readonly added: { name: string; options: JobOptions }[] = [];
  async add(name: string, _payload: unknown, options: JobOptions = {}): Promise<void> {
    this.added.push({ name, options });
  }
  process(): void {}
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<void> {}
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(`the event pipeline (${process.env.REDIS_URL ? 'BullMQ' : 'in-process queue'})`, () => {
  let test: TestPlatform;
  let token: string;
  let mairie: string;
  let running: RunningPipeline | undefined;

  beforeAll(async () => {
    test = await TestPlatform.start({ config: pipelineConfig() });
    token = await test.signIn('admin.mairie@demo.test');
    mairie = (await demoIds(test)).mairie;
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  afterAll(async () => {
    await dropQueueKeys(test.platform.config);
    await test.stop();
  });

  async function createLieu(name: string): Promise<string> {
    const created = await test.call('post', `/api/v1/organisations/${mairie}/lieux`, { token, body: { name, address: '1 place de la Mairie' } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function renameLieu(id: string, name: string): Promise<void> {
    expect((await test.call('patch', `/api/v1/lieux/${id}`, { token, body: { name } })).status).toBe(200);
  }

  async function receipt(eventId: string, consumer: string) {
    const [row] = await test.sql(`SELECT status, attempts, last_error FROM consumer_receipts WHERE event_id = $1 AND consumer = $2`, [eventId, consumer]);
    return row as { status: string; attempts: number; last_error: string | null } | undefined;
  }

  async function outboxRows(recordIds: string[]) {
    return test.sql(`SELECT id::text, dispatched_at FROM outbox_events WHERE record_id = ANY($1) ORDER BY id`, [recordIds]);
  }

  it('hands each committed event to each consumer once, after commit, and settles its receipt', async () => {
    const seen: DomainEvent[] = [];
    running = await RunningPipeline.start(test, { plugins: [testPlugin('test-recorder', async (event) => void seen.push(event))] });
    const id = await createLieu('Salle des fêtes');
    await waitFor('the event', () => seen.length === 1);
    expect(seen[0]).toMatchObject({ model: 'lieu', event: 'created', record_id: id, organisation_id: mairie, payload: { id, name: 'Salle des fêtes' } });
    expect(seen[0].occurred_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00$/); // Europe/Paris offset

    const [row] = await outboxRows([id]);
    expect(row.dispatched_at).not.toBeNull();
    await waitFor('the receipt', async () => (await receipt(row.id, 'plugin-test-recorder'))?.status === 'done');

    // A dispatch that crashed before marking the row: the next round adds the same job, which changes nothing.
    await test.sql(`UPDATE outbox_events SET dispatched_at = NULL WHERE id = $1`, [row.id]);
    await waitFor('the new dispatch', async () => (await outboxRows([id]))[0].dispatched_at !== null);
    await sleep(300);
    expect(seen).toHaveLength(1);
  });

  it('lets several dispatchers run side by side without handing an event out twice', async () => {
    const ids = [await createLieu('Annexe A'), await createLieu('Annexe B'), await createLieu('Annexe C')];
    const events = (await outboxRows(ids)).map((row) => row.id);
    const consumer = { name: 'stub', handles: () => true, handle: async () => undefined };
    const queues = [new LostJobsQueue(), new LostJobsQueue(), new LostJobsQueue()];
    const dispatchers = queues.map((queue) => new OutboxDispatcher(test.db, queue, [consumer], FAST_JOBS, () => undefined));
    await Promise.all(dispatchers.map(async (dispatcher) => {
      while (await dispatcher.dispatchBatch() > 0);
    }));
    const jobIds = queues.flatMap((queue) => queue.added.map((job) => job.options.jobId!));
    expect(new Set(jobIds).size).toBe(jobIds.length);
    for (const event of events) expect(jobIds).toContain(`outbox.${event}.stub`);
    expect((await outboxRows(ids)).every((row) => row.dispatched_at !== null)).toBe(true);
  });

  it('keeps events in the outbox while the queue is unreachable, then delivers each exactly once', async () => {
    const seen: DomainEvent[] = [];
    const recorder = testPlugin('test-recorder', async (event) => void seen.push(event));
    const unreachable = test.platform.config.redisUrl
      ? new BullMqQueue({ url: `redis://127.0.0.1:${await closedPort()}`, prefix: test.platform.config.queuePrefix, concurrency: 2, retryMaxMs: 200, log: () => undefined })
      : new UnreachableQueue();
    running = await RunningPipeline.start(test, { plugins: [recorder], queue: unreachable });
    const id = await createLieu('Bibliothèque');
    await renameLieu(id, 'Médiathèque');
    const other = await createLieu('Gymnase');
    await sleep(300);
    expect((await outboxRows([id, other])).map((row) => row.dispatched_at)).toEqual([null, null, null]);
    expect(running.logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'outbox dispatch failed, will retry' }));
    expect(seen).toHaveLength(0);
    await running.stop();

    running = await RunningPipeline.start(test, { plugins: [recorder] });
    await waitFor('the three events', () => seen.length === 3);
    await sleep(300);
    expect(seen.map((event) => [event.record_id, event.event])).toEqual(expect.arrayContaining([[id, 'created'], [id, 'updated'], [other, 'created']]));
    expect(seen).toHaveLength(3);
    const ofRecord = seen.filter((event) => event.record_id === id);
    expect(ofRecord.map((event) => event.payload.name)).toEqual(['Bibliothèque', 'Médiathèque']);
  });

  it('queues again, at start, the events whose jobs were lost with a process', async () => {
    const seen: DomainEvent[] = [];
    const recorder = testPlugin('test-recorder', async (event) => void seen.push(event));
    const lost = new LostJobsQueue();
    running = await RunningPipeline.start(test, { plugins: [recorder], queue: lost });
    const id = await createLieu('Maison des associations');
    await waitFor('the dispatch', async () => (await outboxRows([id]))[0].dispatched_at !== null);
    await running.stop();
    expect(seen).toHaveLength(0);

    running = await RunningPipeline.start(test, { plugins: [recorder] });
    await waitFor('the recovered event', () => seen.some((event) => event.record_id === id));
  });

  it('retries a failing handler with growing delays and handles a record\'s events in order meanwhile', async () => {
    const handled: { record: string; event: string; name: unknown; at: number }[] = [];
    const attempts = new Map<string, number>();
    // The flaky lieu's first event (named v1, known by its name: it may be handled before the API
    // answers its id) fails twice, and then until the other lieu was handled: were the other lieu
    // to wait for these retries, it would never be handled and the test would time out.
    const ordered = testPlugin('test-ordered', async (event) => {
      const attempt = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, attempt);
      const otherHandled = handled.some((entry) => entry.name === 'unblocked');
      if (event.event === 'created' && event.payload.name === 'v1' && (attempt <= 2 || !otherHandled)) throw new Error(`not yet (attempt ${attempt})`);
      handled.push({ record: event.record_id, event: event.event, name: event.payload.name, at: Date.now() });
    });
    running = await RunningPipeline.start(test, { plugins: [ordered] });
    const first = await test.call('post', `/api/v1/organisations/${mairie}/lieux`, { token, body: { name: 'v1', address: 'rue A' } });
    const flakyRecord = first.body.id;
    await renameLieu(flakyRecord, 'v2');
    await renameLieu(flakyRecord, 'v3');
    const other = await createLieu('unblocked');
    await waitFor('four events', () => handled.length === 4);

    expect(handled.filter((entry) => entry.record === flakyRecord).map((entry) => entry.name)).toEqual(['v1', 'v2', 'v3']);
    // Another record does not wait for this one's retries.
    expect(handled.findIndex((entry) => entry.record === other)).toBeLessThan(handled.findIndex((entry) => entry.record === flakyRecord));
    const failures = await test.sql(`SELECT attempt, final, error FROM job_failures WHERE consumer = 'plugin-test-ordered' ORDER BY id`);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures).toEqual(failures.map((_, index) => ({ attempt: index + 1, final: false, error: `not yet (attempt ${index + 1})` })));
  });

  it('gives up a handler that keeps failing, marks it failed, and lets the record\'s next events go', async () => {
    const seen: DomainEvent[] = [];
    const broken = testPlugin('test-broken', async (event) => {
      if (event.event === 'created') throw new Error('always broken');
      seen.push(event);
    });
    running = await RunningPipeline.start(test, { plugins: [broken] });
    const id = await createLieu('Cursed');
    await renameLieu(id, 'Blessed');
    const [created] = await outboxRows([id]);
    await waitFor('the failed receipt', async () => (await receipt(created.id, 'plugin-test-broken'))?.status === 'failed', 20_000);
    expect(await receipt(created.id, 'plugin-test-broken')).toEqual({ status: 'failed', attempts: 12, last_error: 'always broken' });
    const failures = await test.sql(`SELECT attempt, final FROM job_failures WHERE consumer = 'plugin-test-broken' ORDER BY id`);
    expect(failures).toHaveLength(12);
    expect(failures.at(-1)).toEqual({ attempt: 12, final: true });
    await waitFor('the update after the failed creation', () => seen.some((event) => event.event === 'updated'));
  });

  it('keeps a plugin that throws or hangs from the request that caused the event and from other plugins', async () => {
    const seen: DomainEvent[] = [];
    let hangs = 0;
    const plugins = [
      testPlugin('test-thrower', async () => {
        throw new Error('thrown by a plugin');
      }),
      testPlugin('test-hanger', () => {
        hangs += 1;
        return new Promise<void>(() => undefined);
      }),
      testPlugin('test-recorder', async (event) => void seen.push(event)),
    ];
    running = await RunningPipeline.start(test, { plugins });
    const id = await createLieu('Salle polyvalente');
    await waitFor('the healthy plugin', () => seen.some((event) => event.record_id === id));
    const [row] = await outboxRows([id]);
    await waitFor('the hang to time out and be retried', () => hangs >= 2);
    const failures = await test.sql(`SELECT consumer, error FROM job_failures WHERE event_id = $1 ORDER BY id`, [row.id]);
    expect(failures).toContainEqual({ consumer: 'plugin-test-thrower', error: 'thrown by a plugin' });
    expect(failures).toContainEqual({ consumer: 'plugin-test-hanger', error: 'No answer within 2000 ms' });
    await waitFor('the healthy receipt', async () => (await receipt(row.id, 'plugin-test-recorder'))?.status === 'done');
  });
});
