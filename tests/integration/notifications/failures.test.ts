import net, { type AddressInfo } from 'node:net';
import { CONSUMER_ATTEMPTS } from '../../../platform/src/events/consumers';
import { SmtpMailTransport } from '../../../platform/src/notifications/mailer';
import { TestPlatform } from '../../support/platform';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtp';
import { bookingFixture, expectStatus, NOW, type BookingFixture } from '../booking/helpers';
import { fastJobs, sleep, startPipeline, waitFor, type RunningPipeline } from './pipeline';

async function bookFor(test: TestPlatform, f: BookingFixture, userId: string, startsAt: string): Promise<string> {
  const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
    token: f.tokens.etatCivil,
    body: { motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], user_ids: [userId], starts_at: startsAt },
  });
  expectStatus(response, 201);
  return response.body.id;
}

async function emailReceipt(test: TestPlatform, rdvId: string, settled = true) {
  return waitFor(async () => {
    const [receipt] = await test.sql(`SELECT status, reason, attempts FROM notification_receipts WHERE rdv_id = $1 AND channel = 'email'`, [rdvId]);
    return receipt && (!settled || !['pending', 'sending'].includes(receipt.status)) ? receipt : null;
  }, 30_000, 'the email receipt');
}

describe('an SMTP server that refuses', () => {
  let smtp: TestSmtpServer;
  let test: TestPlatform;
  let f: BookingFixture;
  let pipeline: RunningPipeline;
  const greylisted = new Set<string>();

  beforeAll(async () => {
    smtp = await startSmtpServer({
      onRcptTo(address, _session, callback) {
        if (address.address === 'refused@example.fr') {
          return callback(Object.assign(new Error('5.1.1 Mailbox does not exist'), { responseCode: 550 }));
        }
        if (address.address === 'greylisted@example.fr' && !greylisted.has(address.address)) {
          greylisted.add(address.address);
          return callback(Object.assign(new Error('4.7.1 Greylisted, try again later'), { responseCode: 451 }));
        }
        callback();
      },
    });
    test = await TestPlatform.start({ now: NOW, config: { smtpUrl: smtp.url, jobs: fastJobs() } });
    f = await bookingFixture(test);
    pipeline = await startPipeline(test);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await test?.stop();
    await smtp?.close();
  });

  it('for good (550): the receipt says failed and why, and the message is not tried again', async () => {
    const user = await f.createUser(f.mairie, f.tokens.mairieAdmin, { first_name: 'Refus', last_name: 'Définitif', email: 'refused@example.fr' });
    const rdvId = await bookFor(test, f, user, '2026-12-01T09:00:00+01:00');
    const receipt = await emailReceipt(test, rdvId);
    expect(receipt).toEqual({ status: 'failed', attempts: 1, reason: expect.stringMatching(/^The SMTP server refused the message: .*550 5\.1\.1 Mailbox does not exist/) });
    await sleep(300);
    expect((await emailReceipt(test, rdvId)).attempts).toBe(1);
    expect(smtp.received.filter((mail) => mail.to.includes('refused@example.fr'))).toHaveLength(0);
  });

  it('for now (451): the job is retried and the message sent once', async () => {
    const user = await f.createUser(f.mairie, f.tokens.mairieAdmin, { first_name: 'Liste', last_name: 'Grise', email: 'greylisted@example.fr' });
    const rdvId = await bookFor(test, f, user, '2026-12-01T09:20:00+01:00');
    expect(await emailReceipt(test, rdvId)).toEqual({ status: 'sent', attempts: 2, reason: null });
    expect(smtp.received.filter((mail) => mail.to.includes('greylisted@example.fr'))).toHaveLength(1);
    const failures = await test.sql(
      `SELECT f.consumer, f.attempt, f.final, f.error FROM job_failures f JOIN outbox_events o ON o.id = f.event_id WHERE o.record_id = $1`, [rdvId]);
    expect(failures).toEqual([expect.objectContaining({ consumer: 'notifications', attempt: 1, final: false, error: expect.stringMatching(/451 4\.7\.1 Greylisted/) })]);
  });
});

describe('an SMTP server that hangs', () => {
  it('is cut by the timeouts, retried with backoff a bounded number of times, then marked failed', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // accepts, never greets
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const test = await TestPlatform.start({ now: NOW, config: { smtpUrl: url, jobs: fastJobs() } });
    test.platform.mail = new SmtpMailTransport(url, { connectionTimeoutMs: 150, greetingTimeoutMs: 150, socketTimeoutMs: 150 });
    const f = await bookingFixture(test);
    const pipeline = await startPipeline(test);
    try {
      const rdvId = await bookFor(test, f, f.dominique, '2026-12-01T09:00:00+01:00');
      const receipt = await emailReceipt(test, rdvId);
      expect(receipt).toEqual({
        status: 'failed',
        attempts: CONSUMER_ATTEMPTS,
        reason: expect.stringMatching(new RegExp(`^gave up after ${CONSUMER_ATTEMPTS} attempts: The SMTP server did not answer in time`)),
      });
      // The event is settled for the consumer: nothing more will be tried.
      const [consumer] = await test.sql(`SELECT r.status FROM consumer_receipts r JOIN outbox_events o ON o.id = r.event_id WHERE o.record_id = $1`, [rdvId]);
      expect(consumer.status).toBe('done');
      // Every attempt but the last failed the job (kept for admins); the last one settled the receipt.
      const failures = await test.sql(`SELECT f.attempt FROM job_failures f JOIN outbox_events o ON o.id = f.event_id WHERE o.record_id = $1 ORDER BY f.attempt`, [rdvId]);
      expect(failures.map((failure) => failure.attempt)).toEqual(Array.from({ length: CONSUMER_ATTEMPTS - 1 }, (_, index) => index + 1));
    } finally {
      await pipeline.stop();
      (test.platform.mail as SmtpMailTransport).close();
      await test.stop();
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 60_000);
});
