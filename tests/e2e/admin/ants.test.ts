import type { Locator, Page } from 'playwright-core';
import { FakeAnts } from '../../support/fake-ants';
import { demoIds, TestPlatform } from '../../support/platform';
import { auditScreen, Browser, choose, ensureUiBuilt, openBrowser, signIn } from './support';

/** The platform's and the browser's "now": a Wednesday; plages open from a Monday three weeks on, with no holiday that week. */
const NOW = new Date('2026-11-18T09:00:00Z');
const FIRST_PLAGE_DAY = '2026-12-07';
const HUB_TOKEN = 'hub-token-for-the-browser-tests-0123';
const CNI = "Carte d'identité et passeport";

/**
 * The ANTS integration as a territorial admin runs it: the plugin's page (on for the
 * territory, off for one organisation, settings drawn from the plugin's schema, the
 * write-only API token, the hub's address, lieux published or not and why, the last
 * failures), then the pré-demande number an agent completes when booking a CNI créneau.
 * ANTS's API coordination is a real HTTP server on 127.0.0.1 (tests/support/fake-ants.ts).
 */
describe('admin UI: ANTS (passeports et cartes d’identité)', () => {
  let test: TestPlatform;
  let browser: Browser;
  let page: Page;
  let ants: FakeAnts;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  const violations: string[] = [];
  const document = async () => (await test.sql(
    `SELECT version, document FROM territory_configs WHERE key = 'plugins.ants' ORDER BY version DESC LIMIT 1`))[0];
  const id = async (table: string, name: string) => (await test.sql(`SELECT id FROM ${table} WHERE name = $1`, [name]))[0].id as string;
  const pointRow = (lieuId: string): Locator => page.locator(`[data-test="point-${lieuId}"]`);

  beforeAll(async () => {
    ensureUiBuilt('admin-ui');
    test = await TestPlatform.start({ now: NOW, config: { env: { ANTS_HUB_AUTH_TOKEN: HUB_TOKEN } } });
    ids = await demoIds(test);
    ants = await FakeAnts.start();
    browser = await openBrowser();
    await browser.context.clock.install({ time: NOW });
    page = browser.page;
    await signIn(page, test.baseUrl, 'territoire@demo.test');
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await ants?.stop();
    await test?.stop();
  });

  it('turns ANTS on for the territory but one organisation, with settings from the plugin’s schema and their history', async () => {
    await page.getByRole('link', { name: 'ANTS (passeports et cartes d’identité)' }).click();
    await page.getByRole('heading', { level: 1, name: 'ANTS (passeports et cartes d’identité)' }).waitFor();
    // Off by default: no organisation has it, so no lieu is shown to ANTS.
    await page.getByText('Aucun lieu dans les organisations où l’ANTS est activée.').waitFor();
    // The settings in force are on screen once the schema's default shows: checking the numbers.
    await page.getByRole('checkbox', { name: 'Vérifier les numéros de pré-demande auprès de l’ANTS', checked: true }).waitFor();

    // From the keyboard: the switch, then the CCAS opted out.
    await page.getByRole('checkbox', { name: 'Activer l’ANTS sur le territoire' }).focus();
    await page.keyboard.press('Space');
    await choose(page, 'ANTS pour CCAS de Val-Fleuri', 'Désactivé');
    const apiUrl = page.getByRole('textbox', { name: 'URL de l\'API coordination de l\'ANTS' });
    await apiUrl.fill('pas une adresse');
    await page.locator('[data-test="save"]').click();
    await page.locator('#field-config-api_url-messages').filter({ hasText: /.+/ }).waitFor();
    expect((await document())?.version ?? 0).toBe(0);

    await apiUrl.fill(ants.url);
    violations.push(...(await auditScreen(page, 'territory-ants-form')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const saved = await document();
    expect(saved.version).toBe(1);
    expect(saved.document).toEqual({ enabled: true, config: { api_url: ants.url, check_numbers: true }, organisations: { [ids.ccas]: { enabled: false } } });
    await page.locator('[data-test="version-1"]').waitFor();

    // Back to "like the territory": the override goes.
    await choose(page, 'ANTS pour CCAS de Val-Fleuri', 'Comme le territoire (activé)');
    await page.locator('[data-test="save"]').click();
    await page.locator('[data-test="version-2"]').waitFor();
    expect((await document()).document.organisations).toEqual({});
    await choose(page, 'ANTS pour CCAS de Val-Fleuri', 'Désactivé');
    await page.locator('[data-test="save"]').click();
    await page.locator('[data-test="version-3"]').waitFor();
  });

  it('stores the API token without ever showing it, and gives the hub’s address', async () => {
    await page.locator('[data-test="token-state"]').filter({ hasText: 'Aucun jeton enregistré.' }).waitFor();
    await page.getByText('Le jeton du hub est configuré sur l’instance : le hub peut lire vos créneaux.').waitFor();
    expect(await page.getByRole('textbox', { name: 'Adresse à donner à l’ANTS' }).inputValue()).toBe(`${test.baseUrl}/api/ants`);

    const puts: string[] = [];
    page.on('request', (request) => request.method() === 'PUT' && request.url().endsWith('/api_token') && puts.push(request.url()));
    await page.locator('[data-test="save-token"]').click();
    await page.getByText('Ce champ est obligatoire.').waitFor();
    expect(puts).toEqual([]);

    await page.getByLabel('Nouveau jeton').fill(ants.token);
    await page.keyboard.press('Enter');
    await page.getByText('Jeton enregistré.', { exact: true }).waitFor();
    await page.locator('[data-test="token-state"]').filter({ hasText: 'Un jeton est enregistré.' }).waitFor();
    expect(await page.getByLabel('Nouveau jeton').inputValue()).toBe('');
    await page.reload();
    await page.locator('[data-test="token-state"]').filter({ hasText: 'Un jeton est enregistré.' }).waitFor();
    expect(await page.content()).not.toContain(ants.token);
  });

  it('lists the lieux ANTS sees: published, or not with the reason, a link to the lieux; and the last failures', async () => {
    const [hotelDeVille, annexe] = [await id('lieux', 'Hôtel de ville'), await id('lieux', 'Mairie annexe des Tilleuls')];
    const [solidarites] = [await id('lieux', 'Maison des solidarités')];
    await test.sql(`UPDATE lieux SET street = NULL, postcode = NULL, city = NULL WHERE id = $1`, [annexe]);
    const [{ territory_id: territoryId }] = await test.sql(`SELECT territory_id FROM organisations WHERE id = $1`, [ids.mairie]);
    await test.sql(
      `INSERT INTO job_failures (territory_id, consumer, job, event_id, attempt, final, error) VALUES ($1, 'plugin-ants', 'ants-sync', NULL, 5, true, $2)`,
      [territoryId, 'ANTS answered HTTP 500 to POST /api/appointments: fault 500'],
    );
    await page.reload();

    await pointRow(hotelDeVille).getByText('Publié', { exact: true }).waitFor();
    await pointRow(annexe).getByText('Non publié').waitFor();
    await pointRow(annexe).getByText("L'adresse structurée (rue, code postal, ville) manque").waitFor();
    // The CCAS has ANTS off: its lieu is not listed.
    expect(await pointRow(solidarites).count()).toBe(0);
    await page.getByRole('row', { name: /ANTS answered HTTP 500 to POST \/api\/appointments/ }).getByText('5 (dernière)').waitFor();
    violations.push(...(await auditScreen(page, 'territory-ants')));

    await pointRow(annexe).getByRole('link', { name: 'Lieu Mairie annexe des Tilleuls : ouvrir les lieux de son organisation' }).click();
    await page.waitForURL(`**/admin/organisations/${ids.mairie}/lieux`);
  });

  it('asks the agent for each usager’s pré-demande number on a CNI créneau only, saves it on the fiche, and books past a warning once confirmed', async () => {
    const token = await test.signIn('admin.mairie@demo.test');
    const hotelDeVille = await id('lieux', 'Hôtel de ville');
    for (const [motif, start, end] of [[CNI, '09:00', '10:00'], ['Mariage — constitution du dossier', '14:00', '15:00']]) {
      const plage = await test.call('post', `/api/v1/organisations/${ids.mairie}/plages_ouverture`, {
        token,
        body: {
          agent_id: ids.basicEtatCivil, lieu_id: hotelDeVille, motif_ids: [await id('motifs', motif)], title: motif, start_time: start, end_time: end,
          first_day: FIRST_PLAGE_DAY, recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', until: '2027-01-08',
        },
      });
      expect(plage.status).toBe(201);
    }
    const usager = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token, body: { first_name: 'Camille', last_name: 'Martin', email: 'camille@example.fr' } });
    expect(usager.status).toBe(201);
    // The number is already booked at another editor's meeting point: a warning, not a refusal.
    ants.setStatus('ZZ99ZZ99ZZ', 'validated', [{ meeting_point_id: 'x', meeting_point: 'Mairie de Saumur', appointment_date: '2027-01-05 09:00:00', management_url: 'https://ailleurs.example/rdv/1' }]);
    const dialog = page.getByRole('dialog', { name: 'Réserver le créneau' });
    const number = dialog.getByRole('textbox', { name: 'Numéro de pré-demande ANTS — MARTIN Camille' });
    const pickCamille = async () => {
      await dialog.getByRole('combobox', { name: 'Usagers *' }).fill('mart');
      await page.getByRole('option', { name: /MARTIN Camille/ }).click();
    };

    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/search`);
    await choose(page, 'Motif', 'Mariage — constitution du dossier');
    await page.locator('[data-test="next-availability"]').click();
    await page.locator('[data-test="creneau"]').first().click();
    await pickCamille();
    await dialog.getByRole('textbox', { name: 'Contexte' }).waitFor();
    expect(await dialog.locator('[data-test="motif-user-fields"]').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Annuler' }).click();

    await choose(page, 'Motif', CNI);
    await page.locator('[data-test="next-availability"]').click();
    await page.locator('[data-test="creneau"]').first().click();
    await pickCamille();
    await number.waitFor();
    expect(await number.inputValue()).toBe('');
    await dialog.locator('[data-test="save"]').click();
    await dialog.getByText('Le numéro de pré-demande ANTS est obligatoire pour ce motif (un par personne)').waitFor();
    expect(await test.sql(`SELECT id FROM rdvs`)).toEqual([]);

    await number.fill('zz99zz99zz');
    await dialog.locator('[data-test="save"]').click();
    const warning = dialog.locator('[data-test="conflict"]');
    await warning.getByText('Ce rendez-vous demande votre confirmation :').waitFor();
    await warning.getByText(/ZZ99ZZ99ZZ est déjà utilisé pour un rendez-vous auprès de Mairie de Saumur/).waitFor();
    // Saved on the fiche before booking, as the plugin stores it (upper-cased); nothing booked yet.
    const [fiche] = await test.sql(`SELECT custom_fields FROM users WHERE email = 'camille@example.fr'`);
    expect(fiche.custom_fields).toEqual({ ants_pre_demande_number: 'ZZ99ZZ99ZZ' });
    expect(await test.sql(`SELECT id FROM rdvs`)).toEqual([]);
    violations.push(...(await auditScreen(page, 'booking-dialog-ants-warning')));

    await warning.locator('[data-test="force"]').click();
    await dialog.locator('[data-test="booked"]').waitFor();
    const booked = await test.sql(`SELECT r.id FROM rdvs r JOIN participations p ON p.rdv_id = r.id JOIN users u ON u.id = p.user_id WHERE u.email = 'camille@example.fr'`);
    expect(booked).toHaveLength(1);
  });

  afterAll(() => {
    expect(violations).toEqual([]);
  });
});
