import crypto from 'node:crypto';
import IORedis from 'ioredis';
import net, { type AddressInfo } from 'node:net';
import { createJobQueue } from '../../../platform/src/jobs/create-queue';
import type { JobHandler, JobOptions, JobQueue } from '../../../platform/src/jobs/queue';
import { EventPipeline } from '../../../platform/src/events/pipeline';
import type { LogSink } from '../../../platform/src/logging';
import { TestPlatform } from '../../support/platform';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtp';
import { bookingFixture, expectStatus, NOW, type BookingFixture } from '../booking/helpers';
import { fastJobs, sleep, waitFor } from './pipeline';

const BOOKINGS = 200;

/** Forwards TCP to Redis; `cut()` drops every connection and refuses new ones until `restore()`. */
class CuttableProxy {
  private server = net.createServer();
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  restore(): Promise<void> {
    return this.start();
  }
}

/** Embedded mode's queue with an outage: adds fail while `down`, as BullMQ's do while Redis is unreachable. */
class QueueWithOutage implements JobQueue {
  down = false;
  constructor(private readonly inner: JobQueue) {}
  get kind() {
    return this.inner.kind;
  }
  async add(name: string, payload: unknown, options?: JobOptions): Promise<void> {
    if (this.down) throw new Error('The job queue is unreachable');
    return this.inner.add(name, payload, options);
  }
  process(name: string, handler: JobHandler): void {
    this.inner.process(name, handler);
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  async ping(): Promise<void> {
    if (this.down) throw new Error('The job queue is unreachable');
    return this.inner.ping();
  }
}

/**
 * The queue goes away (Redis unreachable when REDIS_URL is set; otherwise the
 * in-process queue refusing adds) while usagers book: events wait in the outbox,
 * and once the queue is back every confirmation is delivered exactly once.
 */
describe('notifications through a queue outage', () => {
  const redisUrl = process.env.REDIS_URL;
  let smtp: TestSmtpServer;
  let test: TestPlatform;
  let f: BookingFixture;
  let queue: JobQueue;
  let pipeline: EventPipeline;
  let proxy: CuttableProxy | undefined;
  let outage: QueueWithOutage | undefined;
  const log: LogSink = () => undefined;
  const queuePrefix = `lapin-test-${crypto.randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    let queueUrl: string | undefined;
    if (redisUrl) {
      const target = new URL(redisUrl);
      proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 6379) });
      await proxy.start();
      target.host = `127.0.0.1:${proxy.port}`;
      queueUrl = target.toString();
    }
    test = await TestPlatform.start({
      now: NOW,
      config: { smtpUrl: smtp.url, redisUrl: queueUrl, queuePrefix, jobs: fastJobs({ concurrency: 16 }) },
    });
    f = await bookingFixture(test);
    const created = createJobQueue(test.platform.config, log);
    queue = proxy ? created : (outage = new QueueWithOutage(created));
    test.platform.queue = queue;
    pipeline = await EventPipeline.start(test.platform, queue, { plugins: [], log });
    expect(queue.kind).toBe(redisUrl ? 'bullmq' : 'in-process');
  }, 120_000);
  afterAll(async () => {
    await pipeline?.stop();
    await queue?.close();
    await test?.stop();
    await smtp?.close();
    await proxy?.cut();
    if (redisUrl) {
      // The queue's keys of this file, so that repeated runs leave Redis as they found it.
      const redis = new IORedis(redisUrl);
      const keys = await redis.keys(`${queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it(`delivers each of ${BOOKINGS} confirmations once when the queue comes back`, async () => {
    const usagers: Array<{ id: string; email: string }> = [];
    for (let index = 0; index < 20; index++) {
      const email = `usager${index}@example.fr`;
      usagers.push({ id: await f.createUser(f.mairie, f.tokens.mairieAdmin, { first_name: 'Usager', last_name: `N${index}`, email }), email });
    }

    // What the fixture's own events send (its plages, told to their agents) is out of the way first.
    await waitFor(async () => (await test.sql(`SELECT 1 FROM outbox_events WHERE dispatched_at IS NULL
      UNION ALL SELECT 1 FROM consumer_receipts WHERE status = 'pending'`)).length === 0, 30_000, 'the fixture\'s events');
    const addresses = new Set(usagers.map((usager) => usager.email));
    const toUsagers = () => smtp.received.filter((mail) => mail.to.some((address) => addresses.has(address)));

    if (proxy) await proxy.cut();
    else outage!.down = true;

    const rdvIds: string[] = [];
    const first = new Date('2026-12-14T08:00:00Z').getTime();
    for (let index = 0; index < BOOKINGS; index++) {
      // Anne books in her own agenda (no email to her), every 20 minutes, outside her plages when need be.
      const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
        token: f.tokens.etatCivil,
        body: {
          motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], user_ids: [usagers[index % usagers.length].id],
          starts_at: new Date(first + index * 20 * 60_000).toISOString(), force: true,
        },
      });
      expectStatus(response, 201);
      rdvIds.push(response.body.id);
    }
    await sleep(500);
    const [{ waiting }] = await test.sql(`SELECT count(*)::int AS waiting FROM outbox_events WHERE model = 'rdv' AND dispatched_at IS NULL`);
    expect(waiting).toBe(BOOKINGS);
    expect(toUsagers()).toHaveLength(0);

    if (proxy) await proxy.restore();
    else outage!.down = false;

    await waitFor(() => toUsagers().length >= BOOKINGS, 90_000, `${BOOKINGS} emails`);
    await sleep(1_000); // anything sent twice would arrive by now
    const uids = toUsagers().map((mail) => /UID:rdv-([0-9a-f-]{36})@/.exec(mail.raw.replace(/\r?\n[ \t]/g, ''))?.[1]);
    expect(uids.sort()).toEqual([...rdvIds].sort());
    const receipts = await test.sql(`SELECT status, count(*)::int AS count FROM notification_receipts WHERE channel = 'email' AND recipient_type = 'user' GROUP BY status`);
    expect(receipts).toEqual([{ status: 'sent', count: BOOKINGS }]);
  }, 180_000);
});
