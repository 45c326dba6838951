import type { Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, bookRdv, choose, signIn, signOut, startAdminSession } from './support';

/**
 * "Liste des RDV" (seed 001: an agent narrows the organisation's rdvs by criteria, refreshes
 * the list, and opens a fiche): filters, count, sort, paging, and what a basic agent sees.
 */
describe('admin UI: liste des RDV', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  const rdv: Record<string, string> = {};
  const violations: string[] = [];
  const count = () => page.locator('[data-test="count"]');
  const firstRow = () => page.locator('tbody tr').first();

  beforeAll(async () => {
    session = await startAdminSession('admin.mairie@demo.test');
    ({ test, page, ids } = session);
    const token = await test.signIn('admin.mairie@demo.test');
    const id = async (table: string, name: string) => (await test.sql(`SELECT id FROM ${table} WHERE name = $1`, [name]))[0].id as string;
    const usager = async (first_name: string, last_name: string) => {
      const answer = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token, body: { first_name, last_name, phone_number: '0612345678' } });
      return answer.body.id as string;
    };
    const camille = await usager('Camille', 'Martin');
    const sacha = await usager('Sacha', 'Petit');
    const cni = await id('motifs', "Carte d'identité et passeport");
    const hotel = await id('lieux', 'Hôtel de ville');
    rdv.cni = await bookRdv(test, token, ids.mairie, { motif_id: cni, lieu_id: hotel, starts_at: '2026-11-19T09:00:00+01:00', agent_ids: [ids.basicEtatCivil], user_ids: [camille] });
    rdv.permis = await bookRdv(test, token, ids.mairie, { motif_id: await id('motifs', 'Permis de construire — conseil'), starts_at: '2026-11-20T14:00:00+01:00', agent_ids: [ids.basicUrbanisme], user_ids: [sacha] });
    rdv.online = await bookRdv(test, token, ids.mairie, { motif_id: cni, lieu_id: await id('lieux', 'Mairie annexe des Tilleuls'), starts_at: '2026-11-25T10:00:00+01:00', agent_ids: [ids.basicEtatCivil], user_ids: [sacha] });
    await test.sql(`UPDATE rdvs SET created_by = 'user' WHERE id = $1`, [rdv.online]);
    // Enough past rdvs to page: 50 a page.
    for (let day = 1; day <= 51; day += 1) {
      await bookRdv(test, token, ids.mairie, { motif_id: cni, lieu_id: hotel, starts_at: `2026-09-${String(1 + (day % 30)).padStart(2, '0')}T${String(8 + Math.floor(day / 30)).padStart(2, '0')}:00:00+02:00`, agent_ids: [ids.mairieAdmin], user_ids: [camille] });
    }
  }, 300_000);
  afterAll(() => session?.stop());

  it('lists, counts, filters, sorts and pages the organisation’s rdvs, and opens their fiche', async () => {
    await page.getByRole('link', { name: 'Liste des RDV' }).click();
    await page.getByRole('heading', { name: 'Liste des RDV', level: 1 }).waitFor();
    await count().filter({ hasText: '54 rendez-vous.' }).waitFor();
    // September's rdvs are past with no status yet: the agent has to say how they went.
    await firstRow().getByText('À renseigner').waitFor();
    await page.getByRole('button', { name: 'Aller à la page 2' }).click();
    await page.locator(`[data-test="rdv-${rdv.online}"]`).waitFor();
    violations.push(...(await auditScreen(page, 'rdv-list')));

    await page.getByRole('textbox', { name: 'Du', exact: true }).fill('2026-11-18');
    await choose(page, 'Motif', "Carte d'identité et passeport");
    await page.getByRole('button', { name: 'Rafraîchir la liste' }).click();
    await count().filter({ hasText: '2 rendez-vous.' }).waitFor();
    await page.locator(`[data-test="rdv-${rdv.cni}"]`).getByText('À venir').waitFor();
    await choose(page, 'Origine', 'Pris en ligne par l’usager');
    await page.getByRole('button', { name: 'Rafraîchir la liste' }).click();
    await count().filter({ hasText: 'Un rendez-vous.' }).waitFor();
    await firstRow().getByText('Pris en ligne par l’usager').waitFor();
    // The criteria stay in the address: a reload shows the same list.
    await page.reload();
    await count().filter({ hasText: 'Un rendez-vous.' }).waitFor();

    await page.getByRole('button', { name: 'Effacer les critères' }).click();
    await page.getByRole('textbox', { name: 'Du', exact: true }).fill('2026-11-18');
    await page.getByRole('textbox', { name: 'Au (inclus)' }).fill('2026-11-20');
    await page.getByRole('button', { name: 'Rafraîchir la liste' }).click();
    await count().filter({ hasText: '2 rendez-vous.' }).waitFor();
    await firstRow().getByText('Camille Martin').waitFor();
    await page.getByRole('columnheader', { name: /Date et heure/ }).getByRole('button').click();
    await page.locator('th[aria-sort="descending"]').waitFor();
    await firstRow().getByText('Sacha Petit').waitFor();
    expect(await firstRow().innerText()).toContain('Permis de construire — conseil');

    await firstRow().getByRole('link').click();
    await page.waitForURL(new RegExp(`/admin/(organisations/${ids.mairie}/)?rdvs/${rdv.permis}$`));
    expect(violations).toEqual([]);
  });

  it('shows a basic agent only the agendas of their services, and no other organisation’s list', async () => {
    await signOut(page);
    await signIn(page, test.baseUrl, 'agent.urbanisme@demo.test');
    await page.getByRole('link', { name: 'Liste des RDV' }).click();
    await count().filter({ hasText: 'Un rendez-vous.' }).waitFor();
    await page.locator(`[data-test="rdv-${rdv.permis}"]`).waitFor();
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.ccas}/rdvs`);
    await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
  });
});
