import type { Page } from 'playwright-core';
import type { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, choose, startAdminSession } from './support';

/**
 * A territorial admin finds the installed plugins and sets one on the screen drawn from
 * its own configuration schema (issue 17): what is saved there takes effect at once.
 */
describe('admin UI: plugins', () => {
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  const violations: string[] = [];
  const nav = () => page.getByRole('navigation');

  let session: AdminSession;
  beforeAll(async () => {
    session = await startAdminSession('territoire@demo.test');
    ({ test, page, ids } = session);
  }, 300_000);
  afterAll(() => session?.stop());

  it('lists the installed plugins with what they do and whether they are on', async () => {
    await nav().getByRole('link', { name: 'Modules' }).click();
    await page.getByRole('heading', { level: 1, name: 'Modules' }).waitFor();
    await page.locator('[data-test="plugin-webhooks"]').getByText('Signed HTTP notifications of changes to the systems of organisations').waitFor();
    await page.locator('[data-test="plugin-webhooks"]').getByText('Activé').waitFor();
    await page.locator('[data-test="plugin-ants"]').getByText('Désactivé').waitFor();
    violations.push(...(await auditScreen(page, 'territory-plugins')));
  });

  it('sets the webhooks plugin from its own schema: allowed hosts and one organisation off, which endpoints then obey', async () => {
    await page.getByRole('link', { name: 'Régler webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'webhooks' }).waitFor();
    const hosts = page.getByRole('combobox', { name: /^Allowed target hosts/ });
    // The allowed host is this machine's: the test has no other to reach.
    await hosts.fill('localhost');
    await hosts.press('Enter');
    await choose(page, 'webhooks pour CCAS de Val-Fleuri', 'Désactivé');
    violations.push(...(await auditScreen(page, 'territory-plugin-webhooks')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const [stored] = await test.sql(`SELECT document FROM territory_configs WHERE key = 'plugins.webhooks' ORDER BY version DESC LIMIT 1`);
    expect(stored.document).toMatchObject({ config: { allowed_hosts: ['localhost'] }, organisations: { [ids.ccas]: { enabled: false } } });

    const admin = await test.signIn('admin.mairie@demo.test');
    const endpoint = (target_url: string) => test.call('post', `/api/v1/organisations/${ids.mairie}/webhook_endpoints`, {
      token: admin, body: { target_url, secret: 'un-secret-de-seize-caracteres' },
    });
    const refused = await endpoint('https://ailleurs.example.org/hook');
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body.errors)).toContain('ailleurs.example.org');
    expect((await endpoint('http://localhost:9/lapin')).status).toBe(201);
    // The history shows the new version in force.
    await page.locator('[data-test^="version-"]', { hasText: 'en vigueur' }).waitFor();
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
