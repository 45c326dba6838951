import type { Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, choose, startAdminSession } from './support';

/**
 * A territorial admin shapes the territory (seed 003): services, the usager fiche's custom
 * fields as agents then see them on the usager form, the RDV fiche, and the history of each.
 */
describe('admin UI: territory configuration and usagers', () => {
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  const violations: string[] = [];
  const config = async (key: string) => (await test.sql(
    `SELECT version, document FROM territory_configs WHERE key = $1 ORDER BY version DESC LIMIT 1`, [key]))[0];
  const preview = () => page.locator('[data-test="preview"]');

  let session: AdminSession;
  beforeAll(async () => {
    session = await startAdminSession('territoire@demo.test');
    ({ test, page, ids } = session);
  }, 300_000);
  afterAll(() => session?.stop());

  it('chooses how agents hear of an arrival in the salle d\'attente', async () => {
    await page.goto(`${test.baseUrl}/admin/territory/waiting-room`);
    await page.getByRole('heading', { name: 'Salle d’attente' }).waitFor();
    await page.getByRole('checkbox', { name: 'Notification par e-mail', checked: true }).uncheck();
    violations.push(...(await auditScreen(page, 'territory-waiting-room')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    expect((await config('waiting_room')).document).toEqual({ notification_modes: ['screen'] });
    // What agents read, the same document in force.
    const agent = await test.signIn('agent.etatcivil@demo.test');
    expect((await test.call('get', '/api/v1/waiting_room', { token: agent })).body).toMatchObject({ notification_modes: ['screen'] });
  });

  it('enables a service', async () => {
    await page.goto(`${test.baseUrl}/admin/territory/services`);
    await page.getByRole('checkbox', { name: 'Petite enfance' }).check();
    violations.push(...(await auditScreen(page, 'territory-services')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    expect((await config('services')).document.enabled).toContain('petite_enfance');
  });

  it('builds custom usager fields with a live preview, then agents fill them on the usager form', async () => {
    const before = await config('user_fields');
    const [first, second] = [before.document.fields.length, before.document.fields.length + 1];
    const existing = before.document.fields.map((f: { name: string }) => f.name);
    await page.goto(`${test.baseUrl}/admin/territory/user-fields`);
    await page.locator('[data-test="add-field"]').click();
    // A field without a label is refused before anything is sent.
    await page.locator('[data-test="save"]').click();
    await page.getByText('Ce champ est obligatoire.').first().waitFor();
    expect(await page.locator(`#field-fields-${first}-label`).evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);

    await page.locator(`#field-fields-${first}-label`).fill('Numéro de dossier');
    expect(await page.locator(`#field-fields-${first}-name`).inputValue()).toBe('numero_de_dossier');
    await page.getByRole('textbox', { name: 'Format (expression régulière)' }).fill('^[0-9]{7}$');
    await page.getByRole('checkbox', { name: 'Obligatoire' }).check();
    await preview().getByRole('textbox', { name: 'Numéro de dossier *' }).waitFor();

    await page.locator('[data-test="add-field"]').click();
    await page.locator(`#field-fields-${second}-label`).fill('Téléphone du référent');
    await choose(page, page.locator(`#field-fields-${second}-type`), 'Téléphone');
    await page.locator('[data-test="hide-birth_name"]').getByRole('checkbox').check();
    await preview().getByRole('textbox', { name: 'Téléphone du référent' }).waitFor();
    expect(await preview().getByRole('textbox', { name: 'Nom de naissance' }).count()).toBe(0);
    violations.push(...(await auditScreen(page, 'territory-user-fields')));

    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const saved = await config('user_fields');
    expect(saved.version).toBe(before.version + 1);
    expect(saved.document.fields.map((f: { name: string }) => f.name)).toEqual([...existing, 'numero_de_dossier', 'telephone_du_referent']);
    expect(saved.document.hidden_standard_fields).toEqual(['birth_name']);

    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/users/new`);
    const caf = page.getByRole('textbox', { name: 'Numéro de dossier *' });
    await caf.waitFor();
    expect(await page.getByRole('textbox', { name: 'Nom de naissance' }).count()).toBe(0);
    await page.getByRole('textbox', { name: 'Prénom *' }).fill('Camille');
    await page.getByRole('textbox', { name: 'Nom *', exact: true }).fill('Martin');
    await caf.fill('12AB');
    const posts: string[] = [];
    page.on('request', (request) => request.method() === 'POST' && posts.push(request.url()));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Le format n’est pas valide.').waitFor();
    expect(posts).toEqual([]);
    violations.push(...(await auditScreen(page, 'user-new-errors')));

    // The server's own check (a number of the right shape but no real French line) lands on its input.
    await caf.fill('1234567');
    const phone = page.getByRole('textbox', { name: 'Téléphone du référent' });
    await phone.fill('00 00 00 00 00');
    await page.locator('[data-test="save"]').click();
    await page.locator('#field-custom_fields-telephone_du_referent-messages').getByText('Ce numéro de téléphone n’est pas valide.').waitFor();
    expect(await test.sql(`SELECT 1 FROM users WHERE last_name = 'Martin'`)).toHaveLength(0);

    await phone.fill('06 12 34 56 78');
    await page.locator('[data-test="save"]').click();
    await page.getByRole('heading', { name: 'Fiche de Camille Martin' }).waitFor();
    await page.getByText('Modifications enregistrées.').waitFor();
    const [martin] = await test.sql(`SELECT custom_fields FROM users WHERE last_name = 'Martin'`);
    expect(martin.custom_fields).toEqual({ numero_de_dossier: '1234567', telephone_du_referent: '06 12 34 56 78' });
    violations.push(...(await auditScreen(page, 'user-edit')));

    await page.getByRole('link', { name: 'Retour aux usagers' }).click();
    await page.getByRole('textbox', { name: 'Rechercher un usager' }).fill('martin');
    await page.getByRole('link', { name: 'Martin Camille' }).waitFor();
    violations.push(...(await auditScreen(page, 'users')));
  });

  it('compares an earlier version with the one in force and restores it', async () => {
    const withPhone = await config('user_fields');
    await page.goto(`${test.baseUrl}/admin/territory/user-fields`);
    await page.getByRole('button', { name: 'Supprimer le champ « Téléphone du référent »' }).click();
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    expect((await config('user_fields')).version).toBe(withPhone.version + 1);
    expect(await preview().getByRole('textbox', { name: 'Téléphone du référent' }).count()).toBe(0);

    await page.locator(`[data-test="version-${withPhone.version}"]`).click();
    const diff = page.locator('[data-test="diff"]');
    await diff.getByText('telephone_du_referent').waitFor();
    expect(await diff.locator('.removed').filter({ hasText: 'telephone_du_referent' }).count()).toBeGreaterThan(0);
    violations.push(...(await auditScreen(page, 'territory-user-fields-history')));
    await page.locator('[data-test="restore"]').click();
    await preview().getByRole('textbox', { name: 'Téléphone du référent' }).waitFor();
    const restored = await config('user_fields');
    expect(restored.version).toBe(withPhone.version + 2);
    expect(restored.document).toEqual(withPhone.document);
  });

  it('switches the RDV fiche’s Contexte field off', async () => {
    await page.goto(`${test.baseUrl}/admin/territory/rdv-fields`);
    await preview().getByRole('textbox', { name: 'Contexte' }).waitFor();
    await page.getByLabel('Afficher le champ Contexte').uncheck();
    expect(await preview().getByRole('textbox', { name: 'Contexte' }).count()).toBe(0);
    violations.push(...(await auditScreen(page, 'territory-rdv-fields')));
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    expect((await config('rdv_fields')).document.context_enabled).toBe(false);
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
