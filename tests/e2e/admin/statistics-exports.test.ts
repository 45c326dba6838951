import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { fastJobs, RunningPipeline, startPipeline } from '../../integration/notifications/pipeline';
import { AdminSession, auditScreen, bookRdv, startAdminSession } from './support';

/**
 * « Statistiques » and « Vos exports » (issue 20, seed 001 « Comment exporter une liste de
 * rendez-vous ? »): an organisation admin reads the week's figures as charts and tables,
 * then exports the list of rdvs, follows it in « Vos exports » and downloads the .xlsx.
 */
describe('admin UI: statistiques et exports', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let pipeline: RunningPipeline;
  const violations: string[] = [];

  beforeAll(async () => {
    session = await startAdminSession('admin.mairie@demo.test', { config: { jobs: fastJobs() } });
    ({ test, page, ids } = session);
    pipeline = await startPipeline(test);
    const token = await test.signIn('admin.mairie@demo.test');
    const [{ id: cni }] = await test.sql(`SELECT id FROM motifs WHERE name = $1`, ["Carte d'identité et passeport"]);
    const [{ id: hotel }] = await test.sql(`SELECT id FROM lieux WHERE name = 'Hôtel de ville'`);
    const usager = (await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token, body: { first_name: 'Camille', last_name: 'Martin' } })).body.id;
    // "Now" is Wednesday 18 November 2026, 10:00 in Paris: two rdvs this week, one next week.
    for (const startsAt of ['2026-11-19T09:00:00+01:00', '2026-11-20T09:00:00+01:00', '2026-11-24T09:00:00+01:00']) {
      await bookRdv(test, token, ids.mairie, { motif_id: cni, lieu_id: hotel, starts_at: startsAt, agent_ids: [ids.basicEtatCivil], user_ids: [usager] });
    }
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await session?.stop();
  });

  it('shows the period’s statistics as charts with their tables, then exports the list, follows it and downloads it', async () => {
    await page.getByRole('link', { name: 'Statistiques' }).click();
    await page.getByRole('heading', { name: 'Statistiques', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Du', exact: true }).fill('2026-11-16');
    await page.getByRole('textbox', { name: 'Au (inclus)' }).fill('2026-11-22');
    await page.getByRole('button', { name: 'Afficher' }).click();
    await page.locator('[data-test="period"]').filter({ hasText: 'Du 16/11/2026 au 22/11/2026 : 2 rendez-vous.' }).waitFor();
    // The chart's figures as a table, opened from the keyboard.
    const statusTable = page.locator('[data-test="table-status"]');
    await statusTable.locator('summary').focus();
    await page.keyboard.press('Enter');
    await statusTable.getByRole('row', { name: 'À venir 2' }).waitFor();
    await page.locator('[data-test="table-created"]').locator('summary').click();
    await page.locator('[data-test="table-created"]').getByRole('row', { name: 'Semaine du 16/11 3' }).waitFor();
    violations.push(...(await auditScreen(page, 'statistics')));

    await page.getByRole('link', { name: 'Liste des RDV' }).click();
    await page.getByRole('heading', { name: 'Liste des RDV', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Du', exact: true }).fill('2026-11-19');
    await page.getByRole('button', { name: 'Rafraîchir la liste' }).click();
    await page.locator('[data-test="count"]').filter({ hasText: '3 rendez-vous.' }).waitFor();
    await page.locator('[data-test="export"]').click();
    await page.getByText('Exporter les rendez-vous (.xlsx)', { exact: true }).click();
    await page.locator('[data-test="export-requested"]').getByRole('link', { name: 'Vos exports' }).click();
    await page.getByRole('heading', { name: 'Vos exports', level: 1 }).waitFor();
    await page.getByText('Prêt (3 lignes)').waitFor({ timeout: 30_000 });
    violations.push(...(await auditScreen(page, 'exports')));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Télécharger export-rdvs-/ }).click()]);
    expect(download.suggestedFilename()).toMatch(/^export-rdvs-\d{8}-\d{4}\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile((await download.path())!);
    const sheet = workbook.worksheets[0];
    expect(sheet.rowCount).toBe(4);
    expect(sheet.getRow(2).getCell(5).value).toEqual(new Date('2026-11-19T09:00:00Z'));
    expect(violations).toEqual([]);
  });
});
