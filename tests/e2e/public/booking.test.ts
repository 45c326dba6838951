import type { Page } from 'playwright-core';
import { auditScreen, Browser, gzippedSize, openBrowser } from '../admin/support';
import { TestPlatform } from '../../support/platform';
import { BookableMotif, chooseFirstSlot, confirmationCode, emailTo, fillIdentity, MOTIF_NAME, openSlots, ORGANISATION, shows, startPortal } from './support';

/*
 * The public portal driven in Chromium against a running platform: an usager
 * books, confirms with the emailed code, then opens, moves and cancels the rdv
 * with the self-service link; the refusals a visitor can meet (slot taken, hold
 * expired, wrong fields, wrong letters) say what happened. axe-core audits each
 * screen; screenshots land in artifacts/screenshots/public/.
 */

let portal: Awaited<ReturnType<typeof startPortal>>;
let test: TestPlatform;
let browser: Browser;
let motif: BookableMotif;

beforeAll(async () => {
  portal = await startPortal();
  ({ test, browser, motif } = portal);
});

afterAll(() => portal?.stop());

/** A fresh tab, so one test's page state never leaks into another's. */
async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

const sendCode = (page: Page) => page.locator('[data-test="send-code"]');
const fieldMessage = (page: Page, name: string) => page.locator(`[data-field="${name}"] .v-messages`);

/** Books through the public API, confirms with the emailed code, answers the self-service URL. */
async function bookThroughApi(lastName: string, email: string): Promise<string> {
  const creneaux = await test.call('get', `/api/public/organisations/${ORGANISATION}/creneaux?motif_id=${motif.motifId}&lieu_id=${motif.lieuId}&from=${today()}&to=${inDays(30)}`);
  const slot = creneaux.body.data.at(-1);
  const held = await test.call('post', '/api/public/rdvs', {
    body: { motif_id: motif.motifId, lieu_id: motif.lieuId, starts_at: slot.starts_at, user: { first_name: 'Alex', last_name: lastName, email } },
  });
  expect(held.status).toBe(202);
  const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code: await confirmationCode(test, email) } });
  expect(confirmed.status).toBe(200);
  return confirmed.body.manage_url;
}

function today(): string {
  return inDays(0);
}

function inDays(days: number): string {
  return new Date(test.clock.now().getTime() + days * 24 * 3600_000).toISOString().slice(0, 10);
}

it('books a slot from the organisation page to the confirmation, then opens and cancels it with the self-service link', async () => {
  const page = await newPage();
  const violations: string[] = [];

  await page.goto(`${test.baseUrl}/public/organisations/${ORGANISATION}`);
  await page.getByRole('heading', { level: 1, name: 'Mairie de Val-Fleuri' }).waitFor();
  await page.getByRole('link', { name: '01 23 45 67 89' }).waitFor();
  violations.push(...(await auditScreen(page, 'public/1-organisation')));

  await page.getByRole('link', { name: new RegExp(`ce motif : ${MOTIF_NAME}`) }).click();
  await page.getByRole('radio', { name: /Hôtel de ville/ }).check();
  await shows(page.locator('[data-test="no-slots"]'), 'Aucun créneau disponible cette semaine.');
  await expect(page.locator('[data-test="previous-week"]').isDisabled()).resolves.toBe(true);
  violations.push(...(await auditScreen(page, 'public/2a-no-slots-this-week')));
  await page.locator('[data-test="next-availability"]').click();
  await page.locator('[data-test^="slot-"]').first().waitFor();
  violations.push(...(await auditScreen(page, 'public/2b-slots')));
  const startsAt = await chooseFirstSlot(page);
  violations.push(...(await auditScreen(page, 'public/3-identity')));

  await fillIdentity(page, { first_name: 'Camille', last_name: 'Martin', email: 'camille.martin@exemple.fr' });
  // A double click sends one booking: the button is disabled while sending, and the attempt carries one Idempotency-Key.
  await sendCode(page).dblclick();
  await page.getByRole('heading', { level: 1, name: 'Confirmer le rendez-vous' }).waitFor();
  await shows(page.locator('[data-test="countdown"]'), /réservé encore (9|10) min/);
  const holds = await test.sql(`SELECT r.status FROM rdvs r JOIN rdv_holds h ON h.rdv_id = r.id WHERE h.confirmation_email = $1`, ['camille.martin@exemple.fr']);
  expect(holds).toEqual([{ status: 'pending' }]);
  violations.push(...(await auditScreen(page, 'public/4-code')));

  await page.getByLabel('Code de confirmation').fill('000000');
  await page.locator('[data-test="confirm-code"]').click();
  await page.locator('.v-input--error').waitFor();
  await page.getByLabel('Code de confirmation').fill(await confirmationCode(test, 'camille.martin@exemple.fr'));
  await page.locator('[data-test="confirm-code"]').click();
  await page.getByRole('heading', { level: 1, name: 'Rendez-vous confirmé' }).waitFor();
  await shows(page.locator('[data-test="recap-when"]'), `à ${startsAt.slice(11, 16)}`);
  await shows(page.locator('[data-test="instructions"]'), 'pré-demande ANTS');
  violations.push(...(await auditScreen(page, 'public/5-confirmed')));
  const [booked] = await test.sql(`SELECT status, starts_at FROM rdvs WHERE id = (SELECT rdv_id FROM rdv_holds WHERE confirmation_email = $1)`, ['camille.martin@exemple.fr']);
  expect(booked.status).toBe('unknown');
  expect(new Date(booked.starts_at).getTime()).toBe(Date.parse(startsAt));

  const manageUrl = (await page.locator('[data-test="manage-link"]').getAttribute('href'))!;
  await page.goto(manageUrl);
  violations.push(...(await auditScreen(page, 'public/6-letters')));
  await page.getByLabel('Les 3 premières lettres du nom de famille').fill('mar');
  await page.locator('[data-test="open-rdv"]').click();
  await page.locator('[data-test="rdv-recap"]').waitFor();
  await shows(page.locator('[data-test="rdv-recap"]'), MOTIF_NAME);
  violations.push(...(await auditScreen(page, 'public/7-manage')));

  await page.locator('[data-test="cancel-rdv"]').click();
  violations.push(...(await auditScreen(page, 'public/8-cancel-dialog')));
  await page.locator('[data-test="confirm-action"]').click();
  await page.locator('[data-test="manage-done"]').waitFor();
  await shows(page.locator('[data-test="rdv-cancelled"]'), 'annulé à votre demande');
  violations.push(...(await auditScreen(page, 'public/9-cancelled')));
  const [cancelled] = await test.sql(`SELECT status FROM rdvs WHERE id = (SELECT rdv_id FROM rdv_holds WHERE confirmation_email = $1)`, ['camille.martin@exemple.fr']);
  expect(cancelled.status).toBe('excused');

  expect(violations).toEqual([]);
  await page.close();
});

it('sends the usager back to the slots with a clear message when the slot is taken meanwhile, keeping their answers', async () => {
  const page = await newPage();
  await openSlots(page, test.baseUrl);
  const startsAt = await chooseFirstSlot(page);
  await fillIdentity(page, { first_name: 'Nadia', last_name: 'Benali', email: 'nadia.benali@exemple.fr' });

  const other = await test.call('post', '/api/public/rdvs', {
    body: { motif_id: motif.motifId, lieu_id: motif.lieuId, starts_at: startsAt, user: { first_name: 'Paul', last_name: 'Autre', email: 'paul.autre@exemple.fr' } },
  });
  expect(other.status).toBe(202);

  await sendCode(page).click();
  const notice = page.locator('[data-test="booking-notice"]');
  await notice.waitFor();
  await shows(notice, "vient d'être réservé par quelqu'un d'autre");
  await page.locator('[data-test^="slot-"]').first().waitFor();
  await expect(page.locator(`[data-test="slot-${startsAt}"]`).count()).resolves.toBe(0);
  expect(await auditScreen(page, 'public/2c-slot-taken')).toEqual([]);

  await chooseFirstSlot(page);
  await expect(page.locator('[data-test="user-fields"]').getByLabel('Nom *', { exact: true }).inputValue()).resolves.toBe('Benali');
  await page.close();
});

it('shows the schema and server field errors on the inputs they concern, and keeps the form through a network failure', async () => {
  const page = await newPage();
  await openSlots(page, test.baseUrl);
  await chooseFirstSlot(page);

  await sendCode(page).click();
  await shows(fieldMessage(page, 'user.first_name'), 'Ce champ est obligatoire.');
  await shows(fieldMessage(page, 'user.last_name'), 'Ce champ est obligatoire.');
  // The keyboard is taken to the first input to correct.
  await page.waitForFunction(() => document.activeElement?.closest('[data-field]')?.getAttribute('data-field') === 'user.first_name');

  await page.locator('[data-test="as-prescripteur"] input').check();
  await fillIdentity(page, { first_name: 'Léo', last_name: 'Petit', email: 'leo.petit@exemple.fr', phone_number: '00 00 00 00 00' });
  await sendCode(page).click();
  await shows(fieldMessage(page, 'prescripteur.email'), 'Ce champ est obligatoire.');
  expect(await auditScreen(page, 'public/3b-identity-errors')).toEqual([]);

  const prescripteur = page.locator('[data-test="prescripteur-fields"]');
  await prescripteur.getByLabel('Prénom *').fill('Inès');
  await prescripteur.getByLabel('Nom *', { exact: true }).fill('Durand');
  await prescripteur.getByLabel('Adresse e-mail *').fill('ines.durand@association.test');
  // The phone number has the right shape for the schema; the platform finds it is no French number.
  await sendCode(page).click();
  await shows(fieldMessage(page, 'user.phone_number'), 'numéro de téléphone valable');
  await expect(page.locator('[data-field="user.first_name"].v-input--error').count()).resolves.toBe(0);

  await page.locator('[data-test="user-fields"]').getByLabel('Téléphone').fill('06 12 34 56 78');
  const keys: string[] = [];
  let failures = 1;
  await page.route('**/api/public/rdvs', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (failures-- > 0) return route.abort('internetdisconnected');
    return route.continue();
  });
  await sendCode(page).click();
  await shows(page.locator('[data-test="problem"]'), 'Le service ne répond pas');
  await sendCode(page).click();
  await page.getByRole('heading', { level: 1, name: 'Confirmer le rendez-vous' }).waitFor();
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
  expect(keys[1]).toBe(keys[0]);
  // The prescripteur receives the code.
  await expect(confirmationCode(test, 'ines.durand@association.test')).resolves.toMatch(/^\d{6}$/);
  await page.close();
});

it('sends the usager back to the slots when the 10-minute hold runs out', async () => {
  const page = await newPage();
  await page.clock.install();
  await openSlots(page, test.baseUrl);
  await chooseFirstSlot(page);
  await fillIdentity(page, { first_name: 'Hugo', last_name: 'Lent', email: 'hugo.lent@exemple.fr' });
  await sendCode(page).click();
  await page.getByRole('heading', { level: 1, name: 'Confirmer le rendez-vous' }).waitFor();

  await page.clock.fastForward('10:01');
  const notice = page.locator('[data-test="booking-notice"]');
  await notice.waitFor();
  await shows(notice, 'Le délai de 10 minutes pour confirmer est dépassé');
  expect(await auditScreen(page, 'public/2d-hold-expired')).toEqual([]);
  await page.close();
});

it('pauses the self-service link after 5 wrong letters and says how long to wait', async () => {
  const manageUrl = await bookThroughApi('Lambert', 'alex.lambert@exemple.fr');
  const page = await newPage();
  await page.goto(manageUrl);
  const letters = page.getByLabel('Les 3 premières lettres du nom de famille');
  for (let attempt = 1; attempt <= 5; attempt++) {
    await letters.fill('xyz');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/open')), page.locator('[data-test="open-rdv"]').click()]);
    expect(refused.status()).toBe(403);
    await shows(fieldMessage(page, 'last_name_prefix'), 'Ces lettres ne correspondent pas');
  }
  await letters.fill('lam');
  await page.locator('[data-test="open-rdv"]').click();
  const problem = page.locator('[data-test="problem"]');
  await problem.waitFor();
  await shows(problem, /Réessayez dans 15 minutes/);
  await expect(page.locator('[data-test="open-rdv"]').isDisabled()).resolves.toBe(true);
  expect(await auditScreen(page, 'public/6b-letters-paused')).toEqual([]);
  await page.close();
});

it('loads a small amount of JavaScript for the organisation page', async () => {
  const fresh = await openBrowser();
  try {
    const scripts: Promise<Buffer>[] = [];
    fresh.page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.push(response.body());
    });
    await fresh.page.goto(`${test.baseUrl}/public/organisations/${ORGANISATION}`);
    await fresh.page.getByRole('heading', { level: 1, name: 'Mairie de Val-Fleuri' }).waitFor();
    await fresh.page.waitForLoadState('networkidle');
    const gzipped = gzippedSize(await Promise.all(scripts));
    console.log(`Public portal, organisation page: ${scripts.length} scripts, ${(gzipped / 1024).toFixed(1)} kB of JavaScript gzipped`);
    // A JSON Forms + Vuetify bundle is ~250 kB gzipped (STACK.md): the first screen stays under half of it.
    expect(gzipped).toBeLessThan(120 * 1024);
  } finally {
    await fresh.close();
  }
});

it('moves the rdv to another créneau of the same motif from the self-service page', async () => {
  const admin = await test.signIn('admin.mairie@demo.test');
  const opened = await test.call('patch', `/api/v1/motifs/${motif.motifId}`, { token: admin, body: { rdvs_editable_by_user: true } });
  expect(opened.status).toBe(200);
  const manageUrl = await bookThroughApi('Moreau', 'sam.moreau@exemple.fr');

  const page = await newPage();
  await page.goto(manageUrl);
  await page.getByLabel('Les 3 premières lettres du nom de famille').fill('MOR');
  await page.locator('[data-test="open-rdv"]').click();
  await page.locator('[data-test="move-rdv"]').click();
  const target = page.locator('[data-test^="slot-"]').first();
  await target.waitFor();
  const startsAt = (await target.getAttribute('data-test'))!.slice('slot-'.length);
  expect(await auditScreen(page, 'public/7b-move-picker')).toEqual([]);
  await target.click();
  await page.locator('[data-test="confirm-action"]').click();
  await page.locator('[data-test="manage-done"]').waitFor();
  await shows(page.locator('[data-test="manage-done"]'), 'Votre rendez-vous est déplacé');
  await shows(page.locator('[data-test="recap-when"]'), `à ${startsAt.slice(11, 16)}`);
  const [moved] = await test.sql(
    `SELECT r.starts_at FROM rdvs r JOIN participations p ON p.rdv_id = r.id JOIN users u ON u.id = p.user_id WHERE u.email = $1`,
    ['sam.moreau@exemple.fr'],
  );
  expect(new Date(moved.starts_at).getTime()).toBe(Date.parse(startsAt));
  await page.close();
});

it("confirms from the email's link, in a browser that never saw the booking", async () => {
  const creneaux = await test.call('get', `/api/public/organisations/${ORGANISATION}/creneaux?motif_id=${motif.motifId}&lieu_id=${motif.lieuId}&from=${today()}&to=${inDays(30)}`);
  const held = await test.call('post', '/api/public/rdvs', {
    body: { motif_id: motif.motifId, lieu_id: motif.lieuId, starts_at: creneaux.body.data[0].starts_at, user: { first_name: 'Zoé', last_name: 'Girard', email: 'zoe.girard@exemple.fr' } },
  });
  expect(held.status).toBe(202);
  const link = (await emailTo(test, 'zoe.girard@exemple.fr')).match(/https?:\/\/\S+\/reservation\/code\?\S+/)![0];

  const page = await newPage();
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Confirmer le rendez-vous' }).waitFor();
  await expect(page.getByLabel('Code de confirmation').inputValue()).resolves.toMatch(/^\d{6}$/);
  expect(await auditScreen(page, 'public/4b-code-from-email')).toEqual([]);
  await page.locator('[data-test="confirm-code"]').click();
  await page.getByRole('heading', { level: 1, name: 'Rendez-vous confirmé' }).waitFor();
  await shows(page.locator('[data-test="rdv-recap"]'), MOTIF_NAME);
  await page.close();
});

it('lets a prescripteur in by their own entrance, with the motifs opened to prescripteurs', async () => {
  const page = await newPage();
  await page.goto(`${test.baseUrl}/public/organisations/${ORGANISATION}`);
  await page.getByRole('heading', { level: 1, name: 'Mairie de Val-Fleuri' }).waitFor();
  await expect(page.getByText('Permis de construire — conseil').count()).resolves.toBe(0);
  await page.locator('[data-test="prescripteur-entrance"]').click();
  await page.locator('[data-test="prescripteur-mode"]').waitFor();
  await page.getByText('Permis de construire — conseil').waitFor();
  expect(await auditScreen(page, 'public/1b-prescripteur-entrance')).toEqual([]);

  // Booked from this entrance, the form opens on the prescripteur's identity.
  await page.getByRole('link', { name: new RegExp(`ce motif : ${MOTIF_NAME}`) }).click();
  await page.getByRole('radio', { name: /Hôtel de ville/ }).check();
  await page.locator('[data-test="next-availability"]').click();
  await chooseFirstSlot(page);
  await expect(page.locator('[data-test="as-prescripteur"] input').isChecked()).resolves.toBe(true);
  await page.locator('[data-test="prescripteur-fields"]').waitFor();
  await page.close();
});

it('can be used with the keyboard alone, the focus following each new page', async () => {
  const page = await newPage();
  await page.goto(`${test.baseUrl}/public/organisations/${ORGANISATION}`);
  await page.getByRole('heading', { level: 1, name: 'Mairie de Val-Fleuri' }).waitFor();
  // The first Tab reaches the skip link, which leads to the content.
  await page.keyboard.press('Tab');
  await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Aller au contenu');

  await page.getByRole('link', { name: new RegExp(`ce motif : ${MOTIF_NAME}`) }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === "Carte d'identité et passeport");
  await page.getByRole('radio', { name: /Hôtel de ville/ }).focus();
  await page.keyboard.press('Space');
  await page.locator('[data-test="next-availability"]').focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-test^="slot-"]').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Vos coordonnées');
  await page.close();
});

it("asks which of the motif's options the usager comes for, offers créneaux of its duration and keeps it on the rdv", async () => {
  const page = await newPage();
  // The holds earlier tests left awaiting their code run out: this network may hold a créneau again.
  test.clock.advance(11 * 60_000);
  const options = [{ label: 'Carte d’identité', duration_in_min: null }, { label: 'Passeport', duration_in_min: 40 }];
  await test.sql(`UPDATE motifs SET options = $2::jsonb WHERE id = $1`, [motif.motifId, JSON.stringify(options)]);
  try {
    await page.goto(`${test.baseUrl}/public/organisations/${ORGANISATION}`);
    await page.getByRole('link', { name: new RegExp(`ce motif : ${MOTIF_NAME}`) }).click();
    await page.getByRole('radio', { name: /Hôtel de ville/ }).check();
    // No créneau until the option is chosen.
    await page.getByRole('group', { name: 'Précisez votre demande' }).waitFor();
    expect(await page.locator('[data-test="next-availability"]').count()).toBe(0);
    await page.getByRole('radio', { name: 'Passeport (40 min)' }).focus();
    await page.keyboard.press('Space');
    await page.locator('[data-test="next-availability"]').click();
    await page.locator('[data-test^="slot-"]').first().waitFor();
    expect(await auditScreen(page, 'public/2c-slots-of-an-option')).toEqual([]);
    await chooseFirstSlot(page);
    await fillIdentity(page, { first_name: 'Lou', last_name: 'Garnier', email: 'lou.garnier@exemple.fr' });
    await sendCode(page).click();
    await page.getByRole('heading', { level: 1, name: 'Confirmer le rendez-vous' }).waitFor();
    const [held] = await test.sql(`SELECT motif_option, extract(epoch FROM ends_at - starts_at)::int AS seconds FROM rdvs
      WHERE id = (SELECT rdv_id FROM rdv_holds WHERE confirmation_email = $1)`, ['lou.garnier@exemple.fr']);
    expect(held).toEqual({ motif_option: { label: 'Passeport', duration_in_min: 40 }, seconds: 40 * 60 });
  } finally {
    await test.sql(`UPDATE motifs SET options = '[]'::jsonb WHERE id = $1`, [motif.motifId]);
    await page.close();
  }
});
