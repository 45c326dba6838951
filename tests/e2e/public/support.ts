import type { Locator, Page } from 'playwright-core';
import { fastJobs, startPipeline, waitFor } from '../../integration/notifications/pipeline';
import { demoIds, TestPlatform } from '../../support/platform';
import { Browser, ensureUiBuilt, openBrowser } from '../admin/support';

/** The demo motif every test books: open to everyone, on site at the Mairie, 20 minutes. */
export const MOTIF_NAME = "Carte d'identité et passeport";
export const ORGANISATION = 'mairie-val-fleuri';

export interface BookableMotif {
  motifId: string;
  lieuId: string;
}

/**
 * The portal as usagers meet it, in Chromium: the platform with its pipeline running, so
 * codes travel as usagers get them (outbox, queue, notifications, the dev mailbox), and the
 * CNI motif open to online booking (`openPlages`).
 */
export async function startPortal(): Promise<{ test: TestPlatform; browser: Browser; motif: BookableMotif; stop(): Promise<void> }> {
  ensureUiBuilt('public-ui');
  const test = await TestPlatform.start({ config: { jobs: fastJobs() } });
  const pipeline = await startPipeline(test);
  const motif = await openPlages(test);
  const browser = await openBrowser();
  return {
    test, browser, motif,
    async stop() {
      await browser.close();
      await pipeline.stop();
      await test.stop();
    },
  };
}

/** The day `days` from `now` in the territory's zone, `YYYY-MM-DD`. */
function dayInParis(now: Date, days: number): string {
  const then = new Date(now.getTime() + days * 24 * 3600_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(then);
}

/**
 * Opens the CNI motif to online booking: an agent of the Mairie at the Hôtel de
 * ville every day for two months from two weeks on, 09:00–12:00, created through
 * the agents' API. This week and the next have no créneau: the portal offers to
 * jump to the next availability.
 */
export async function openPlages(test: TestPlatform): Promise<BookableMotif> {
  const ids = await demoIds(test);
  const [motif] = await test.sql(`SELECT id FROM motifs WHERE organisation_id = $1 AND name = $2`, [ids.mairie, MOTIF_NAME]);
  const [lieu] = await test.sql(`SELECT id FROM lieux WHERE organisation_id = $1 AND name = 'Hôtel de ville'`, [ids.mairie]);
  const token = await test.signIn('admin.mairie@demo.test');
  const created = await test.call('post', `/api/v1/organisations/${ids.mairie}/plages_ouverture`, {
    token,
    body: {
      agent_id: ids.basicEtatCivil,
      lieu_id: lieu.id,
      motif_ids: [motif.id],
      title: 'Titres',
      first_day: dayInParis(test.clock.now(), 14),
      start_time: '09:00',
      end_time: '12:00',
      recurrence: 'FREQ=DAILY',
      until: dayInParis(test.clock.now(), 75),
    },
  });
  if (created.status !== 201) throw new Error(`plage: ${created.status} ${JSON.stringify(created.body)}`);
  return { motifId: motif.id, lieuId: lieu.id };
}

/** The text of the `nth` email sent to `email` (the first by default), read in the dev mailbox once the pipeline sent it. */
export async function emailTo(test: TestPlatform, email: string, nth = 1): Promise<string> {
  const texts = await waitFor(async () => {
    const mailbox = await test.call('get', '/dev/mailbox?format=json');
    const received = (mailbox.body.data as { to: { address: string }; text: string }[]).filter((m) => m.to.address === email).map((m) => m.text);
    return received.length >= nth && received;
  }, 15_000, `email ${nth} to ${email}`);
  return texts[nth - 1];
}

/** The 6-digit code of the first email sent to `email`. */
export async function confirmationCode(test: TestPlatform, email: string): Promise<string> {
  const text = await emailTo(test, email);
  const code = text.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`No code in the email to ${email}: ${text}`);
  return code;
}

/** From the organisation page to the slot grid of the CNI motif at the Hôtel de ville, through the jump to its first available week. */
export async function openSlots(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/public/organisations/${ORGANISATION}`);
  await page.getByRole('link', { name: new RegExp(`ce motif : ${MOTIF_NAME}`) }).click();
  await page.getByRole('radio', { name: /Hôtel de ville/ }).check();
  await page.locator('[data-test="next-availability"]').click();
  await page.locator('[data-test^="slot-"]').first().waitFor();
}

/** Clicks the first slot shown; answers its start time. */
export async function chooseFirstSlot(page: Page): Promise<string> {
  const slot = page.locator('[data-test^="slot-"]').first();
  const startsAt = (await slot.getAttribute('data-test'))!.slice('slot-'.length);
  await slot.click();
  await page.getByRole('heading', { level: 1, name: 'Vos coordonnées' }).waitFor();
  return startsAt;
}

/** Fills the usager's identity (the territory's default public form). */
export async function fillIdentity(page: Page, person: { first_name: string; last_name: string; email: string; phone_number?: string }): Promise<void> {
  const fields = page.locator('[data-test="user-fields"]');
  await fields.getByLabel('Prénom *').fill(person.first_name);
  await fields.getByLabel('Nom *', { exact: true }).fill(person.last_name);
  await fields.getByLabel('Adresse e-mail').fill(person.email);
  if (person.phone_number !== undefined) await fields.getByLabel('Téléphone').fill(person.phone_number);
}

/** Waits until the element shows this text (the page updates after its requests answer). */
export async function shows(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
}
