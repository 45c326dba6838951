import type { Page } from 'playwright-core';
import { auditScreen, Browser, ensureUiBuilt, openBrowser } from '../admin/support';
import { emailedLinks } from '../../integration/foundation/helpers';
import { demoIds, TestPlatform } from '../../support/platform';
import { shows } from './support';

/*
 * The page an usager reaches from an agent's invitation to create their account: it
 * greets them by first name, takes a password typed twice under the accounts' rule,
 * and says it is done; a used, expired or replaced link says so and where to go.
 */

let test: TestPlatform;
let browser: Browser;
let agent: string;
let mairie: string;
const violations: string[] = [];

beforeAll(async () => {
  ensureUiBuilt('public-ui');
  test = await TestPlatform.start();
  mairie = (await demoIds(test)).mairie;
  agent = await test.signIn('admin.mairie@demo.test');
  browser = await openBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await test?.stop();
});

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

/** A fiche of the Mairie invited by its agent: the link emailed to the usager. */
async function invitedLink(first_name: string, email: string): Promise<string> {
  const created = await test.call('post', `/api/v1/organisations/${mairie}/users`, { token: agent, body: { first_name, last_name: 'Dupré', email } });
  expect(created.status).toBe(201);
  expect((await test.call('post', `/api/v1/users/${created.body.id}/invitation`, { token: agent })).status).toBe(201);
  const [link] = await emailedLinks(test, email, 'compte/invitation', 'public');
  return link;
}

const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`);

describe('public portal: the invitation to create one’s account', () => {
  it('greets the usager by first name, checks the password typed twice, and opens the account', async () => {
    const link = await invitedLink('Léon', 'leon.dupre@example.fr');
    const page = await newPage();
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Créer votre compte' }).waitFor();
    await page.getByText('Bonjour Léon,').waitFor();
    await shows(page.locator('main'), 'Mairie de Val-Fleuri vous invite à créer votre compte');
    expect(await page.locator('main').innerText()).not.toContain('Dupré');
    violations.push(...(await auditScreen(page, 'public/account-invitation')));

    // From the keyboard: a password too short, then two that differ, then the same twice.
    await field(page, 'password').getByLabel('Mot de passe *').fill('trop court');
    await field(page, 'password_confirmation').getByLabel('Confirmez le mot de passe *').fill('trop court');
    await page.keyboard.press('Enter');
    await shows(field(page, 'password'), 'Saisissez au moins 12 caractères.');
    await field(page, 'password').getByLabel('Mot de passe *').fill('le mot de passe de Léon');
    await field(page, 'password_confirmation').getByLabel('Confirmez le mot de passe *').fill('le mot de passe de Leon');
    await page.keyboard.press('Enter');
    await shows(field(page, 'password_confirmation'), 'Les deux mots de passe sont différents.');
    expect(await page.evaluate(() => document.activeElement?.closest('[data-field]')?.getAttribute('data-field'))).toBe('password_confirmation');
    violations.push(...(await auditScreen(page, 'public/account-invitation-errors')));
    await field(page, 'password_confirmation').getByLabel('Confirmez le mot de passe *').fill('le mot de passe de Léon');
    await page.keyboard.press('Enter');

    await page.getByRole('status').filter({ hasText: 'Votre compte est créé. Connectez-vous désormais avec votre adresse e-mail (leon.dupre@example.fr) et ce mot de passe.' }).waitFor();
    await page.getByRole('link', { name: 'Prendre rendez-vous auprès de Mairie de Val-Fleuri' }).waitFor();
    violations.push(...(await auditScreen(page, 'public/account-invitation-done')));
    const signedIn = await test.call('post', '/api/public/accounts/sign_in', { body: { email: 'leon.dupre@example.fr', password: 'le mot de passe de Léon' } });
    expect(signedIn.status).toBe(200);

    // The link served once.
    await page.reload();
    await shows(page.locator('[data-test="invitation-closed"]'), 'Cette invitation a déjà servi : votre compte est créé.');
    expect(await page.locator('[data-test="invitation-form"]').count()).toBe(0);
    await page.close();
  });

  it('says an expired link is over and leads to the organisation’s page to ask for a new one', async () => {
    const link = await invitedLink('Maëlle', 'maelle.dupre@example.fr');
    const start = test.clock.now();
    const page = await newPage();
    try {
      test.clock.advance(7 * 24 * 3600_000 + 60_000);
      await page.goto(link);
      await shows(page.locator('[data-test="invitation-closed"]'), 'Cette invitation a expiré. Demandez à Mairie de Val-Fleuri de vous en envoyer une nouvelle');
      expect(await page.locator('[data-test="invitation-form"]').count()).toBe(0);
      violations.push(...(await auditScreen(page, 'public/account-invitation-expired')));
      await page.getByRole('link', { name: 'Voir la page de Mairie de Val-Fleuri' }).click();
      await page.getByRole('heading', { level: 1, name: /Mairie de Val-Fleuri/ }).waitFor();
    } finally {
      test.clock.set(start);
      await page.close();
    }
  });

  it('says a replaced link no longer works and that the latest email has the right one', async () => {
    const first = await invitedLink('Noël', 'noel.dupre@example.fr');
    const [user] = await test.sql(`SELECT id FROM users WHERE email = 'noel.dupre@example.fr'`);
    expect((await test.call('post', `/api/v1/users/${user.id}/invitation`, { token: agent })).status).toBe(201);
    const page = await newPage();
    await page.goto(first);
    await page.getByRole('alert').filter({ hasText: 'Ce lien d’invitation n’est pas ou plus valable' }).waitFor();
    violations.push(...(await auditScreen(page, 'public/account-invitation-unknown')));
    await page.close();
    expect(violations).toEqual([]);
  });
});
