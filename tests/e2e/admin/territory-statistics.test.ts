import type { Page } from 'playwright-core';
import { TestPlatform } from '../../support/platform';
import { fastJobs, RunningPipeline, startPipeline } from '../../integration/notifications/pipeline';
import { AdminSession, auditScreen, bookRdv, startAdminSession } from './support';

/**
 * « Statistiques du territoire » (issue 20): a territorial admin chooses a period, reads a
 * chart's figures in its table, then exports the period's rdvs of the whole territory and
 * finds the export ready in « Vos exports ».
 */
describe('admin UI: statistiques du territoire', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let pipeline: RunningPipeline;
  const violations: string[] = [];

  beforeAll(async () => {
    session = await startAdminSession('territoire@demo.test', { config: { jobs: fastJobs() } });
    ({ test, page } = session);
    const { ids } = session;
    pipeline = await startPipeline(test);
    const token = await test.signIn('admin.mairie@demo.test');
    const [{ id: cni }] = await test.sql(`SELECT id FROM motifs WHERE name = $1`, ["Carte d'identité et passeport"]);
    const [{ id: hotel }] = await test.sql(`SELECT id FROM lieux WHERE name = 'Hôtel de ville'`);
    const usager = (await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token, body: { first_name: 'Camille', last_name: 'Martin' } })).body.id;
    // "Now" is Wednesday 18 November 2026, 10:00 in Paris: two rdvs this week, one the week after.
    for (const startsAt of ['2026-11-19T09:00:00+01:00', '2026-11-20T09:00:00+01:00', '2026-11-24T09:00:00+01:00']) {
      await bookRdv(test, token, ids.mairie, { motif_id: cni, lieu_id: hotel, starts_at: startsAt, agent_ids: [ids.basicEtatCivil], user_ids: [usager] });
    }
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await session?.stop();
  });

  it('shows the chosen period’s figures with their tables, then exports the period for the whole territory', async () => {
    await page.getByRole('link', { name: 'Statistiques du territoire' }).click();
    await page.getByRole('heading', { name: 'Statistiques du territoire', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Du', exact: true }).fill('2026-11-16');
    await page.getByRole('textbox', { name: 'Au (inclus)' }).fill('2026-11-22');
    await page.getByRole('button', { name: 'Afficher' }).click();
    await page.locator('[data-test="period"]').filter({ hasText: 'Du 16/11/2026 au 22/11/2026 : 2 rendez-vous.' }).waitFor();
    const statusTable = page.locator('[data-test="table-status"]');
    await statusTable.locator('summary').focus();
    await page.keyboard.press('Enter');
    await statusTable.getByRole('row', { name: 'À venir 2' }).waitFor();
    // Booked this week: the three rdvs, whenever they start.
    await page.locator('[data-test="table-created"]').locator('summary').click();
    await page.locator('[data-test="table-created"]').getByRole('row', { name: 'Semaine du 16/11 3' }).waitFor();
    violations.push(...(await auditScreen(page, 'territory statistics')));

    await page.locator('[data-test="export"]').click();
    await page.getByText('Exporter les rendez-vous du territoire sur la période (.xlsx)', { exact: true }).click();
    await page.locator('[data-test="export-requested"]').getByRole('link', { name: 'Vos exports' }).click();
    await page.getByRole('heading', { name: 'Vos exports', level: 1 }).waitFor();
    const entry = page.locator('[data-test^="export-"]');
    await entry.getByText('Rendez-vous — tout le territoire').waitFor();
    // The period's two rdvs, not the one of the week after.
    await entry.getByText('Prêt (2 lignes)').waitFor({ timeout: 30_000 });
    violations.push(...(await auditScreen(page, 'exports')));
    expect(violations).toEqual([]);
  });
});
