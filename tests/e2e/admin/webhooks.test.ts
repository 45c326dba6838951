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
    const secret = await page.getByRole('textbox', { name: /^Secret de signature/ }).inputValue();
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

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
