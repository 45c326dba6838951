import type { Page } from 'playwright-core';
import { auditScreen, Browser, ensureUiBuilt, openBrowser } from '../admin/support';
import { FakeAnts } from '../../support/fake-ants';
import { demoIds, TestPlatform } from '../../support/platform';
import { BookableMotif, fillIdentity, openPlages, ORGANISATION } from './support';

/*
 * The public portal with ANTS on (a CNI/passport motif): the national site's link to one
 * créneau opens it ready to book, or says it is gone and shows its week; the identity form
 * asks the pré-demande number for this motif only; the platform's check answers at that
 * field, its warnings are confirmed by the usager, its timeout said. ANTS's API coordination
 * is a real HTTP server on 127.0.0.1. The platform and the browser live at NOW.
 */

const NOW = new Date('2026-11-18T09:00:00Z');

let test: TestPlatform;
let browser: Browser;
let ants: FakeAnts;
let motif: BookableMotif;
/** Free créneaux of the CNI motif at the Hôtel de ville, from the public API, in time order. */
let free: string[];
const NUMBER_FIELD = 'user.custom_fields.ants_pre_demande_number';
const HUB_TOKEN = 'hub-token-for-the-portal-tests-0123';

beforeAll(async () => {
  ensureUiBuilt('public-ui');
  test = await TestPlatform.start({ now: NOW, config: { env: { ANTS_HUB_AUTH_TOKEN: HUB_TOKEN } } });
  ants = await FakeAnts.start();
  motif = await openPlages(test);
  const ids = await demoIds(test);
  const territorial = await test.signIn('territoire@demo.test');
  const on = await test.call('put', '/api/v1/territories/current/config/plugins.ants', {
    token: territorial, body: { enabled: true, config: { api_url: ants.url, check_numbers: true }, organisations: { [ids.ccas]: { enabled: false } } },
  });
  expect(on.status).toBe(200);
  expect((await test.call('put', '/api/v1/plugins/ants/api_token', { token: territorial, body: { token: ants.token } })).status).toBe(204);
  const day = (days: number) => new Date(NOW.getTime() + days * 24 * 3600_000).toISOString().slice(0, 10);
  const creneaux = await test.call('get', `/api/public/organisations/${ORGANISATION}/creneaux?motif_id=${motif.motifId}&lieu_id=${motif.lieuId}&from=${day(14)}&to=${day(20)}`);
  free = creneaux.body.data.map((creneau: { starts_at: string }) => creneau.starts_at);
  expect(free.length).toBeGreaterThan(3);
  browser = await openBrowser();
  await browser.context.clock.install({ time: NOW });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await ants?.stop();
  await test?.stop();
});

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

/** The portal's address ANTS links a créneau to (the `callback_url` of a slot). */
const link = (startsAt: string) => `${test.baseUrl}/public/organisations/${ORGANISATION}/motifs/${motif.motifId}?lieu_id=${motif.lieuId}&starts_at=${encodeURIComponent(startsAt)}`;
const identityHeading = (page: Page) => page.getByRole('heading', { level: 1, name: 'Vos coordonnées' });
const numberInput = (page: Page) => page.locator(`[data-field="${NUMBER_FIELD}"] input`);
const numberMessage = (page: Page) => page.locator(`[data-field="${NUMBER_FIELD}"] .v-messages`);
const rdvCount = async () => Number((await test.sql(`SELECT count(*)::int AS n FROM rdvs`))[0].n);

it('opens the linked créneau ready to book, asks the pré-demande number, says the check’s error at it and books past a warning once confirmed', async () => {
  const page = await newPage();
  const violations: string[] = [];
  // The link as the hub hands it to the national site.
  const day = free[0].slice(0, 10);
  const hub = await test.call('get', `/api/ants/availableTimeSlots?meeting_point_ids=${motif.lieuId}&start_date=${day}&end_date=${day}&reason=CNI-PASSPORT`, {
    headers: { 'x-hub-rdv-auth-token': HUB_TOKEN },
  });
  const slot = (hub.body[motif.lieuId] as { datetime: string; callback_url: string }[]).find((candidate) => Date.parse(candidate.datetime) === Date.parse(free[0]));
  expect(slot?.callback_url).toBe(link(free[0]));
  await page.goto(slot!.callback_url);
  await identityHeading(page).waitFor();
  await page.locator('[data-test="booking-summary"]').getByText(`à ${free[0].slice(11, 16)}`).waitFor();
  const chosen = await page.evaluate(() => JSON.parse(sessionStorage.getItem('lapin.booking') ?? 'null')?.creneau);
  expect(chosen).toMatchObject({ starts_at: free[0], lieu_id: motif.lieuId, motif_id: motif.motifId });
  await page.getByLabel('Numéro de pré-demande ANTS').waitFor();

  await fillIdentity(page, { first_name: 'Camille', last_name: 'Martin', email: 'camille.martin@exemple.fr' });
  await page.locator('[data-test="send-code"]').click();
  await numberMessage(page).getByText('Le numéro de pré-demande ANTS est obligatoire pour ce motif (un par personne)').waitFor();
  expect(await numberInput(page).evaluate((input) => input === document.activeElement)).toBe(true);
  violations.push(...(await auditScreen(page, 'public/ants-1-number-required')));

  // Booked elsewhere already: the usager reads where, then confirms.
  ants.setStatus('AB12CD34EF', 'validated', [{ meeting_point_id: 'x', meeting_point: 'Mairie de Saumur', appointment_date: '2027-01-05 09:00:00', management_url: 'https://ailleurs.example/rdv/1' }]);
  await numberInput(page).fill('ab12cd34ef');
  await page.locator('[data-test="send-code"]').click();
  const warnings = page.locator('[data-test="warnings"]');
  await warnings.getByText(/AB12CD34EF est déjà utilisé pour un rendez-vous auprès de Mairie de Saumur/).waitFor();
  expect(await rdvCount()).toBe(0);
  violations.push(...(await auditScreen(page, 'public/ants-2-warning')));

  const bodies: unknown[] = [];
  page.on('request', (request) => request.method() === 'POST' && request.url().endsWith('/api/public/rdvs') && bodies.push(request.postDataJSON()));
  await warnings.getByRole('button', { name: 'Confirmer malgré tout' }).click();
  await page.getByRole('heading', { level: 1, name: 'Confirmer le rendez-vous' }).waitFor();
  expect(bodies).toEqual([expect.objectContaining({ starts_at: free[0], accept_warnings: true, user: expect.objectContaining({ custom_fields: { ants_pre_demande_number: 'ab12cd34ef', besoin_interprete: false } }) })]);
  expect(await rdvCount()).toBe(1);
  expect(violations).toEqual([]);
  await page.close();
});

it('says a linked créneau is gone and shows its week at its lieu', async () => {
  const page = await newPage();
  // The first créneau is held by the booking above.
  await page.goto(link(free[0]));
  await page.locator('[data-test="link-gone"]').getByText("Le créneau choisi n'est plus disponible. Choisissez-en un autre ci-dessous.").waitFor();
  await page.locator(`[data-test="slot-${free[1]}"]`).waitFor();
  expect(await page.locator(`[data-test="slot-${free[0]}"]`).count()).toBe(0);
  expect(await page.getByRole('radio', { name: /Hôtel de ville/ }).isChecked()).toBe(true);
  const query = new URL(page.url()).searchParams;
  expect([query.get('lieu'), query.get('semaine'), query.get('starts_at')]).toEqual([motif.lieuId, free[0].slice(0, 10), null]);
  expect(await auditScreen(page, 'public/ants-3-link-gone')).toEqual([]);

  // The week's other créneaux are a click away.
  await page.locator(`[data-test="slot-${free[1]}"]`).click();
  await identityHeading(page).waitFor();
  await page.close();
});

it('says the platform’s message when the check does not answer in time, and books nothing', async () => {
  const page = await newPage();
  ants.setStatus('CD34EF56GH', 'validated');
  ants.fail({ on: 'GET /api/status', delayMs: 8_000 });
  await page.goto(link(free[2]));
  await identityHeading(page).waitFor();
  await fillIdentity(page, { first_name: 'Louis', last_name: 'Durand', email: 'louis.durand@exemple.fr' });
  await numberInput(page).fill('CD34EF56GH');
  const answer = page.waitForResponse((response) => response.url().endsWith('/api/public/rdvs'));
  await page.locator('[data-test="send-code"]').click();
  const refused = await answer;
  expect(refused.status()).toBe(503);
  const { detail } = await refused.json();
  expect(detail).toMatch(/réessayez/);
  await page.locator('[data-test="problem"]').getByText(detail, { exact: true }).waitFor();
  await identityHeading(page).waitFor();
  expect(await rdvCount()).toBe(1);
  await page.close();
});

it('asks the pré-demande number only for a motif of an identity card or passport category', async () => {
  await test.sql(`UPDATE motifs SET category = NULL WHERE id = $1`, [motif.motifId]);
  try {
    const page = await newPage();
    await page.goto(link(free[3]));
    await identityHeading(page).waitFor();
    await page.locator('[data-test="user-fields"]').getByLabel('Prénom *').waitFor();
    expect(await page.locator(`[data-field="${NUMBER_FIELD}"]`).count()).toBe(0);
    await page.close();
  } finally {
    await test.sql(`UPDATE motifs SET category = 'cni_passport' WHERE id = $1`, [motif.motifId]);
  }
});
