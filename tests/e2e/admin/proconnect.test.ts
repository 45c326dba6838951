import type { Page } from 'playwright-core';
import { emailedLinks, invitationLink } from '../../integration/foundation/helpers';
import { waitFor } from '../../support/events';
import { startWithOidcProvider, TestOidcProvider } from '../../support/oidc-provider';
import { DEMO_PASSWORD, type TestPlatform } from '../../support/platform';
import { auditScreen, Browser, E2E_NOW, ensureUiBuilt, openBrowser, signIn, signOut } from './support';

const EMAIL = 'admin.mairie@demo.test';

/** « Se connecter avec ProConnect » (issue 19), against a real OpenID Connect provider on loopback. */
describe('admin UI: connexion avec ProConnect', () => {
  let provider: TestOidcProvider;
  let test: TestPlatform;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt('admin-ui');
    ({ test, provider } = await startWithOidcProvider('proconnect', { now: E2E_NOW }));
    browser = await openBrowser({ now: E2E_NOW });
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await test?.stop();
    await provider?.stop();
  });

  const proConnectButton = () => page.getByRole('button', { name: 'Se connecter avec ProConnect' });

  it('signs the agent in through ProConnect, and signing out ends the ProConnect session too', async () => {
    await page.goto(`${test.baseUrl}/admin/sign-in`);
    await proConnectButton().waitFor();
    violations.push(...(await auditScreen(page, 'admin/proconnect-1-sign-in')));

    provider.signInAs({ email: EMAIL, given_name: 'Camille', usual_name: 'Martin' });
    await proConnectButton().click();
    await page.waitForURL((url) => url.pathname.includes('/admin/organisations/'));
    await page.getByRole('button', { name: /^Mon compte/ }).waitFor();

    await page.getByRole('button', { name: /^Mon compte/ }).click();
    await page.locator('[data-test="sign-out"]').click();
    // ProConnect's own page asks to confirm, then sends the agent back to the sign-in page.
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${test.baseUrl}/admin/sign-in**`);
    await proConnectButton().waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('lapin.token'))).toBeNull();
  });

  it("says, as the reference does, that there is no agent account for ProConnect's email", async () => {
    provider.signInAs({ email: 'inconnu@ministere.gouv.fr', given_name: 'Inconnu', usual_name: 'Agent' });
    await proConnectButton().click();
    await page.getByRole('alert').filter({
      hasText: 'Il n’y a pas de compte agent pour l’adresse mail inconnu@ministere.gouv.fr. Vous devez utiliser ProConnect avec l’adresse mail à laquelle vous avez reçu votre invitation.',
    }).waitFor();
    violations.push(...(await auditScreen(page, 'admin/proconnect-2-unknown-agent')));
    await page.getByRole('link', { name: 'Retour à la connexion' }).click();
    await proConnectButton().waitFor();
  });

  it('says when ProConnect does not answer, and the password still signs in', async () => {
    provider.failWith(503);
    try {
      await proConnectButton().click();
      await page.getByRole('alert').filter({ hasText: 'ProConnect ne répond pas pour le moment.' }).waitFor();
      violations.push(...(await auditScreen(page, 'admin/proconnect-3-unavailable')));
      await signIn(page, test.baseUrl, EMAIL);
      await signOut(page);
    } finally {
      provider.failWith(null);
    }
  });

  it('lets a territorial admin require ProConnect: passwords are then refused with a clear message', async () => {
    await signIn(page, test.baseUrl, 'territoire@demo.test');
    await page.goto(`${test.baseUrl}/admin/territory/organisations`);
    const card = page.locator('[data-test="proconnect-card"]');
    await card.getByRole('checkbox', { name: 'Exiger ProConnect pour les agents du territoire' }).check();
    await card.getByRole('status').filter({ hasText: 'Les agents du territoire se connectent désormais avec ProConnect.' }).waitFor();
    violations.push(...(await auditScreen(page, 'admin/proconnect-4-required')));
    await signOut(page);
    try {
      await page.getByRole('textbox', { name: 'Adresse e-mail *' }).fill(EMAIL);
      await page.getByRole('textbox', { name: 'Mot de passe *' }).fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'Votre territoire demande à ses agents de se connecter avec ProConnect.' }).waitFor();
      // ProConnect still holds the session of the unknown agent above (its cookie): a new sign-in there.
      await browser.context.clearCookies();
      provider.signInAs({ email: EMAIL, given_name: 'Camille', usual_name: 'Martin' });
      await proConnectButton().click();
      await page.waitForURL((url) => url.pathname.includes('/admin/organisations/'));
    } finally {
      const token = await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'territoire@demo.test', password: DEMO_PASSWORD } });
      expect(token.status).toBe(403);
      await test.sql(`UPDATE territories SET proconnect_required = false`);
    }
  });

  it('says, on a reset link or an invitation, that the territory takes no password but ProConnect', async () => {
    const territorial = await test.signIn('territoire@demo.test');
    const [mairie] = await test.sql(`SELECT id FROM organisations WHERE slug = 'mairie-val-fleuri'`);
    await test.call('post', `/api/v1/organisations/${mairie.id}/agents`, {
      token: territorial, body: { email: 'recrue.proconnect@demo.test', access_level: 'basic', service_ids: ['etat_civil'] },
    });
    const invitation = await invitationLink(test, 'recrue.proconnect@demo.test');
    await test.call('post', '/api/v1/auth/password_resets', { body: { email: EMAIL } });
    await waitFor('the reset link emailed', async () => (await emailedLinks(test, EMAIL, 'reset-password')).length > 0);
    const [resetLink] = await emailedLinks(test, EMAIL, 'reset-password');
    await test.sql(`UPDATE territories SET proconnect_required = true`);
    try {
      await page.goto(resetLink);
      await page.getByRole('alert').filter({ hasText: 'Votre territoire demande à ses agents de se connecter avec ProConnect.' }).waitFor();
      violations.push(...(await auditScreen(page, 'admin/proconnect-5-reset-link')));

      await page.goto(invitation);
      await page.getByRole('textbox', { name: 'Mot de passe *', exact: true }).fill('un-mot-de-passe-solide');
      await page.getByRole('textbox', { name: 'Confirmez le mot de passe *' }).fill('un-mot-de-passe-solide');
      await page.locator('[data-test="accept-invitation"]').click();
      await page.getByRole('alert').filter({ hasText: 'connectez-vous avec ProConnect pour accepter votre invitation.' }).waitFor();
      violations.push(...(await auditScreen(page, 'admin/proconnect-6-invitation')));
      await page.getByRole('link', { name: 'Retour à la connexion' }).click();
      await proConnectButton().waitFor();
    } finally {
      await test.sql(`UPDATE territories SET proconnect_required = false`);
    }
  });

  it('has no serious accessibility violation', () => {
    expect(violations).toEqual([]);
  });
});
