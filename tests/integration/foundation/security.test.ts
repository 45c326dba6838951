import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_OPERATOR } from '../../../platform/src/bootstrap';
import { createApp } from '../../../platform/src/http/app';
import { BullMqQueue } from '../../../platform/src/jobs/bullmq-queue';
import { platformMail } from '../../../platform/src/notifications/mail';
import { demoIds, TestPlatform } from '../../support/platform';
import { Receiver } from '../../support/receiver';
import { bookingFixture, expectStatus, NOW, type BookingFixture } from '../booking/helpers';
import { fastJobs, startPipeline, waitFor, type RunningPipeline } from '../notifications/pipeline';
import { expectProblem, invitationLink, invitationLinks, invitationToken } from './helpers';

const NEW_PASSWORD = 'un-mot-de-passe-solide';

describe('an organisation admin inviting an agent of the territory who has no password yet', () => {
  let test: TestPlatform;
  let demo: Awaited<ReturnType<typeof demoIds>>;

  beforeAll(async () => {
    test = await TestPlatform.start();
    demo = await demoIds(test);
  });
  afterAll(() => test?.stop());

  const invite = (token: string, organisationId: string, email: string) =>
    test.call('post', `/api/v1/organisations/${organisationId}/agents`, { token, body: { email, access_level: 'basic', service_ids: ['social'] } });
  const accept = (link: string) =>
    test.call('post', `/api/v1/invitations/${invitationToken(link)}/accept`, { body: { password: NEW_PASSWORD } });

  it('gets no link to the account, learns nothing of its other organisations, and the earlier link stops working', async () => {
    // The CCAS invites a new colleague, who has not chosen a password yet.
    const ccasAdmin = await test.signIn('travailleur.social@demo.test');
    expectStatus(await invite(ccasAdmin, demo.ccas, 'nouvelle.collegue@demo.test'), 201);
    const [first] = await invitationLinks(test, 'nouvelle.collegue@demo.test');

    // The Mairie's admin "invites" the same address into the Mairie.
    const mairieAdmin = await test.signIn('admin.mairie@demo.test');
    const invited = await invite(mairieAdmin, demo.mairie, 'nouvelle.collegue@demo.test');
    expectStatus(invited, 201);
    expect(JSON.stringify(invited.body)).not.toMatch(/invitations\//);
    expect(invited.body.invitation_sent).toBe(true);
    expect(invited.body.agent.roles).toEqual([{ organisation_id: demo.mairie, access_level: 'basic' }]);
    expect(await invitationLinks(test, 'admin.mairie@demo.test')).toEqual([]);

    // The newest link went to the agent's own address; the earlier one no longer opens.
    const links = await invitationLinks(test, 'nouvelle.collegue@demo.test');
    expect(links).toHaveLength(2);
    expect(links[1]).toBe(first);
    expectProblem(await accept(first), 404);
    const accepted = await accept(links[0]);
    expect(accepted.status).toBe(200);
    expect(accepted.body.agent.email).toBe('nouvelle.collegue@demo.test');
  });

  it('a brand-new agent gets the link by email only', async () => {
    const mairieAdmin = await test.signIn('admin.mairie@demo.test');
    const invited = await invite(mairieAdmin, demo.mairie, 'tout.nouveau@demo.test');
    expectStatus(invited, 201);
    expect(JSON.stringify(invited.body)).not.toMatch(/invitations\//);
    expect((await accept(await invitationLink(test, 'tout.nouveau@demo.test'))).status).toBe(200);
  });
});

describe("a territory's SMS provider URL", () => {
  let receiver: Receiver;
  let test: TestPlatform;
  let f: BookingFixture;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    receiver = await Receiver.start();
    // As in production: private and loopback targets refused.
    test = await TestPlatform.start({ now: NOW, config: { allowPrivateWebhookTargets: false, jobs: fastJobs() } });
    f = await bookingFixture(test);
    const config = await test.call('get', '/api/v1/territories/current/config/notifications', { token: f.tokens.territorialAdmin });
    const document = structuredClone(config.body.document);
    document.events.rdv_created.channels = ['sms'];
    document.sms.provider = { kind: 'http', url: `${receiver.url}/sms`, token: 'sms-token-7f2b' };
    expectStatus(await test.call('put', '/api/v1/territories/current/config/notifications', { token: f.tokens.territorialAdmin, body: document }), 200);
    pipeline = await startPipeline(test);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await test?.stop();
    await receiver?.stop();
  });

  async function bookAndReadSmsReceipt(startsAt: string) {
    const booked = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.etatCivil,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], user_ids: [f.camille], starts_at: startsAt },
    });
    expectStatus(booked, 201);
    // What the agent reads about the rdv's notifications.
    return waitFor(async () => {
      const receipts = await test.call('get', `/api/v1/rdvs/${booked.body.id}/receipts`, { token: f.tokens.etatCivil });
      const sms = receipts.body.data.find((receipt: { channel: string }) => receipt.channel === 'sms');
      return sms && !['pending', 'sending'].includes(sms.status) ? { sms, all: JSON.stringify(receipts.body) } : null;
    }, 30_000, 'the SMS receipt');
  }

  it('is not called on a loopback address unless the instance allows private targets', async () => {
    const { sms } = await bookAndReadSmsReceipt('2026-12-01T09:00:00+01:00');
    expect(sms).toMatchObject({ status: 'failed', reason: "L'adresse du fournisseur SMS est privée ou locale : envoi refusé" });
    expect(receiver.requests).toEqual([]);
  });

  it("shows agents the provider's status, never its answer", async () => {
    test.platform.config.allowPrivateWebhookTargets = true;
    try {
      receiver.answer = () => ({ status: 400, body: '{"error":"ssh-rsa AAAAB3Nza internal-host db-7.corp"}' });
      const { sms, all } = await bookAndReadSmsReceipt('2026-12-01T09:20:00+01:00');
      expect(sms).toMatchObject({ status: 'failed', reason: 'Le fournisseur SMS a refusé le message (HTTP 400)' });
      expect(all).not.toMatch(/ssh-rsa|internal-host|db-7/);
      expect(receiver.requests).toHaveLength(1);
    } finally {
      test.platform.config.allowPrivateWebhookTargets = false;
    }
  });
});

describe('the dev mailbox (one-time codes and links)', () => {
  let test: TestPlatform;
  let elsewhere: http.Server;
  let elsewhereUrl: string;

  beforeAll(async () => {
    test = await TestPlatform.start();
    await platformMail(test.platform).send({
      from: { name: 'Mairie', address: 'no-reply@lapin.localhost' },
      to: { address: 'zoe@example.org' },
      subject: 'Votre code : 481516',
      text: 'Votre code de confirmation est 481516.',
      html: '<p>Votre code de confirmation est 481516.</p>',
    });
    // The same application, reached as if from another machine (203.0.113.9, a documentation address).
    const app = createApp(test.platform).callback();
    elsewhere = http.createServer((request, response) => {
      Object.defineProperty(request.socket, 'remoteAddress', { value: '203.0.113.9' });
      void app(request, response);
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    elsewhere?.closeAllConnections();
    await new Promise((resolve) => elsewhere?.close(resolve));
    await test?.stop();
  });

  const fromElsewhere = (path: string, headers: Record<string, string> = {}) => fetch(`${elsewhereUrl}${path}`, { headers });

  it('answers 404 to another machine, even one that claims to be loopback or signs in as an agent', async () => {
    const attempts: Array<Record<string, string>> = [{}, { 'x-forwarded-for': '127.0.0.1' }, { authorization: `Bearer ${await test.signIn('territoire@demo.test')}` }];
    for (const headers of attempts) {
      for (const path of ['/dev/mailbox', '/dev/mailbox?format=json']) {
        const response = await fromElsewhere(path, headers);
        expect(response.status).toBe(404);
        expect(await response.text()).not.toContain('481516');
      }
    }
  });

  it('opens to the platform admin, and to the machine itself only on the embedded database', async () => {
    const operator = await test.signIn(DEMO_OPERATOR.email);
    const asAdmin = await fromElsewhere('/dev/mailbox?format=json', { authorization: `Bearer ${operator}` });
    expect(asAdmin.status).toBe(200);
    expect(JSON.stringify(await asAdmin.json())).toContain('481516');

    expect((await test.call('get', '/dev/mailbox?format=json')).body.data[0].text).toContain('481516');
    test.platform.config.databaseUrl = 'postgres://db.internal:5432/lapin';
    try {
      expect((await test.call('get', '/dev/mailbox?format=json')).status).toBe(404);
    } finally {
      test.platform.config.databaseUrl = undefined;
    }
  });
});

describe('HTTP hardening', () => {
  let test: TestPlatform;
  beforeAll(async () => {
    test = await TestPlatform.start({ demo: false });
  });
  afterAll(() => test?.stop());

  it.each([
    ['/public/organisations/mairie-val-fleuri', "'self'"],
    ['/admin/', "'self'"],
    ['/dev/mailbox', "'self'"],
    ['/api/openapi.json', "'self'"],
    ['/api/v1/organisations', "'self'"],
  ])('%s comes with CSP (scripts of our own only, no framing), HSTS, Permissions-Policy, nosniff and Referrer-Policy', async (path, scripts) => {
      const { headers } = await test.call('get', path);
      const policy = Object.fromEntries((headers.get('content-security-policy') ?? '').split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name, values.join(' ')];
      }));
      expect(policy).toMatchObject({ 'script-src': scripts, 'frame-ancestors': "'none'", 'object-src': "'none'", 'base-uri': "'self'" });
      expect(headers.get('strict-transport-security')).toMatch(/^max-age=\d{8,}/);
      expect(headers.get('permissions-policy')).toContain('camera=()');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('referrer-policy')).toBe('same-origin');
    });

  it('/health names no internal address when the queue does not answer', async () => {
    // A port nothing listens on: the queue's error names the address, the answer must not.
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const queue = new BullMqQueue({ concurrency: 1, retryMaxMs: 1000, log: () => undefined, url: `redis://127.0.0.1:${port}`, prefix: 'health-address-test' });
    test.platform.queue = queue;
    try {
      const health = await test.call('get', '/health');
      expectProblem(health, 503);
      expect(health.body.detail).toBe('The job queue does not answer');
      expect(JSON.stringify(health.body)).not.toMatch(new RegExp(`127\\.0\\.0\\.1|${port}|ECONNREFUSED`));
    } finally {
      test.platform.queue = undefined;
      await queue.close();
    }
  });
});
