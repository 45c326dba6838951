import type { Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { DEMO_PASSWORD, TestPlatform } from '../../support/platform';
import { auditScreen, Browser, E2E_NOW, ensureUiBuilt, openBrowser, signIn, signOut } from './support';

const EMAIL = 'admin.mairie@demo.test';

/** The optional application code (issue 13): set up in « Mon compte », asked at sign-in, turned off. */
describe('admin UI: double authentification', () => {
  let test: TestPlatform;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt('admin-ui');
    test = await TestPlatform.start({ now: E2E_NOW });
    browser = await openBrowser({ now: E2E_NOW });
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await test?.stop();
  });

  const codeFor = (secret: string) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: test.clock.now().getTime() });
  const card = () => page.locator('[data-test="second-factor"]');

  async function openAccount(): Promise<void> {
    await page.getByRole('button', { name: /^Mon compte/ }).click();
    await page.locator('[data-test="my-account"]').click();
    await page.getByRole('heading', { name: 'Mon compte', level: 1 }).waitFor();
  }

  it('sets up the code with the QR code, shows the recovery codes, then asks for a code at sign-in', async () => {
    await signIn(page, test.baseUrl, EMAIL);
    await openAccount();
    await card().getByRole('button', { name: 'Activer la double authentification' }).click();
    await card().getByRole('img', { name: 'QR code à scanner avec votre application d’authentification' }).waitFor();
    const secret = await card().getByRole('textbox', { name: 'Clé à saisir dans l’application' }).inputValue();
    violations.push(...(await auditScreen(page, 'admin/second-factor-1-setup')));

    await card().getByRole('textbox', { name: 'Code affiché par l’application' }).fill(codeFor(secret) === '123456' ? '654321' : '123456');
    await card().getByRole('button', { name: 'Confirmer et activer' }).click();
    await card().getByRole('alert').filter({ hasText: 'Ce code est incorrect ou a déjà servi.' }).waitFor();
    await card().getByRole('textbox', { name: 'Code affiché par l’application' }).fill(codeFor(secret));
    await card().getByRole('button', { name: 'Confirmer et activer' }).click();
    await card().getByRole('status').filter({ hasText: 'Double authentification activée' }).waitFor();
    const recovery = (await card().locator('[data-test="recovery-codes"] li').allTextContents()).map((one) => one.trim());
    expect(recovery).toHaveLength(10);
    violations.push(...(await auditScreen(page, 'admin/second-factor-2-recovery-codes')));
    await card().getByRole('button', { name: 'J’ai noté mes codes de secours' }).click();
    await card().locator('[data-test="second-factor-status"]').filter({ hasText: 'Codes de secours restants : 10.' }).waitFor();

    await signOut(page);
    await page.getByRole('textbox', { name: 'Adresse e-mail *' }).fill(EMAIL);
    await page.getByRole('textbox', { name: 'Mot de passe *' }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    const code = page.getByRole('textbox', { name: 'Code de l’application' });
    await code.waitFor();
    violations.push(...(await auditScreen(page, 'admin/second-factor-3-sign-in-code')));
    // The code of the setup cannot be used again; the next one, or a recovery code, opens the session.
    await code.fill(codeFor(secret));
    await code.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Ce code est incorrect ou a déjà servi.' }).waitFor();
    test.clock.advance(30_000);
    await code.fill(codeFor(secret));
    await code.press('Enter');
    await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));

    await signOut(page);
    await page.getByRole('textbox', { name: 'Adresse e-mail *' }).fill(EMAIL);
    await page.getByRole('textbox', { name: 'Mot de passe *' }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await code.fill(recovery[0]);
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));

    await openAccount();
    await card().locator('[data-test="second-factor-status"]').filter({ hasText: 'Codes de secours restants : 9.' }).waitFor();
    test.clock.advance(30_000);
    const disable = card().locator('[data-test="disable-second-factor"]');
    await disable.getByRole('textbox', { name: 'Mot de passe' }).fill(DEMO_PASSWORD);
    await disable.getByRole('textbox', { name: 'Code de l’application ou code de secours' }).fill(codeFor(secret));
    await disable.getByRole('button', { name: 'Désactiver la double authentification' }).click();
    await card().getByRole('status').filter({ hasText: 'Double authentification désactivée.' }).waitFor();
    await card().getByRole('button', { name: 'Activer la double authentification' }).waitFor();
    expect(await test.sql(`SELECT totp_secret, totp_enabled_at FROM agents WHERE email = $1`, [EMAIL])).toEqual([{ totp_secret: null, totp_enabled_at: null }]);
    expect(violations).toEqual([]);
  });
});
