import { DateTime } from 'luxon';
import type { Locator, Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, choose, E2E_NOW, firstPlainWeek, signIn, signOut, startAdminSession } from './support';

const ZONE = 'Europe/Paris';

/**
 * "Trouver un RDV" and booking from a créneau (seed 001: an agent searches the agendas they
 * may book, picks a créneau, an usager found or created, then books; overbooking needs a yes).
 */
describe('admin UI: trouver un rendez-vous', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let cni: string;
  let hotelDeVille: string;
  let annexe: string;
  let adminToken: string;
  const violations: string[] = [];
  /**
   * Monday of the week plages start in: three weeks or more after the platform's "now", so
   * this week has nothing to offer, and a week with no holiday: each weekday has its créneaux.
   */
  const monday = firstPlainWeek(DateTime.fromJSDate(E2E_NOW, { zone: ZONE }).plus({ weeks: 3 }));
  const at = (time: string) => DateTime.fromISO(`${monday.toISODate()}T${time}`, { zone: ZONE }).toISO({ suppressMilliseconds: true })!;
  const slot = (time: string, agentId: string): Locator => page.locator(`[data-test="creneau"][data-starts-at="${at(time)}"][data-agent="${agentId}"]`);
  /** Waits for the list to show `n` créneaux (it reloads after each change of the search). */
  // A function, not a string: a string is evaluated in the page, which its CSP (no 'unsafe-eval') refuses.
  const slotCount = (n: number) => page.waitForFunction((count) => document.querySelectorAll('[data-test="creneau"]').length === count, n);
  const dialog = () => page.getByRole('dialog', { name: 'Réserver le créneau' });
  /** Closes an open multiple-choice menu, and waits until it is gone before the next keystroke. */
  const closeMenu = async () => {
    await page.keyboard.press('Escape');
    await page.getByRole('listbox').waitFor({ state: 'hidden' });
  };
  const rdvsAt = (time: string) => test.sql<{ id: string; lieu_id: string; context: string | null; custom_fields: Record<string, unknown>; agent_id: string; user_id: string }>(
    `SELECT r.id, r.lieu_id, r.context, r.custom_fields, ra.agent_id, p.user_id
       FROM rdvs r JOIN rdv_agents ra ON ra.rdv_id = r.id JOIN participations p ON p.rdv_id = r.id
      WHERE r.starts_at = $1 ORDER BY r.created_at`, [new Date(at(time))]);

  beforeAll(async () => {
    session = await startAdminSession('admin.mairie@demo.test');
    ({ test, page, ids } = session);
    const id = async (table: string, name: string) => (await test.sql(`SELECT id FROM ${table} WHERE name = $1`, [name]))[0].id as string;
    cni = await id('motifs', "Carte d'identité et passeport");
    hotelDeVille = await id('lieux', 'Hôtel de ville');
    annexe = await id('lieux', 'Mairie annexe des Tilleuls');
    adminToken = await test.signIn('admin.mairie@demo.test');
    const plage = async (organisationId: string, token: string, body: Record<string, unknown>) => {
      const answer = await test.call('post', `/api/v1/organisations/${organisationId}/plages_ouverture`, {
        token,
        body: { first_day: monday.toISODate(), recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', until: monday.plus({ weeks: 8 }).toISODate(), ...body },
      });
      if (answer.status !== 201) throw new Error(`plage: ${answer.status} ${JSON.stringify(answer.body)}`);
    };
    // Anne at the Hôtel de ville 09:00–10:00, Marc at the annexe 14:00–15:00: CNI, 20 minutes each.
    await plage(ids.mairie, adminToken, { agent_id: ids.basicEtatCivil, lieu_id: hotelDeVille, motif_ids: [cni], title: 'Titres', start_time: '09:00', end_time: '10:00' });
    await plage(ids.mairie, adminToken, { agent_id: ids.mairieAdmin, lieu_id: annexe, motif_ids: [cni], title: 'Annexe', start_time: '14:00', end_time: '15:00' });
    const accueil = await id('motifs', 'Premier accueil social');
    await plage(ids.ccas, await test.signIn('travailleur.social@demo.test'), {
      agent_id: ids.ccasAdmin, lieu_id: await id('lieux', 'Maison des solidarités'), motif_ids: [accueil], title: 'Accueil', start_time: '10:00', end_time: '11:00',
    });
    const user = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, {
      token: adminToken, body: { first_name: 'Camille', last_name: 'Martin', email: 'camille@example.fr' },
    });
    if (user.status !== 201) throw new Error(`usager: ${user.status}`);
  }, 300_000);
  afterAll(() => session?.stop());

  it('finds a motif’s créneaux: next availability, by day and lieu, filtered by lieu, in Paris time', async () => {
    await page.getByRole('link', { name: 'Trouver un rendez-vous' }).click();
    await page.getByRole('heading', { name: 'Trouver un rendez-vous', level: 1 }).waitFor();
    violations.push(...(await auditScreen(page, 'search-empty')));
    // No plage holds the mariage motif: nothing within 6 months, said as such.
    await choose(page, 'Motif', 'Mariage — constitution du dossier');
    await page.getByText('Aucun créneau libre cette semaine.').waitFor();
    await page.locator('[data-test="next-availability"]').click();
    await page.getByText('Aucune disponibilité dans les 6 prochains mois.').waitFor();
    await choose(page, 'Motif', "Carte d'identité et passeport");
    await page.getByText('Aucun créneau libre cette semaine.').waitFor();

    await page.locator('[data-test="next-availability"]').click();
    await page.getByText(`Prochaine disponibilité : ${monday.setLocale('fr').toFormat('cccc d LLLL yyyy')} à 09:00.`).waitFor();
    const mondayBlock = page.locator(`[data-test="day-${monday.toISODate()}"]`);
    await mondayBlock.getByRole('heading', { name: 'Hôtel de ville' }).waitFor();
    await expect(mondayBlock.getByRole('heading', { name: 'Mairie annexe des Tilleuls' }).count()).resolves.toBe(1);
    // One créneau per start time and agent: 3 in each one-hour plage, 5 weekdays.
    expect(await page.locator('[data-test="creneau"]').count()).toBe(30);
    expect((await slot('09:00', ids.basicEtatCivil).textContent())?.trim()).toBe('09:00 · Anne Basique');
    expect((await slot('14:40', ids.mairieAdmin).textContent())?.trim()).toBe('14:40 · Marc Admin');
    violations.push(...(await auditScreen(page, 'search-results')));

    const shown = (attribute: string) => page.locator('[data-test="creneau"]').evaluateAll(
      (buttons, name) => [...new Set(buttons.map((button) => button.getAttribute(name)))], attribute);
    await choose(page, 'Agents', 'Marc Admin');
    await closeMenu();
    await slotCount(15);
    expect(await shown('data-agent')).toEqual([ids.mairieAdmin]);
    await choose(page, 'Agents', 'Marc Admin');
    await closeMenu();
    await slotCount(30);

    await choose(page, 'Lieu', 'Mairie annexe des Tilleuls');
    await slotCount(15);
    expect(await shown('data-lieu')).toEqual([annexe]);
    await choose(page, 'Lieu', 'Hôtel de ville');
    await slotCount(15);

    // The week before has nothing; the week stays in the URL through a reload.
    await page.locator('[data-test="previous-week"]').click();
    await page.getByText('Aucun créneau libre cette semaine.').waitFor();
    await page.locator('[data-test="next-week"]').click();
    await slot('09:00', ids.basicEtatCivil).waitFor();
  });

  it('books a créneau for an existing usager: refused without one, then in the database and no longer offered', async () => {
    await slot('09:00', ids.basicEtatCivil).click();
    await dialog().waitFor();
    await dialog().getByText('Anne Basique').waitFor();
    await dialog().locator('[data-test="save"]').click();
    await dialog().getByText('Choisissez-en au moins 1.').waitFor();
    expect(await rdvsAt('09:00')).toEqual([]);

    await dialog().getByRole('combobox', { name: 'Usagers *' }).fill('mart');
    await page.getByRole('option', { name: /MARTIN Camille/ }).click();
    await choose(page, dialog().getByRole('combobox', { name: 'Orienté par' }), 'Accueil');
    await dialog().getByRole('textbox', { name: 'Contexte' }).fill('Renouvellement après perte');
    await dialog().getByLabel('Prévenir les usagers (e-mail, SMS)').uncheck();
    violations.push(...(await auditScreen(page, 'booking-dialog')));
    await dialog().locator('[data-test="save"]').click();
    await dialog().locator('[data-test="booked"]').waitFor();

    const [camille] = await test.sql(`SELECT id FROM users WHERE email = 'camille@example.fr'`);
    const rdvs = await rdvsAt('09:00');
    expect(rdvs).toEqual([expect.objectContaining({
      lieu_id: hotelDeVille, agent_id: ids.basicEtatCivil, user_id: camille.id, context: 'Renouvellement après perte', custom_fields: { orientation: 'Accueil' },
    })]);
    await dialog().locator('[data-test="close"]').click();
    // The week is asked again: the booked créneau goes.
    await slot('09:00', ids.basicEtatCivil).waitFor({ state: 'detached' });
    await slot('09:20', ids.basicEtatCivil).waitFor();
    await page.reload();
    await slot('09:20', ids.basicEtatCivil).waitFor();
    expect(await slot('09:00', ids.basicEtatCivil).count()).toBe(0);
  });

  it('creates the usager while booking, with the territory’s fiche', async () => {
    await slot('09:20', ids.basicEtatCivil).click();
    await dialog().locator('[data-test="create-user"]').click();
    const userDialog = page.getByRole('dialog', { name: 'Nouvel usager' });
    await userDialog.getByRole('textbox', { name: 'Prénom *' }).waitFor();
    await userDialog.getByRole('textbox', { name: "Numéro d'allocataire CAF" }).fill('12');
    await userDialog.locator('[data-test="save"]').click();
    await userDialog.getByText('Ce champ est obligatoire.').first().waitFor();
    await userDialog.getByText('Le format n’est pas valide.').waitFor();
    violations.push(...(await auditScreen(page, 'booking-new-user-errors')));
    expect(await test.sql(`SELECT 1 FROM users WHERE custom_fields->>'numero_allocataire' = '12'`)).toEqual([]);

    await userDialog.getByRole('textbox', { name: 'Prénom *' }).fill('Noé');
    await userDialog.getByRole('textbox', { name: 'Nom *', exact: true }).fill('Garnier');
    await userDialog.getByRole('textbox', { name: "Numéro d'allocataire CAF" }).fill('1234567');
    await userDialog.locator('[data-test="save"]').click();
    await userDialog.waitFor({ state: 'detached' });
    await dialog().getByText('GARNIER Noé').waitFor();
    await dialog().locator('[data-test="save"]').click();
    await dialog().locator('[data-test="booked"]').waitFor();
    const [noe] = await test.sql(`SELECT id, custom_fields FROM users WHERE last_name = 'Garnier'`);
    expect(noe.custom_fields).toEqual({ numero_allocataire: '1234567' });
    expect(await rdvsAt('09:20')).toEqual([expect.objectContaining({ agent_id: ids.basicEtatCivil, user_id: noe.id, lieu_id: hotelDeVille })]);
    await dialog().locator('[data-test="close"]').click();
  });

  it('says when the créneau was taken meanwhile, and books anyway only when asked', async () => {
    await slot('09:40', ids.basicEtatCivil).click();
    await dialog().getByRole('combobox', { name: 'Usagers *' }).fill('camille');
    await page.getByRole('option', { name: /MARTIN Camille/ }).click();
    // A colleague books the same créneau first.
    const [camille] = await test.sql(`SELECT id FROM users WHERE email = 'camille@example.fr'`);
    const other = await test.call('post', `/api/v1/organisations/${ids.mairie}/rdvs`, {
      token: adminToken, body: { motif_id: cni, lieu_id: hotelDeVille, starts_at: at('09:40'), agent_ids: [ids.basicEtatCivil], user_ids: [camille.id] },
    });
    expect(other.status).toBe(201);

    await dialog().locator('[data-test="save"]').click();
    await dialog().locator('[data-test="conflict"]').getByText('L’agent a déjà un rendez-vous à ce moment.').waitFor();
    await dialog().getByText('Impossible : ce rendez-vous demande votre confirmation.').waitFor();
    violations.push(...(await auditScreen(page, 'booking-conflict')));
    expect(await rdvsAt('09:40')).toHaveLength(1);

    await dialog().locator('[data-test="force"]').click();
    await dialog().locator('[data-test="booked"]').waitFor();
    await dialog().getByText('L’agent a déjà un rendez-vous à ce moment.').waitFor();
    expect(await rdvsAt('09:40')).toHaveLength(2);
    await dialog().locator('[data-test="close"]').click();
  });

  it('searches one kind of motif across organisations for the territorial admin', async () => {
    await signOut(page);
    await signIn(page, test.baseUrl, 'territoire@demo.test');
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/search?week=${monday.toISODate()}`);
    await page.locator('[data-test="scope-territory"] input').check();
    const motifs = page.getByRole('combobox', { name: 'Motifs (un par organisation)' });
    await motifs.fill('carte');
    await page.getByRole('option', { name: "Carte d'identité et passeport — Mairie de Val-Fleuri" }).click();
    await motifs.fill('accueil');
    await page.getByRole('option', { name: /^Premier accueil social — / }).click();
    await page.getByRole('heading', { name: 'Hôtel de ville — Mairie de Val-Fleuri' }).first().waitFor();
    await page.getByRole('heading', { name: /^Maison des solidarités — / }).first().waitFor();
    await closeMenu();
    violations.push(...(await auditScreen(page, 'search-territory')));

    // Each lieu lists its first 10 créneaux of the week; the link opens that lieu's whole week.
    const hotelDeVille = page.locator('[data-test="partial-lieu"]', { hasText: 'Hôtel de ville — Mairie de Val-Fleuri' });
    await hotelDeVille.waitFor();
    expect(await hotelDeVille.textContent()).toMatch(/les 10 premiers de ses \d+ créneaux de la semaine/);
    expect(await page.locator('[data-test="creneau"][data-lieu]').evaluateAll((buttons) =>
      buttons.filter((button) => button.getAttribute('aria-label')!.includes('Hôtel de ville (Mairie')).length)).toBe(10);
    await hotelDeVille.getByRole('link', { name: 'Voir tous les créneaux de Hôtel de ville — Mairie de Val-Fleuri' }).click();
    await page.waitForURL((url) => url.searchParams.has('lieu') && url.searchParams.has('motif') && !url.searchParams.has('mode'));
    await page.locator('[data-test="creneau"]').nth(10).waitFor();
  });

  it('shows a basic agent only the motifs and agendas of their services', async () => {
    await signOut(page);
    await signIn(page, test.baseUrl, 'agent.urbanisme@demo.test');
    await page.getByRole('link', { name: 'Trouver un rendez-vous' }).click();
    await page.getByRole('combobox', { name: 'Motif' }).focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('option').first().waitFor();
    expect(await page.getByRole('option').allInnerTexts()).toEqual(['Permis de construire — conseil']);
    await closeMenu();
    await page.getByRole('option').first().waitFor({ state: 'detached' });
    await page.getByRole('combobox', { name: 'Agents' }).focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('option').first().waitFor();
    expect(await page.getByRole('option').allInnerTexts()).toEqual(['Hugo Urbain']);
    await closeMenu();
    violations.push(...(await auditScreen(page, 'search-basic-agent')));
  });

  it('has no serious accessibility violation on any of these screens', () => {
    expect(violations).toEqual([]);
  });
});
