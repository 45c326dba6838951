import type { Page } from 'playwright-core';
import { startWithOidcProvider, TestOidcProvider } from '../../support/oidc-provider';
import type { TestPlatform } from '../../support/platform';
import { auditScreen, Browser, ensureUiBuilt, openBrowser, signIn } from '../admin/support';
import { chooseFirstSlot, openPlages, openSlots, shows } from './support';

const LEA = { sub: 'fc-sub-lea', email: 'lea.durand@example.fr', given_name: 'Léa Marie', family_name: 'Durand', birthdate: '1990-04-12' };

/**
 * « S'identifier avec FranceConnect » in the public portal (issue 19), against a real
 * OpenID Connect provider on loopback: identified while booking, the usager books without
 * a code with their identity filled in, then finds the rdv and their details (those
 * FranceConnect certified read-only) in their espace, and signs out of FranceConnect too.
 */
describe('public portal: FranceConnect and the espace usager', () => {
  let provider: TestOidcProvider;
  let test: TestPlatform;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt('public-ui');
    ensureUiBuilt('admin-ui');
    ({ test, provider } = await startWithOidcProvider('franceconnect'));
    await openPlages(test);
    browser = await openBrowser();
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await test?.stop();
    await provider?.stop();
  });

  const fields = () => page.locator('[data-test="user-fields"]');

  it('identifies the usager while booking: the identity is filled in and the rdv confirmed without a code', async () => {
    await openSlots(page, test.baseUrl);
    await chooseFirstSlot(page);
    const button = page.getByRole('button', { name: 'S’identifier avec FranceConnect' });
    await button.waitFor();
    violations.push(...(await auditScreen(page, 'public/franceconnect-1-identity')));

    provider.signInAs(LEA);
    await button.click();
    await page.locator('[data-test="signed-in-booking"]').waitFor();
    expect(await fields().getByLabel('Prénom *').inputValue()).toBe('Léa Marie');
    expect(await fields().getByLabel('Nom *', { exact: true }).inputValue()).toBe('Durand');
    expect(await fields().getByLabel('Adresse e-mail').inputValue()).toBe(LEA.email);
    violations.push(...(await auditScreen(page, 'public/franceconnect-2-signed-in')));
    await page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click();
    await page.getByRole('heading', { level: 1, name: 'Rendez-vous confirmé' }).waitFor();
    expect(await test.sql(`SELECT 1 FROM rdv_holds WHERE lower(confirmation_email) = $1`, [LEA.email])).toEqual([]);
  });

  it('shows the rdv (cancelled from there) and the details in the espace, FranceConnect’s read-only, and signs out of FranceConnect too', async () => {
    await page.goto(`${test.baseUrl}/public/espace`);
    await page.getByRole('heading', { level: 2, name: 'Mes coordonnées' }).waitFor();
    const firstName = page.getByRole('textbox', { name: 'Prénom' });
    expect(await firstName.inputValue()).toBe('Léa Marie');
    expect(await firstName.getAttribute('readonly')).not.toBeNull();
    await shows(page.locator('[data-test="espace-details"]'), 'Certifié par FranceConnect : ne peut pas être modifié.');
    await shows(page.locator('[data-test="espace-rdvs"] li'), /Carte d'identité et passeport — Mairie de Val-Fleuri/);
    violations.push(...(await auditScreen(page, 'public/franceconnect-3-espace')));

    await page.getByRole('button', { name: /^Annuler le rendez-vous : Carte d'identité et passeport/ }).click();
    await page.getByRole('status').filter({ hasText: 'Votre rendez-vous est annulé.' }).waitFor();
    await shows(page.locator('[data-test="espace-rdvs"] li'), 'Ce rendez-vous a été annulé à votre demande.');
    expect(await test.sql(`SELECT r.status FROM rdvs r JOIN participations p ON p.rdv_id = r.id JOIN users u ON u.id = p.user_id WHERE u.email = $1`, [LEA.email]))
      .toEqual([{ status: 'excused' }]);

    await page.getByRole('textbox', { name: 'Téléphone' }).fill('06 12 34 56 78');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('status').filter({ hasText: 'Vos coordonnées sont enregistrées.' }).waitFor();
    const [account] = await test.sql(`SELECT phone_number, first_name FROM usager_accounts WHERE email = $1`, [LEA.email]);
    expect(account).toEqual({ phone_number: '06 12 34 56 78', first_name: 'Léa Marie' });

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${test.baseUrl}/public/espace**`);
    await page.getByRole('heading', { level: 2, name: 'Se connecter' }).waitFor();
  });

  it("shows agents the fiche's certified identity read-only", async () => {
    const [fiche] = await test.sql(`SELECT u.id, p.organisation_id FROM users u JOIN user_profiles p ON p.user_id = u.id WHERE u.email = $1`, [LEA.email]);
    const agentPage = await browser.context.newPage();
    await signIn(agentPage, test.baseUrl, 'admin.mairie@demo.test');
    await agentPage.goto(`${test.baseUrl}/admin/organisations/${fiche.organisation_id}/users/${fiche.id}`);
    await agentPage.getByRole('heading', { name: 'Fiche de Léa Marie Durand' }).waitFor();
    const firstName = agentPage.getByRole('textbox', { name: /^Prénom/ });
    expect(await firstName.inputValue()).toBe('Léa Marie');
    expect(await firstName.getAttribute('readonly')).not.toBeNull();
    expect(await agentPage.getByRole('textbox', { name: /^Nom d’usage|^Nom \*/ }).first().getAttribute('readonly')).toBeNull();
    await shows(agentPage.locator('form'), 'Certifié par FranceConnect : ne peut pas être modifié.');
    violations.push(...(await auditScreen(agentPage, 'admin/franceconnect-fiche')));
    await agentPage.close();
  });

  it('signs in from the espace with FranceConnect and closes the account there', async () => {
    await page.goto(`${test.baseUrl}/public/espace`);
    provider.signInAs(LEA);
    await page.getByRole('button', { name: 'S’identifier avec FranceConnect' }).click();
    await page.getByRole('heading', { level: 2, name: 'Mes coordonnées' }).waitFor();
    await page.getByRole('button', { name: 'Supprimer mon compte' }).click();
    await shows(page.locator('[data-test="espace-delete"]'), 'Votre compte sera supprimé');
    violations.push(...(await auditScreen(page, 'public/franceconnect-4-delete')));
    await page.getByRole('button', { name: 'Confirmer la suppression' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { level: 2, name: 'Se connecter' }).waitFor();
    expect(await test.sql(`SELECT 1 FROM usager_accounts WHERE email = $1`, [LEA.email])).toEqual([]);
  });

  it('has no serious accessibility violation', () => {
    expect(violations).toEqual([]);
  });
});
