import { auditScreen, Browser } from '../admin/support';
import { CHALLENGE_ORGANISATION_PENDING_HOLDS } from '../../../platform/src/booking/challenges';
import { TestPlatform } from '../../support/platform';
import { BookableMotif, chooseFirstSlot, confirmationCode, fillIdentity, openSlots, ORGANISATION, startPortal } from './support';

/*
 * The public portal while the Mairie is flooded with bookings awaiting their code: the
 * platform answers the usager's booking 428 with a proof-of-work challenge, which the
 * page solves by itself (under the portal's Content-Security-Policy) and books again;
 * the usager sees the usual code screen and confirms.
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

it('books under pressure: the challenge is solved in the page, unseen, and the booking is confirmed', async () => {
  const from = new Date(test.clock.now().getTime() + 14 * 24 * 3600_000).toISOString().slice(0, 10);
  const to = new Date(test.clock.now().getTime() + 60 * 24 * 3600_000).toISOString().slice(0, 10);
  const creneaux = await test.call('get', `/api/public/organisations/${ORGANISATION}/creneaux?motif_id=${motif.motifId}&lieu_id=${motif.lieuId}&from=${from}&to=${to}`);
  // The flood: bookings awaiting their code on the last créneaux, from the machine itself (no network quota).
  for (const slot of creneaux.body.data.slice(-CHALLENGE_ORGANISATION_PENDING_HOLDS)) {
    const held = await test.call('post', '/api/public/rdvs', {
      body: { motif_id: motif.motifId, lieu_id: motif.lieuId, starts_at: slot.starts_at, user: { first_name: 'Flot', last_name: 'Automatique', email: `flot.${slot.starts_at.slice(0, 16).replace(/\D/g, '')}@exemple.fr` } },
    });
    expect(held.status).toBe(202);
  }

  const page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  const statuses: number[] = [];
  page.on('response', (response) => {
    if (response.request().method() === 'POST' && new URL(response.url()).pathname === '/api/public/rdvs') statuses.push(response.status());
  });
  await openSlots(page, test.baseUrl);
  await chooseFirstSlot(page);
  await fillIdentity(page, { first_name: 'Inès', last_name: 'Moreau', email: 'ines.moreau@exemple.fr' });
  await page.locator('[data-test="send-code"]').click();
  await page.getByRole('heading', { level: 1, name: 'Confirmer le rendez-vous' }).waitFor();
  expect(statuses).toEqual([428, 202]);
  const violations = await auditScreen(page, 'public/pressure-code');

  await page.getByLabel('Code de confirmation').fill(await confirmationCode(test, 'ines.moreau@exemple.fr'));
  await page.locator('[data-test="confirm-code"]').click();
  await page.getByRole('heading', { level: 1, name: 'Rendez-vous confirmé' }).waitFor();
  const [booked] = await test.sql(`SELECT status FROM rdvs WHERE id = (SELECT rdv_id FROM rdv_holds WHERE confirmation_email = $1)`, ['ines.moreau@exemple.fr']);
  expect(booked.status).toBe('unknown');
  expect(violations).toEqual([]);
  await page.close();
});
