import type { Locator, Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, choose, E2E_NOW, signIn, signOut, startAdminSession } from './support';

/**
 * The agenda's settings (seed 004, 6tzen): exceptional closures and reference weeks for an
 * organisation's admins, public holidays for the territorial admin; basic agents see none.
 */
describe('admin UI: closures, reference weeks and public holidays', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  const violations: string[] = [];
  const nav = () => page.getByRole('navigation', { name: 'Menu principal' });
  const dialog = () => page.getByRole('dialog');
  const lieu = async (name: string) => (await test.sql(`SELECT id FROM lieux WHERE name = $1`, [name]))[0].id as string;
  /** Picks options of a multiple select, then leaves it from the keyboard (Escape would close the dialog). */
  const chooseMany = async (select: Locator, option: string) => {
    await choose(page, select, option);
    await page.keyboard.press('Tab');
  };

  beforeAll(async () => {
    session = await startAdminSession('admin.mairie@demo.test');
    ({ test, page, ids } = session);
  }, 300_000);
  afterAll(() => session?.stop());

  it('closes one lieu for some days, refusing an end before the start next to the field and writing nothing', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}`);
    await nav().getByRole('link', { name: 'Fermetures exceptionnelles' }).click();
    await page.getByRole('heading', { name: 'Fermetures exceptionnelles' }).waitFor();
    await page.getByText('Aucune fermeture à venir.').waitFor();

    await page.locator('[data-test="new-closure"]').click();
    await dialog().getByRole('radio', { name: 'Plusieurs jours' }).check();
    await dialog().getByLabel('Premier jour *').fill('2027-02-10');
    await dialog().getByLabel('Dernier jour *').fill('2027-02-08');
    await dialog().getByRole('radio', { name: 'Un seul lieu' }).check();
    await choose(page, 'Lieu *', 'Mairie annexe des Tilleuls');
    await dialog().getByRole('textbox', { name: 'Motif de la fermeture' }).fill('Travaux');
    await page.locator('[data-test="save"]').click();
    await page.locator('#field-end_day-messages').getByText(/premier jour/).waitFor();
    expect(await test.sql(`SELECT 1 FROM closures`)).toHaveLength(0);
    violations.push(...(await auditScreen(page, 'closure-dialog-errors')));

    await dialog().getByLabel('Dernier jour *').fill('2027-02-12');
    await page.locator('[data-test="save"]').click();
    const row = page.locator('[data-test="closure-2027-02-10"]');
    await row.getByText('du mercredi 10 février 2027 au vendredi 12 février 2027').waitFor();
    expect(await row.textContent()).toContain('Mairie annexe des Tilleuls');
    expect(await test.sql(`SELECT lieu_id, first_day::text, end_day::text, reason FROM closures`)).toEqual([
      { lieu_id: await lieu('Mairie annexe des Tilleuls'), first_day: '2027-02-10', end_day: '2027-02-12', reason: 'Travaux' },
    ]);

    // One day of the whole organisation, then reopened.
    await page.locator('[data-test="new-closure"]').click();
    await dialog().getByLabel('Jour *').fill('2027-01-15');
    await page.locator('[data-test="save"]').click();
    const day = page.locator('[data-test="closure-2027-01-15"]');
    await day.getByText('Toute l’organisation').waitFor();
    expect(await test.sql(`SELECT lieu_id, end_day::text FROM closures WHERE first_day = '2027-01-15'`)).toEqual([{ lieu_id: null, end_day: '2027-01-15' }]);
    violations.push(...(await auditScreen(page, 'closures')));
    await day.getByRole('button', { name: /^Supprimer/ }).click();
    await dialog().getByRole('button', { name: 'Supprimer' }).click();
    await day.waitFor({ state: 'detached' });
    expect(await test.sql(`SELECT first_day::text FROM closures`)).toEqual([{ first_day: '2027-02-10' }]);
  });

  it('builds a reference week and applies it to an agent at a lieu: the plages exist, and overlaps are said', async () => {
    await nav().getByRole('link', { name: 'Semaines de référence' }).click();
    await page.getByText('Aucune semaine de référence pour le moment.').waitFor();
    await page.locator('[data-test="new-week"]').click();
    await dialog().getByRole('textbox', { name: 'Nom *' }).fill('Horaires d’hiver');
    // Monday morning; Tuesday morning and afternoon (new ranges keep the motifs last chosen).
    await page.locator('[data-test="add-MO"]').click();
    await chooseMany(page.locator('[data-test="day-MO"] [data-test="motifs"] input'), 'Carte d\'identité et passeport');
    await page.locator('[data-test="add-TU"]').click();
    await page.locator('[data-test="add-TU"]').click();
    const tuesday = page.locator('[data-test="day-TU"] [data-test="range"]');
    expect(await tuesday.count()).toBe(2);
    await tuesday.nth(1).locator('[data-test="end-time"] input').fill('16:30');
    violations.push(...(await auditScreen(page, 'reference-week-dialog')));
    await page.locator('[data-test="save"]').click();
    const row = page.locator('[data-test="week-Horaires d’hiver"]');
    await row.getByText(': 09:00–12:00, 14:00–16:30').waitFor();
    const [week] = await test.sql(`SELECT name, ranges FROM reference_weeks`);
    const cni = (await test.sql(`SELECT id FROM motifs WHERE name = 'Carte d''identité et passeport'`))[0].id;
    expect(week.ranges).toEqual([
      { weekday: 'MO', start_time: '09:00', end_time: '12:00', motif_ids: [cni] },
      { weekday: 'TU', start_time: '09:00', end_time: '12:00', motif_ids: [cni] },
      { weekday: 'TU', start_time: '14:00', end_time: '16:30', motif_ids: [cni] },
    ]);
    violations.push(...(await auditScreen(page, 'reference-weeks')));

    const apply = async (lieuName: string, from: string, until: string) => {
      await row.locator('[data-test="apply"]').click();
      await choose(page, 'Agent *', 'Anne Basique');
      await choose(page, 'Lieu *', lieuName);
      await dialog().getByLabel('Du *').fill(from);
      await dialog().getByLabel('Au (inclus) *').fill(until);
      await page.locator('[data-test="save"]').click();
      await page.locator('[data-test="applied"]').waitFor();
    };
    await apply('Hôtel de ville', '2027-01-04', '2027-01-31');
    const applied = page.locator('[data-test="applied"]');
    await applied.getByText('2 plages d’ouverture créées').waitFor();
    await applied.getByText('Lundi, Mardi de 09:00 à 12:00, du lundi 4 janvier 2027 au dimanche 31 janvier 2027').waitFor();
    expect(await page.locator('[data-test="warnings"]').count()).toBe(0);
    violations.push(...(await auditScreen(page, 'reference-week-applied')));
    await page.locator('[data-test="close"]').click();
    expect(await test.sql(
      `SELECT lieu_id, recurrence, start_time, end_time, first_day::text, until::text FROM plages_ouverture
        WHERE agent_id = $1 AND title = 'Horaires d’hiver' ORDER BY start_time`, [ids.basicEtatCivil],
    )).toEqual([
      { lieu_id: await lieu('Hôtel de ville'), recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU', start_time: '09:00', end_time: '12:00', first_day: '2027-01-04', until: '2027-01-31' },
      { lieu_id: await lieu('Hôtel de ville'), recurrence: 'FREQ=WEEKLY;BYDAY=TU', start_time: '14:00', end_time: '16:30', first_day: '2027-01-04', until: '2027-01-31' },
    ]);

    // Applied again over the same weeks elsewhere: created too, and the overlaps are listed.
    await apply('Mairie annexe des Tilleuls', '2027-01-18', '2027-01-24');
    await page.locator('[data-test="warnings"]').getByText(/Horaires d’hiver/).first().waitFor();
    expect(await test.sql(`SELECT 1 FROM plages_ouverture WHERE agent_id = $1`, [ids.basicEtatCivil])).toHaveLength(4);
    await page.locator('[data-test="close"]').click();
  });

  it('lets the territorial admin choose the zone and reopen a holiday, stored in the configuration document', async () => {
    await signOut(page);
    await signIn(page, test.baseUrl, 'territoire@demo.test');
    // The document in force answers late: a zone chosen meanwhile must not be put back by it.
    const inForce = '**/api/v1/territories/current/config/holidays';
    let answer!: () => void;
    const late = new Promise<void>((resolve) => { answer = resolve; });
    await page.route(inForce, async (route) => {
      if (route.request().method() === 'GET') await late;
      await route.continue();
    });
    await nav().getByRole('link', { name: 'Jours fériés' }).click();
    // This year's and next year's holidays, in Paris: the year of the platform's (and browser's) "now".
    const year = Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Paris', year: 'numeric' }).format(E2E_NOW));
    await page.getByRole('heading', { name: `Jours fériés ${year + 1}` }).waitFor();
    expect(await page.locator(`[data-test="holiday-${year}-12-26"]`).count()).toBe(0);
    await choose(page, 'Zone des jours fériés *', 'Alsace-Moselle');
    const answered = page.waitForResponse((response) => response.url().endsWith('/config/holidays') && response.request().method() === 'GET');
    answer();
    await answered;
    await page.unroute(inForce);
    await page.locator('[data-test^="version-"]', { hasText: 'en vigueur' }).waitFor();
    await page.locator(`[data-test="holiday-${year}-12-26"]`).getByText('Lendemain de Noël').waitFor();

    const mayDay = page.locator(`[data-test="holiday-${year + 1}-05-01"]`);
    await mayDay.getByText('Fermé').waitFor();
    await mayDay.getByRole('checkbox').check();
    await mayDay.getByText('Ouvert').waitFor();
    // Opening days: every day open until unchecked; Saturday closed from the keyboard.
    const opening = page.getByRole('group', { name: 'Jours d’ouverture' });
    expect(await opening.getByRole('checkbox', { checked: true }).count()).toBe(7);
    await opening.getByRole('checkbox', { name: 'Samedi' }).focus();
    await page.keyboard.press('Space');
    await opening.getByRole('checkbox', { name: 'Samedi', checked: false }).waitFor();
    violations.push(...(await auditScreen(page, 'territory-holidays')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const [config] = await test.sql(`SELECT document FROM territory_configs WHERE key = 'holidays' ORDER BY version DESC LIMIT 1`);
    expect(config.document).toEqual({ zone: 'alsace_moselle', closed_weekdays: ['saturday'], reopened: [`${year + 1}-05-01`] });
  });

  it('shows a basic agent none of these screens, in the menu or by their URLs', async () => {
    await signOut(page);
    await signIn(page, test.baseUrl, 'agent.etatcivil@demo.test');
    await nav().getByRole('link', { name: 'Accueil' }).waitFor();
    for (const entry of ['Fermetures exceptionnelles', 'Semaines de référence', 'Jours fériés']) {
      expect(await nav().getByRole('link', { name: entry }).count()).toBe(0);
    }
    for (const path of [`organisations/${ids.mairie}/closures`, `organisations/${ids.mairie}/reference-weeks`, 'territory/holidays']) {
      await page.goto(`${test.baseUrl}/admin/${path}`);
      await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
    }
    expect(violations).toEqual([]);
  });
});
