import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { dropQueueKeys, pipelineConfig, RunningPipeline, waitFor } from '../../support/events';
import type { demoIds, TestPlatform } from '../../support/platform';
import { Receiver } from '../../support/receiver';
import { AdminSession, auditScreen, startAdminSession } from './support';

/**
 * An organisation admin connects a partner's system by webhook (issue 17): an address and
 * a secret given once, then the delivery log with what the receiver answered, and a replay.
 */
describe('admin UI: webhooks', () => {
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let receiver: Receiver;
  let running: RunningPipeline;
  const violations: string[] = [];
  /** The secret generated in the form, which the receiver checks signatures with. */
  let secret = '';

  let session: AdminSession;
  beforeAll(async () => {
    session = await startAdminSession('admin.mairie@demo.test', { config: pipelineConfig() });
    ({ test, page, ids } = session);
    receiver = await Receiver.start();
    running = await RunningPipeline.start(test);
  }, 300_000);
  afterAll(async () => {
    await running?.stop();
    await receiver?.stop();
    if (test) await dropQueueKeys(test.platform.config);
    await session?.stop();
  });

  it('adds an address with a generated secret, shown masked once saved', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByText('Aucune adresse de webhook.').waitFor();
    await page.locator('[data-test="new-endpoint"]').click();
    await page.getByRole('textbox', { name: /^Adresse de réception \(URL\)/ }).fill(`${receiver.url}/lapin`);
    await page.locator('[data-test="generate-secret"]').click();
    secret = await page.getByRole('textbox', { name: /^Secret de signature/ }).inputValue();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    violations.push(...(await auditScreen(page, 'webhook-new')));
    await page.getByRole('dialog').getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('cell', { name: `${receiver.url}/lapin`, exact: true }).waitFor();
    await page.getByText(`********${secret.slice(-4)}`).waitFor();
    const [endpoint] = await test.sql(`SELECT subscriptions FROM webhook_endpoints WHERE organisation_id = $1`, [ids.mairie]);
    expect(endpoint.subscriptions).toContain('lieu');
  });

  it('shows each delivery with what the receiver answered, and sends one again on demand', async () => {
    // The partner's system fails once, then takes the change.
    receiver.answer = () => (receiver.requests.length === 1 ? { status: 500, body: 'base indisponible' } : { status: 200 });
    const admin = await test.signIn('admin.mairie@demo.test');
    const lieu = await test.call('post', `/api/v1/organisations/${ids.mairie}/lieux`, { token: admin, body: { name: 'Salle des fêtes', address: '3 rue du Parc, 71000 Val-Fleuri' } });
    expect(lieu.status).toBe(201);
    await waitFor('the delivery taken', async () => (await test.sql(`SELECT 1 FROM webhook_deliveries WHERE status = 'delivered'`)).length === 1, 20_000);

    await page.getByRole('button', { name: `Journal des envois à ${receiver.url}/lapin` }).click();
    const log = page.locator('[data-test="delivery-log"]');
    const row = log.getByRole('row', { name: /lieu\.created/ });
    await row.getByText('Reçu').waitFor();
    expect(await row.getByRole('cell').nth(3).innerText()).toBe('2');
    await row.getByText('HTTP 200').waitFor();
    violations.push(...(await auditScreen(page, 'webhook-log')));

    await row.getByRole('button', { name: /^Renvoyer lieu\.created/ }).click();
    await waitFor('the delivery sent again', () => receiver.requests.length === 3, 10_000);
    expect(receiver.requests[2].headers['x-lapin-delivery']).toBe(receiver.requests[1].headers['x-lapin-delivery']);
    expect(receiver.requests[2].body).toBe(receiver.requests[1].body);
  });

  it('sends a test event, signed with the secret, and shows what the receiver answered', async () => {
    receiver.answer = (request) => (JSON.parse(request.body).meta.event === 'test' ? { status: 202, body: 'test reçu' } : { status: 200 });
    const before = receiver.requests.length;
    await page.getByRole('button', { name: `Envoyer un test à ${receiver.url}/lapin` }).click();
    await page.getByRole('status').filter({ hasText: 'Événement de test : Reçu — HTTP 202' }).waitFor();
    const row = page.locator('[data-test="delivery-log"]').getByRole('row', { name: /webhook\.test/ });
    await row.getByText('Reçu').waitFor();
    expect(await row.getByRole('cell').nth(3).innerText()).toBe('1');
    expect(receiver.requests).toHaveLength(before + 1);
    const [request] = receiver.requests.slice(before);
    expect(JSON.parse(request.body).meta).toMatchObject({ model: 'Webhook', event: 'test' });
    const signed = crypto.createHmac('sha256', secret).update(`${request.headers['x-lapin-timestamp']}.${request.body}`).digest('hex');
    expect(request.headers['x-lapin-signature-v2']).toBe(signed);
    violations.push(...(await auditScreen(page, 'webhook-test')));
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
