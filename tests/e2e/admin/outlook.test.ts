import type { Page } from 'playwright-core';
import { dropQueueKeys, pipelineConfig, RunningPipeline, waitFor } from '../../support/events';
import { FakeMicrosoft } from '../../support/fake-microsoft';
import type { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, bookRdv, signIn, signOut, startAdminSession } from './support';

const ANNE = 'agent.etatcivil@demo.test';

/**
 * A territorial admin turns Outlook 365 on; an agent connects their calendar from « Mon
 * compte » (issue 18): Microsoft's sign-in (a real HTTP server on 127.0.0.1,
 * tests/support/fake-microsoft.ts) sends them back connected, their rdv appears in the
 * calendar, and « Déconnecter » removes it.
 */
describe('admin UI: Outlook 365', () => {
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let microsoft: FakeMicrosoft;
  let running: RunningPipeline;
  let session: AdminSession;
  const violations: string[] = [];

  beforeAll(async () => {
    microsoft = await FakeMicrosoft.start();
    microsoft.addAccount({ email: ANNE, name: 'Anne Outlook' });
    session = await startAdminSession('territoire@demo.test', { config: { ...pipelineConfig(), env: microsoft.env } });
    ({ test, page, ids } = session);
    running = await RunningPipeline.start(test);
  }, 300_000);
  afterAll(async () => {
    await running?.stop();
    if (test) await dropQueueKeys(test.platform.config);
    await session?.stop();
    await microsoft?.stop();
  });

  it('is turned on by a territorial admin from « Modules »', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Modules' }).click();
    await page.locator('[data-test="plugin-outlook"]').getByText('Outlook 365 : les rendez-vous des agents écrits dans leur agenda Outlook, tenus à jour').waitFor();
    await page.getByRole('link', { name: 'Régler outlook' }).click();
    await page.getByRole('checkbox', { name: 'Activer le module outlook sur le territoire' }).check();
    violations.push(...(await auditScreen(page, 'territory-plugin-outlook')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const [stored] = await test.sql(`SELECT document FROM territory_configs WHERE key = 'plugins.outlook' ORDER BY version DESC LIMIT 1`);
    expect(stored.document).toMatchObject({ enabled: true, config: {} });
    await signOut(page);
  });

  it('connects Outlook, shows the rdv written there, and disconnects', async () => {
    await signIn(page, test.baseUrl, ANNE);
    const admin = await test.signIn('admin.mairie@demo.test');
    const user = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token: admin, body: { first_name: 'Camille', last_name: 'Martin' } });
    expect(user.status).toBe(201);
    const [{ id: motif }] = await test.sql(`SELECT id FROM motifs WHERE name = $1`, ["Carte d'identité et passeport"]);
    const [{ id: lieu }] = await test.sql(`SELECT id FROM lieux WHERE name = 'Hôtel de ville'`);
    const rdvId = await bookRdv(test, admin, ids.mairie, {
      motif_id: motif, lieu_id: lieu, starts_at: '2026-11-25T09:00:00+01:00', agent_ids: [ids.basicEtatCivil], user_ids: [user.body.id],
    });

    await page.getByRole('button', { name: /^Mon compte/ }).click();
    await page.locator('[data-test="my-account"]').click();
    const card = page.locator('[data-test="outlook"]');
    await card.getByRole('button', { name: 'Connecter Outlook' }).waitFor();
    violations.push(...(await auditScreen(page, 'account-outlook-disconnected')));

    // From the keyboard: Microsoft's sign-in, then back to « Mon compte ».
    await card.getByRole('button', { name: 'Connecter Outlook' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/admin/account' && url.searchParams.get('outlook') === 'connected');
    await page.getByRole('status').filter({ hasText: 'Outlook est connecté' }).waitFor();
    await card.getByText('Anne Outlook (agent.etatcivil@demo.test)').waitFor();

    await waitFor('the rdv in Outlook', () => microsoft.events(ANNE).some((event) => event.body.content.includes(`/admin/rdvs/${rdvId}`)));
    await waitFor('the sync recorded', async () => (await test.sql(`SELECT last_success_at FROM outlook_connections`))[0]?.last_success_at !== null);
    await page.reload();
    await card.getByText('Dernière synchronisation').waitFor();
    await card.getByRole('button', { name: 'Déconnecter' }).waitFor();
    violations.push(...(await auditScreen(page, 'account-outlook-connected')));

    await card.getByRole('button', { name: 'Déconnecter' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Les rendez-vous écrits dans votre agenda Outlook en seront retirés').waitFor();
    await dialog.getByRole('button', { name: 'Déconnecter Outlook' }).click();
    await card.getByRole('button', { name: 'Connecter Outlook' }).waitFor();
    expect(microsoft.events(ANNE)).toEqual([]);
    expect(await test.sql(`SELECT name FROM plugin_secrets WHERE plugin = 'outlook'`)).toEqual([]);
    violations.push(...(await auditScreen(page, 'account-outlook-after-disconnection')));
    expect(violations).toEqual([]);
  });
});
