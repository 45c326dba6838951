import crypto from 'node:crypto';
import IORedis from 'ioredis';
import { TestPlatform } from '../../support/platform';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtp';
import { parseMime } from '../../unit/notifications/mime';
import { bookingFixture, type BookingFixture, expectStatus, NOW, publicCreneaux } from '../booking/helpers';
import { fastJobs, startPipeline, waitFor, type RunningPipeline } from './pipeline';

/**
 * Codes and self-service links reach the usager's mailbox and nowhere else in clear:
 * not the outbox, not the stored answers of Idempotency-Key, not the queue's jobs (Redis).
 */
describe('secrets at rest', () => {
  const redisUrl = process.env.REDIS_URL;
  const queuePrefix = `lapin-test-${crypto.randomBytes(4).toString('hex')}`;
  let smtp: TestSmtpServer;
  let test: TestPlatform;
  let f: BookingFixture;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    test = await TestPlatform.start({ now: NOW, config: { smtpUrl: smtp.url, redisUrl, queuePrefix, jobs: fastJobs() } });
    f = await bookingFixture(test);
    pipeline = await startPipeline(test);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await test?.stop();
    await smtp?.close();
    if (redisUrl) {
      const redis = new IORedis(redisUrl);
      const keys = await redis.keys(`${queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  /** Everything stored that could carry a secret: the outbox, Idempotency-Key answers, and the queue's jobs in Redis. */
  async function storedText(): Promise<string> {
    const rows = await test.sql(`
      SELECT (SELECT coalesce(string_agg(payload::text, ' '), '') FROM outbox_events)
          || (SELECT coalesce(string_agg(response::text, ' '), '') FROM idempotency_keys) AS text`);
    let jobs = '';
    if (redisUrl) {
      const redis = new IORedis(redisUrl);
      for (const key of await redis.keys(`${queuePrefix}:*`)) {
        if ((await redis.type(key)) === 'hash') jobs += ` ${JSON.stringify(await redis.hgetall(key))}`;
      }
      redis.disconnect();
    }
    return rows[0].text + jobs;
  }

  const mailTo = (address: string) => waitFor(() => smtp.received.find((mail) => mail.to.includes(address)), 10_000, `mail to ${address}`);

  it('keeps the booking code, its confirmation link and the self-service link out of the outbox, replies and jobs', async () => {
    const [slot] = await publicCreneaux(test, f.mairieSlug, f.cni, f.hotelDeVille, '2026-12-02');
    const user = { first_name: 'Lina', last_name: 'Garnier', email: 'lina.garnier@example.fr' };
    const body = { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: slot.starts_at, user };
    const held = await test.call('post', '/api/public/rdvs', { body, headers: { 'idempotency-key': 'reservation-lina-1' } });
    expectStatus(held, 202);

    const subject = parseMime((await mailTo(user.email)).raw).headers.get('subject') ?? '';
    const code = /^(\d{6}) : votre code/.exec(subject)?.[1];
    expect(code).toMatch(/^\d{6}$/);

    // The usager's confirmation, sent twice with one key: the second answer is the first, link included.
    const confirmKey = { 'idempotency-key': 'confirmation-lina-1' };
    const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code }, headers: confirmKey });
    expectStatus(confirmed, 200);
    const replayed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code }, headers: confirmKey });
    expectStatus(replayed, 200);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(confirmed.body);
    const token = /\/public\/rdvs\/([A-Za-z0-9_-]+)$/.exec(confirmed.body.manage_url)?.[1];
    expect(token).toBeDefined();
    expectStatus(await test.call('post', `/api/public/rdvs/${token}/open`, { body: { last_name_prefix: 'gar' } }), 200);

    // Wait for the confirmation email: every event of the booking went through the queue.
    await waitFor(() => smtp.received.filter((mail) => mail.to.includes(user.email)).length >= 2, 10_000, 'the confirmation email');
    const stored = await storedText();
    expect(stored).toContain(held.body.id); // the events are there...
    expect(stored).not.toContain(`code=${code}`); // ...without the code, its link,
    expect(stored).not.toMatch(new RegExp(`"code":\\s*"${code}"`));
    expect(stored).not.toContain(token!); // or the self-service link.
  });

  it('keeps the verification code of an usager account out of the outbox and jobs', async () => {
    const email = 'yanis.morel@example.fr';
    const opened = await test.call('post', '/api/public/accounts', {
      body: { organisation_slug: f.mairieSlug, email, password: 'un mot de passe solide', first_name: 'Yanis', last_name: 'Morel' },
    });
    expectStatus(opened, 202);
    const subject = parseMime((await mailTo(email)).raw).headers.get('subject') ?? '';
    const code = /^(\d{6}) : votre code pour activer votre compte$/.exec(subject)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(await storedText()).not.toMatch(new RegExp(`"code":\\s*"${code}"`));
    expectStatus(await test.call('post', '/api/public/accounts/verify', { body: { email, code } }), 200);
  });
});
