import type { Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { waitFor } from '../../support/events';
import { emailedLinks, invitationLinks } from '../../integration/foundation/helpers';
import { auditScreen, Browser, choose, E2E_NOW, ensureUiBuilt, openBrowser, signIn, signOut } from './support';

const NEW_PASSWORD = 'mon-nouveau-mot-de-passe';
const MINUTE = 60_000;
/** A date and time as the screens show them (the browser runs in this machine's time zone, as node does). */
const shown = (at: Date) => new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short' }).format(at);

/** « Mon compte », the forgotten password, idle sessions and invitations on the agents screen (issue 15, seed 001). */
describe('admin UI: the agent’s account and credentials', () => {
  let test: TestPlatform;
  let browser: Browser;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  const violations: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt('admin-ui');
    test = await TestPlatform.start({ now: E2E_NOW });
    ids = await demoIds(test);
    browser = await openBrowser({ now: E2E_NOW });
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await test?.stop();
  });

  beforeEach(async () => {
    test.clock.set(E2E_NOW);
    await page.goto(`${test.baseUrl}/admin/sign-in`);
    await page.evaluate('sessionStorage.clear()');
  });

  async function openAccount(): Promise<void> {
    await page.getByRole('button', { name: /^Mon compte/ }).click();
    await page.locator('[data-test="my-account"]').click();
    await page.getByRole('heading', { name: 'Mon compte', level: 1 }).waitFor();
  }

  const webcalUrl = () => page.getByRole('textbox', { name: 'Adresse de votre agenda' });

  it('shows « Mon compte » from the name at the top: name, notifications and the webcal address, copied or replaced', async () => {
    await signIn(page, test.baseUrl, 'agent.etatcivil@demo.test');
    await openAccount();
    const identity = page.locator('[data-test="identity"]');
    await identity.getByRole('textbox', { name: 'Prénom *' }).fill('Camille');
    await identity.getByRole('textbox', { name: 'Nom *', exact: true }).fill('Lefèvre');
    await identity.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('status').filter({ hasText: 'Modifications enregistrées.' }).waitFor();
    await page.getByRole('button', { name: 'Mon compte : Camille Lefèvre' }).waitFor();
    expect(await test.sql(`SELECT first_name, last_name FROM agents WHERE id = $1`, [ids.basicEtatCivil]))
      .toEqual([{ first_name: 'Camille', last_name: 'Lefèvre' }]);

    await choose(page, 'Plages d’ouverture *', 'Aucune notification');
    await page.locator('[data-test="preferences"]').getByRole('button', { name: 'Enregistrer' }).click();
    await waitFor('the preference saved', async () => (await test.sql(
      `SELECT plage_ouverture_notification_level AS level FROM agents WHERE id = $1`, [ids.basicEtatCivil]))[0].level === 'none');

    const first = await webcalUrl().inputValue();
    expect(first).toMatch(new RegExp(`^webcal://127\\.0\\.0\\.1:\\d+/calendrier/[A-Za-z0-9_-]+\\.ics$`));
    expect((await fetch(first.replace(/^webcal:/, 'http:'))).status).toBe(200);
    violations.push(...(await auditScreen(page, 'account')));

    await page.getByRole('button', { name: 'Générer une nouvelle adresse' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Générer' }).click();
    await page.getByText('Nouvelle adresse générée : l’ancienne ne fonctionne plus.').waitFor();
    const second = await webcalUrl().inputValue();
    expect(second).not.toBe(first);
    expect((await fetch(first.replace(/^webcal:/, 'http:'))).status).toBe(404);
    expect((await fetch(second.replace(/^webcal:/, 'http:'))).status).toBe(200);
  });

  it('changes the password only with the current one, and signs the agent out everywhere else', async () => {
    const elsewhere = await test.signIn('agent.urbanisme@demo.test');
    await signIn(page, test.baseUrl, 'agent.urbanisme@demo.test');
    await openAccount();
    const form = page.locator('[data-test="password"]');
    await form.getByRole('textbox', { name: 'Mot de passe actuel *' }).fill('pas-le-bon-mot-de-passe');
    await form.getByRole('textbox', { name: 'Nouveau mot de passe *' }).fill(NEW_PASSWORD);
    await form.getByRole('textbox', { name: 'Confirmez le mot de passe *' }).fill('un-autre-mot-de-passe');
    await form.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await page.getByText('Les deux mots de passe sont différents.').waitFor();
    await form.getByRole('textbox', { name: 'Confirmez le mot de passe *' }).fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await page.getByText('Ce n’est pas votre mot de passe actuel.').waitFor();
    violations.push(...(await auditScreen(page, 'account-password-refused')));

    await form.getByRole('textbox', { name: 'Mot de passe actuel *' }).fill('demo-password-2026');
    await form.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await page.getByRole('status').filter({ hasText: 'Mot de passe changé. Vos autres sessions ont été fermées.' }).waitFor();
    expect(await form.getByRole('textbox', { name: 'Mot de passe actuel *' }).inputValue()).toBe('');
    expect((await test.call('get', '/api/v1/auth/me', { token: elsewhere })).status).toBe(401);
    // This tab's session goes on.
    await page.getByRole('link', { name: 'Accueil' }).click();
    await page.getByRole('heading', { name: /^Bonjour/ }).waitFor();
    await signOut(page);
    await signIn(page, test.baseUrl, 'agent.urbanisme@demo.test', NEW_PASSWORD);
  });

  it('sends a forgotten password link by email; it opens a screen to choose a new one, once, for an hour', async () => {
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    await page.getByRole('heading', { name: 'Mot de passe oublié' }).waitFor();
    await page.getByRole('textbox', { name: 'Adresse e-mail *' }).fill('secretariat@demo.test');
    await page.getByRole('button', { name: 'Recevoir le lien' }).click();
    await page.getByRole('status').filter({ hasText: 'Si un compte d’agent existe pour secretariat@demo.test' }).waitFor();
    violations.push(...(await auditScreen(page, 'forgot-password')));
    await waitFor('the link emailed', async () => (await emailedLinks(test, 'secretariat@demo.test', 'reset-password')).length === 1);
    const [link] = await emailedLinks(test, 'secretariat@demo.test', 'reset-password');

    await page.goto(link);
    await page.getByRole('heading', { name: 'Choisir un nouveau mot de passe' }).waitFor();
    await page.getByRole('textbox', { name: 'Nouveau mot de passe *' }).fill(NEW_PASSWORD);
    await page.getByRole('textbox', { name: 'Confirmez le mot de passe *' }).fill(NEW_PASSWORD);
    violations.push(...(await auditScreen(page, 'reset-password')));
    await page.getByRole('button', { name: 'Enregistrer et me connecter' }).click();
    await page.waitForURL(new RegExp(`/organisations/${ids.mairie}$`));
    await page.getByRole('button', { name: /^Mon compte/ }).waitFor();
    await test.signIn('secretariat@demo.test', NEW_PASSWORD);

    // Used once: opening it again says so and offers a new one.
    await page.evaluate('sessionStorage.clear()');
    await page.goto(link);
    await page.getByText('Ce lien a expiré ou a déjà servi.').waitFor();
    await page.getByRole('link', { name: 'Demander un nouveau lien' }).waitFor();

    // A new link left unused for more than an hour has expired.
    await test.call('post', '/api/v1/auth/password_resets', { body: { email: 'secretariat@demo.test' } });
    await waitFor('a second link', async () => (await emailedLinks(test, 'secretariat@demo.test', 'reset-password')).length === 2);
    const [late] = await emailedLinks(test, 'secretariat@demo.test', 'reset-password');
    test.clock.advance(61 * MINUTE);
    await page.goto(late);
    await page.getByText('Ce lien a expiré ou a déjà servi.').waitFor();
    violations.push(...(await auditScreen(page, 'reset-password-expired')));
  });

  it('sends an agent whose session sat unused for more than 30 minutes back to sign-in, saying it expired', async () => {
    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    await openAccount();
    test.clock.advance(31 * MINUTE);
    await page.locator('[data-test="identity"]').getByRole('button', { name: 'Enregistrer' }).click();
    await page.waitForURL(/\/admin\/sign-in\?redirect=/);
    await page.getByText('Votre session a expiré.').waitFor();
    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    await page.getByRole('heading', { name: 'Mon compte', level: 1 }).waitFor();
  });

  it('shows each invitation’s state on the agents screen, and resends or revokes it', async () => {
    const admin = await test.signIn('admin.mairie@demo.test');
    const invited = await test.call('post', `/api/v1/organisations/${ids.mairie}/agents`,
      { token: admin, body: { email: 'attente@demo.test', first_name: 'Inès', access_level: 'basic', service_ids: ['etat_civil'] } });
    expect(invited.status).toBe(201);
    const [firstLink] = await invitationLinks(test, 'attente@demo.test');

    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/agents`);
    const state = page.locator('[data-test="invitation-attente@demo.test"]');
    await state.getByText('Invitation en attente').waitFor();
    await state.getByText(`envoyée le ${shown(E2E_NOW)}`).waitFor();
    violations.push(...(await auditScreen(page, 'agents-invitations')));

    test.clock.advance(20 * MINUTE);
    await page.getByRole('button', { name: 'Renvoyer l’invitation à Inès' }).click();
    await page.getByRole('status').filter({ hasText: 'Invitation renvoyée à attente@demo.test.' }).waitFor();
    await state.getByText(`envoyée le ${shown(test.clock.now())}`).waitFor();
    const links = await invitationLinks(test, 'attente@demo.test');
    expect(links).toHaveLength(2);
    expect(links[0]).not.toBe(firstLink);

    await page.getByRole('button', { name: 'Révoquer l’invitation de Inès' }).click();
    await page.getByRole('dialog').getByText('Le lien envoyé à attente@demo.test cessera de fonctionner.').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Révoquer l’invitation' }).click();
    await state.getByText('Invitation révoquée').waitFor();
    expect(await page.getByRole('button', { name: 'Révoquer l’invitation de Inès' }).count()).toBe(0);

    // The invitee's link now says the invitation was withdrawn.
    await signOut(page);
    await page.goto(links[0]);
    await page.getByRole('textbox', { name: 'Mot de passe *', exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('textbox', { name: 'Confirmez le mot de passe *' }).fill(NEW_PASSWORD);
    await page.locator('[data-test="accept-invitation"]').click();
    await page.getByText('Cette invitation a été révoquée : demandez-en une nouvelle à votre administrateur.').waitFor();
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
