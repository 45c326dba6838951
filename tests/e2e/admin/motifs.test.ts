import type { Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, choose, startAdminSession } from './support';

/** An organisation admin configures motifs and lieux (seed 000): three tabs, online badge, duplicate, bad input. */
describe('admin UI: motifs and lieux', () => {
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  const violations: string[] = [];
  const motifCount = async (name: string) => (await test.sql(`SELECT count(*)::int AS n FROM motifs WHERE name = $1 AND deleted_at IS NULL`, [name]))[0].n;

  let session: AdminSession;
  beforeAll(async () => {
    session = await startAdminSession('admin.mairie@demo.test');
    ({ test, page, ids } = session);
  }, 300_000);
  afterAll(() => session?.stop());

  it('creates a motif open online through its three tabs, saved once despite a double click', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs`);
    violations.push(...(await auditScreen(page, 'motifs')));
    await page.locator('[data-test="new-motif"]').click();
    await page.getByRole('heading', { name: 'Nouveau motif' }).waitFor();
    await page.getByRole('textbox', { name: 'Nom *' }).fill('Recensement citoyen');
    await choose(page, 'Service *', 'État civil');
    await page.getByRole('spinbutton', { name: 'Durée par défaut (minutes) *' }).fill('15');
    await page.getByRole('radio', { name: 'Par téléphone' }).check();
    await page.getByRole('spinbutton', { name: 'Pas entre deux créneaux (minutes)' }).fill('10');
    await page.getByRole('spinbutton', { name: 'Temps après chaque rendez-vous (minutes)' }).fill('5');
    await page.getByRole('checkbox', { name: 'Ouvert au secrétariat' }).check();
    violations.push(...(await auditScreen(page, 'motif-general')));

    await page.locator('[data-test="tab-online"]').click();
    await page.getByRole('radio', { name: 'Tout le monde : ouvert aux usagers en ligne' }).check();
    await page.getByRole('spinbutton', { name: 'Délai minimum de réservation (heures)' }).fill('24');
    await page.getByRole('spinbutton', { name: 'Délai maximum de réservation (jours)' }).fill('30');
    await page.getByLabel('Les usagers peuvent déplacer leur rendez-vous').check();
    violations.push(...(await auditScreen(page, 'motif-online')));

    await page.locator('[data-test="tab-instructions"]').click();
    await page.getByRole('textbox', { name: 'Après la prise de rendez-vous' }).fill('Munissez-vous de votre livret de famille.');
    violations.push(...(await auditScreen(page, 'motif-instructions')));

    await page.locator('[data-test="save"]').dblclick();
    await page.getByText('Motif « Recensement citoyen » enregistré.').waitFor();
    expect(await motifCount('Recensement citoyen')).toBe(1);
    const [motif] = await test.sql(`SELECT * FROM motifs WHERE name = 'Recensement citoyen'`);
    expect(motif).toMatchObject({
      service_id: 'etat_civil', default_duration_in_min: 15, location_type: 'phone', bookable_by: 'everyone',
      slot_step_in_min: 10, buffer_after_in_min: 5, for_secretariat: true,
      min_public_booking_delay: 24 * 3600, max_public_booking_delay: 30 * 86400, rdvs_editable_by_user: true,
      instruction_for_rdv: 'Munissez-vous de votre livret de famille.',
    });
    await page.locator('[data-test="motif-Recensement citoyen"] [data-test="online-badge"]').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('[data-test="motif-Mariage — constitution du dossier"] [data-test="online-badge"]').count()).toBe(0);
  });

  it('stops empty, oversized and pasted-megabyte input in the browser, on the right tab and field', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs/new`);
    const requests: string[] = [];
    page.on('request', (request) => request.method() === 'POST' && requests.push(request.url()));
    await page.locator('[data-test="tab-instructions"]').click();
    const megabyte = 'x'.repeat(1024 * 1024);
    await page.getByRole('textbox', { name: 'Avant la prise de rendez-vous' }).fill(megabyte);
    await page.locator('[data-test="save"]').click();
    // Errors on two tabs: the first tab with one opens, and its first wrong field takes the focus.
    const name = page.getByRole('textbox', { name: 'Nom *' });
    await name.waitFor();
    expect(await name.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await page.getByText('Ce champ est obligatoire.').first().waitFor({ state: 'visible', timeout: 10_000 });
    await name.fill('y'.repeat(201));
    await page.getByText('Au plus 200 caractères.').waitFor();
    await page.locator('[data-test="tab-instructions"]').click();
    await page.getByText('Au plus 10000 caractères.').waitFor();
    violations.push(...(await auditScreen(page, 'motif-errors')));
    expect(requests).toEqual([]);
    expect(await test.sql(`SELECT 1 FROM motifs WHERE length(name) > 200`)).toHaveLength(0);
    // Leaving the form on purpose drops what was typed: the next new motif starts empty.
    await page.getByRole('link', { name: 'Retour aux motifs' }).click();
    await page.locator('[data-test="new-motif"]').click();
    await page.getByRole('heading', { name: 'Nouveau motif' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Nom *' }).inputValue()).toBe('');
  });

  it('shows the server’s refusal on the field it names', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs/new`);
    await page.getByRole('textbox', { name: 'Nom *' }).fill('Accueil social');
    // Social is enabled in the territory; the server checks it again, then we turn it off meanwhile.
    await choose(page, 'Service *', 'Social');
    const territoire = await test.signIn('territoire@demo.test');
    const services = await test.call('put', '/api/v1/territories/current/config/services', { token: territoire, body: { enabled: ['etat_civil', 'titres_identite', 'urbanisme', 'secretariat'] } });
    expect(services.status).toBe(200);
    await page.locator('[data-test="save"]').click();
    await page.getByText('Ce service n’est pas activé sur le territoire.').waitFor();
    expect(await motifCount('Accueil social')).toBe(0);
  });

  it('duplicates a motif into a new one, prefilled', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs`);
    await page.getByRole('link', { name: 'Dupliquer Mariage — constitution du dossier' }).click();
    await page.getByRole('heading', { name: 'Dupliquer un motif' }).waitFor();
    const name = page.getByRole('textbox', { name: 'Nom *' });
    await page.waitForFunction(() => (document.getElementById('field-name') as HTMLInputElement | null)?.value !== '');
    expect(await name.inputValue()).toBe('Mariage — constitution du dossier (copie)');
    await name.fill('Mariage — en visioconférence');
    await page.getByRole('radio', { name: 'Par visioconférence' }).check();
    await page.locator('[data-test="save"]').click();
    await page.getByText('Motif « Mariage — en visioconférence » enregistré.').waitFor();
    const [copy] = await test.sql(`SELECT service_id, default_duration_in_min, location_type FROM motifs WHERE name = 'Mariage — en visioconférence'`);
    expect(copy).toEqual({ service_id: 'etat_civil', default_duration_in_min: 45, location_type: 'visio' });
  });

  it("tells an organisation admin that a motif's own notifications are set by the territory", async () => {
    const [mariage] = await test.sql(`SELECT id FROM motifs WHERE name = 'Mariage — constitution du dossier'`);
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs/${mariage.id}`);
    await page.locator('[data-test="tab-instructions"]').click();
    await page.locator('[data-test="notifications-by-territory"]').getByText('réglées par l’administrateur du territoire', { exact: false }).waitFor();
    expect(await page.locator('[data-test="motif-notifications"]').count()).toBe(0);
  });

  it("binds agents to a motif's booking delays, the delays then asked even for a motif booked by agents only", async () => {
    const [mariage] = await test.sql(`SELECT id, bookable_by FROM motifs WHERE name = 'Mariage — constitution du dossier'`);
    expect(mariage.bookable_by).toBe('agents');
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs/${mariage.id}`);
    await page.getByRole('textbox', { name: 'Nom *' }).waitFor();
    await page.locator('[data-test="tab-online"]').click();
    const minimum = page.getByRole('spinbutton', { name: 'Délai minimum de réservation (heures)' });
    expect(await minimum.count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Ces délais s’appliquent aussi aux agents' }).check();
    await minimum.fill('48');
    await page.getByRole('spinbutton', { name: 'Délai maximum de réservation (jours)' }).fill('60');
    violations.push(...(await auditScreen(page, 'motif-online-agent-delays')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    expect(await test.sql(`SELECT booking_delays_for_agents, min_public_booking_delay, max_public_booking_delay FROM motifs WHERE id = $1`, [mariage.id]))
      .toEqual([{ booking_delays_for_agents: true, min_public_booking_delay: 48 * 3600, max_public_booking_delay: 60 * 86400 }]);
  });

  it("gives a motif options, one lasting longer, and shows the option an rdv was booked with on its fiche", async () => {
    const [cni] = await test.sql(`SELECT id FROM motifs WHERE name = 'Carte d''identité et passeport'`);
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs/${cni.id}`);
    await page.getByRole('textbox', { name: 'Nom *' }).waitFor();
    await page.locator('[data-test="add-option"]').click();
    await page.getByRole('textbox', { name: 'Option 1' }).fill('Carte d’identité');
    await page.locator('[data-test="add-option"]').click();
    await page.getByRole('textbox', { name: 'Option 2' }).fill('Passeport');
    await page.getByRole('spinbutton', { name: 'Durée de l’option 2 (minutes)' }).fill('40');
    violations.push(...(await auditScreen(page, 'motif-options')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const [saved] = await test.sql(`SELECT options FROM motifs WHERE id = $1`, [cni.id]);
    expect(saved.options).toEqual([{ label: 'Carte d’identité', duration_in_min: null }, { label: 'Passeport', duration_in_min: 40 }]);

    const [lieu] = await test.sql(`SELECT id FROM lieux WHERE name = 'Hôtel de ville'`);
    const token = await test.signIn('admin.mairie@demo.test');
    const user = (await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token, body: { first_name: 'Lou', last_name: 'Garnier', email: 'lou.garnier@exemple.fr' } })).body;
    const booked = await test.call('post', `/api/v1/organisations/${ids.mairie}/rdvs`, {
      token, body: { motif_id: cni.id, motif_option: 'Passeport', lieu_id: lieu.id, starts_at: '2026-12-16T16:00:00+01:00', agent_ids: [ids.mairieAdmin], user_ids: [user.id], force: true, notify: false },
    });
    expect(booked.status).toBe(201);
    await page.goto(`${test.baseUrl}/admin/rdvs/${booked.body.id}`);
    await page.locator('[data-test="fiche-motif-option"]', { hasText: 'Passeport' }).waitFor();
    expect(booked.body.duration_in_min).toBe(40);
  });

  it('changes one field of several motifs at once, after a preview of what changes', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs`);
    await page.getByRole('checkbox', { name: 'Sélectionner Mariage — constitution du dossier' }).check();
    await page.getByRole('checkbox', { name: 'Sélectionner Permis de construire — conseil' }).check();
    await page.locator('[data-test="bulk-edit"]').click();
    await page.getByRole('heading', { name: 'Modifier 2 motifs en masse' }).waitFor();
    await choose(page, 'Champ à modifier', 'Temps après chaque rendez-vous (minutes)');
    await page.getByRole('spinbutton', { name: 'Nouvelle valeur' }).fill('15');
    await page.locator('[data-test="bulk-preview-button"]').click();
    await page.getByText('Aperçu : 2 motif(s) changent.').waitFor();
    expect(await page.locator('[data-test="bulk-row-Permis de construire — conseil"] td').allInnerTexts()).toEqual(['0', '15']);
    violations.push(...(await auditScreen(page, 'motif-bulk-preview')));
    expect(await test.sql(`SELECT count(*)::int AS n FROM motifs WHERE buffer_after_in_min = 15`)).toEqual([{ n: 0 }]);
    await page.locator('[data-test="bulk-apply"]').click();
    await page.getByText('Les motifs sélectionnés ont été modifiés.').waitFor();
    expect(await test.sql(`SELECT name FROM motifs WHERE buffer_after_in_min = 15 ORDER BY name`))
      .toEqual([{ name: 'Mariage — constitution du dossier' }, { name: 'Permis de construire — conseil' }]);
  });

  it('adds a lieu in a dialog, with the structured address and coordinates ANTS needs, errors next to their fields', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/lieux`);
    await page.locator('[data-test="new-lieu"]').click();
    await page.getByText('France Titres (ANTS) en a besoin').waitFor();
    await page.getByRole('textbox', { name: 'Nom *' }).fill('Mairie annexe');
    await page.getByRole('textbox', { name: 'Adresse (une ligne) *' }).fill('2 rue des Lilas, 71000 Val-Fleuri');
    await page.getByRole('textbox', { name: 'Rue' }).fill('2 rue des Lilas');
    await page.getByRole('textbox', { name: 'Code postal' }).fill('7100');
    await page.getByRole('textbox', { name: 'Ville' }).fill('Val-Fleuri');
    await page.getByRole('spinbutton', { name: 'Latitude' }).fill('46.3101');
    await page.getByRole('textbox', { name: 'Téléphone' }).fill('pas un numéro');
    await page.locator('[data-test="save"]').click();
    await page.locator('#field-postcode-messages').getByText('Le format n’est pas valide.').waitFor();
    await page.locator('#field-longitude-messages').getByText('Ce champ est obligatoire.').waitFor();
    await page.locator('#field-phone_number-messages').getByText('Le format n’est pas valide.').waitFor();
    violations.push(...(await auditScreen(page, 'lieu-dialog')));
    await page.getByRole('textbox', { name: 'Code postal' }).fill('71000');
    await page.getByRole('spinbutton', { name: 'Longitude' }).fill('4.8243');
    await page.getByRole('textbox', { name: 'Téléphone' }).fill('01 23 45 67 10');
    await page.locator('[data-test="save"]').click();
    await page.getByRole('cell', { name: 'Mairie annexe', exact: true }).waitFor();
    violations.push(...(await auditScreen(page, 'lieux')));
    expect(await test.sql(`SELECT address, street, postcode, city, latitude, longitude, phone_number FROM lieux WHERE name = 'Mairie annexe'`)).toEqual([{
      address: '2 rue des Lilas, 71000 Val-Fleuri', street: '2 rue des Lilas', postcode: '71000', city: 'Val-Fleuri', latitude: 46.3101, longitude: 4.8243, phone_number: '01 23 45 67 10',
    }]);
  });

  it('shows a lieu\'s coordinates when it is edited, and clears them together', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/lieux`);
    await page.getByRole('button', { name: 'Modifier Hôtel de ville' }).click();
    expect(await page.getByRole('textbox', { name: 'Rue' }).inputValue()).toBe('1 place de la Mairie');
    expect(await page.getByRole('spinbutton', { name: 'Latitude' }).inputValue()).toBe('46.3066');
    await page.getByRole('spinbutton', { name: 'Latitude' }).fill('');
    await page.locator('[data-test="save"]').click();
    await page.locator('#field-latitude-messages').getByText('Ce champ est obligatoire.').waitFor();
    await page.getByRole('spinbutton', { name: 'Longitude' }).fill('');
    await page.locator('[data-test="save"]').click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await test.sql(`SELECT street, latitude, longitude FROM lieux WHERE name = 'Hôtel de ville'`)).toEqual([{ street: '1 place de la Mairie', latitude: null, longitude: null }]);
  });

  it('adds a lieu used once, its day asked for and shown in the list', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/lieux`);
    await page.locator('[data-test="new-lieu"]').click();
    await page.getByRole('textbox', { name: 'Nom *' }).fill('Forum des associations');
    await page.getByRole('textbox', { name: 'Adresse (une ligne) *' }).fill('Gymnase Jean-Moulin, 71000 Val-Fleuri');
    expect(await page.locator('[data-test="single-use-day"]').count()).toBe(0);
    await choose(page, 'Disponibilité', 'Ponctuel');
    await page.locator('[data-test="save"]').click();
    await page.locator('#field-single_use_day-messages').getByText('Ce champ est obligatoire.').waitFor();
    violations.push(...(await auditScreen(page, 'lieu-dialog-single-use')));
    await page.getByLabel('Jour du lieu ponctuel').fill('2026-12-09');
    await page.locator('[data-test="save"]').click();
    await page.getByRole('cell', { name: 'Ponctuel le mercredi 9 décembre 2026' }).waitFor();
    expect(await test.sql(`SELECT availability, single_use_day::text AS day FROM lieux WHERE name = 'Forum des associations'`))
      .toEqual([{ availability: 'single_use', day: '2026-12-09' }]);
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
