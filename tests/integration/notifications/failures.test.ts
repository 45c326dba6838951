import net, { type AddressInfo } from 'node:net';
import { CONSUMER_ATTEMPTS } from '../../../platform/src/events/consumers';
import { SmtpMailTransport } from '../../../platform/src/notifications/mailer';
import { TestPlatform } from '../../support/platform';
import { Receiver } from '../../support/receiver';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtp';
import { bookingFixture, expectStatus, NOW, type BookingFixture } from '../booking/helpers';
import { fastJobs, sleep, startPipeline, startNotificationStack, type NotificationStack, waitFor, type RunningPipeline } from './pipeline';

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
  const greylisted = new Set<string>();

  let stack: NotificationStack;
  beforeAll(async () => {
    stack = await startNotificationStack({
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
    ({ smtp, test, f } = stack);
  });
  afterAll(() => stack?.stop());

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
      // The event is then settled for the consumer, once its handler has written the receipt:
      // nothing more will be tried.
      const consumerStatus = async () => (await test.sql(`SELECT r.status FROM consumer_receipts r JOIN outbox_events o ON o.id = r.event_id WHERE o.record_id = $1`, [rdvId]))[0]?.status;
      expect(await waitFor(async () => ((await consumerStatus()) === 'done' ? 'done' : null), 10_000, 'the consumer settled')).toBe('done');
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

describe('the territory\'s HTTP SMS provider', () => {
  let receiver: Receiver;
  let smtp: TestSmtpServer;
  let test: TestPlatform;
  let f: BookingFixture;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    receiver = await Receiver.start();
    smtp = await startSmtpServer();
    test = await TestPlatform.start({ now: NOW, config: { smtpUrl: smtp.url, jobs: fastJobs() } });
    f = await bookingFixture(test);
    const config = await test.call('get', '/api/v1/territories/current/config/notifications', { token: f.tokens.territorialAdmin });
    const document = structuredClone(config.body.document);
    document.events.rdv_created.channels = ['sms'];
    document.sms.strip_accents = true;
    document.sms.provider = {
      kind: 'http', url: `${receiver.url}/sms`, token: 'sms-token-7f2b', message_id_field: 'data.id',
      body: { recipient: '{{to}}', message: '{{text}}', sender: 'MAIRIE' },
    };
    expectStatus(await test.call('put', '/api/v1/territories/current/config/notifications', { token: f.tokens.territorialAdmin, body: document }), 200);
    pipeline = await startPipeline(test);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await test?.stop();
    await smtp?.close();
    await receiver?.stop();
  });

  async function smsReceipt(rdvId: string) {
    return waitFor(async () => {
      const [receipt] = await test.sql(`SELECT status, reason, attempts, provider_message_id FROM notification_receipts WHERE rdv_id = $1 AND channel = 'sms'`, [rdvId]);
      return receipt && !['pending', 'sending'].includes(receipt.status) ? receipt : null;
    }, 30_000, 'the SMS receipt');
  }

  it('gets the SMS with the opened token, in GSM-7 when the territory asks, and its id goes on the receipt', async () => {
    receiver.answer = () => ({ status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { id: 'sms-981' } }) });
    const rdvId = await bookFor(test, f, f.camille, '2026-12-01T09:00:00+01:00');
    expect(await smsReceipt(rdvId)).toEqual({ status: 'sent', reason: null, attempts: 1, provider_message_id: 'sms-981' });
    const [request] = receiver.requests;
    expect(request.headers.authorization).toBe('Bearer sms-token-7f2b');
    const body = JSON.parse(request.body);
    expect(body).toEqual({ recipient: '+33612345678', message: expect.any(String), sender: 'MAIRIE' });
    // GSM-7 has é and à, not ô.
    expect(body.message).toMatch(/^RDV confirmé le mardi 1er décembre 2026 à 09h00, Hotel de ville, 1 place de la Mairie/);
    expect(body.message).toMatch(new RegExp(`Infos et annulation : ${test.baseUrl}/public/rdvs/[A-Za-z0-9_-]{22}$`));
  });

  it('is tried again after a 503 and not after a 400, which fails the SMS with the status, not the provider\'s answer', async () => {
    let calls = 0;
    receiver.answer = () => (++calls === 1 ? { status: 503, body: 'busy' } : { status: 200, body: '{}' });
    const retried = await bookFor(test, f, f.camille, '2026-12-01T09:20:00+01:00');
    expect(await smsReceipt(retried)).toMatchObject({ status: 'sent', attempts: 2 });

    receiver.answer = () => ({ status: 400, body: '{"error":"unknown recipient"}' });
    const refused = await bookFor(test, f, f.camille, '2026-12-01T09:40:00+01:00');
    expect(await smsReceipt(refused)).toEqual({
      status: 'failed', attempts: 1, provider_message_id: null, reason: 'Le fournisseur SMS a refusé le message (HTTP 400)',
    });
  });
});
