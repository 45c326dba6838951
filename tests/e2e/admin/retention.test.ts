import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import type { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, E2E_NOW, startAdminSession } from './support';

/**
 * A territorial admin reads, on the territory's Organisations screen, what the next RGPD
 * retention run will delete or anonymise: the counts the API gives, per kind with its rule.
 */
describe('admin UI: RGPD retention preview', () => {
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let session: AdminSession;

  beforeAll(async () => {
    session = await startAdminSession('territoire@demo.test');
    ({ test, page, ids } = session);
    // An usager created 25 months ago and never changed since: due for anonymisation, with the version of their creation.
    test.clock.set(DateTime.fromJSDate(E2E_NOW).minus({ months: 25 }).toJSDate());
    const token = await test.signIn('territoire@demo.test');
    const created = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token, body: { first_name: 'Ancien', last_name: 'Usager' } });
    expect(created.status).toBe(201);
    test.clock.set(E2E_NOW);
  }, 300_000);
  afterAll(() => session?.stop());

  it('shows the counts of the next run, per kind with its rule, and is accessible', async () => {
    const token = await test.signIn('territoire@demo.test');
    const preview = await test.call('get', '/api/v1/territories/current/retention', { token });
    expect(preview.status).toBe(200);
    const counts = Object.fromEntries(preview.body.kinds.map(({ kind, count }: { kind: string; count: number }) => [kind, count]));
    expect(counts).toMatchObject({ usagers: 1, record_versions: 1, rdvs: 0, agents: 0 });

    await page.getByRole('navigation').getByRole('link', { name: 'Organisations', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'Données personnelles : la prochaine suppression' }).waitFor();
    const usagers = page.locator('[data-test="retention-usagers"]');
    await usagers.getByRole('rowheader', { name: 'Usagers' }).waitFor();
    await usagers.getByText('anonymisés sans rendez-vous ni modification depuis 24 mois').waitFor();
    for (const [kind, count] of Object.entries(counts)) {
      expect(await page.locator(`[data-test="retention-${kind}"] td`).last().innerText()).toBe(String(count));
    }
    await page.locator('[data-test="retention-record_versions"]').getByText('ceux des usagers et des RDV après 12 mois, tous après 60 mois').waitFor();
    expect(await auditScreen(page, 'territory-retention')).toEqual([]);
  });
});
