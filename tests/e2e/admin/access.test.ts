import type { Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { invitationLink, invitationLinks } from '../../integration/foundation/helpers';
import { auditScreen, Browser, choose, E2E_NOW, ensureUiBuilt, gzippedSize, openBrowser, signIn, signOut } from './support';

/** What each access level sees: the menus and buttons follow the agent's rights (seeds 000 and 003). */
describe('admin UI: sign-in, rights and session', () => {
  let test: TestPlatform;
  let browser: Browser;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  const violations: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt('admin-ui');
    test = await TestPlatform.start();
    ids = await demoIds(test);
    browser = await openBrowser();
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await test?.stop();
  });

  beforeEach(async () => {
    // Each test starts signed out, on a fresh tab state.
    await page.goto(`${test.baseUrl}/admin/sign-in`);
    await page.evaluate('sessionStorage.clear()');
  });

  const nav = () => page.getByRole('navigation', { name: 'Menu principal' });

  it('loads the first screen with at most 350 kB of gzipped JavaScript', async () => {
    const scripts: Promise<Buffer>[] = [];
    const listener = (response: import('playwright-core').Response) => {
      if (response.url().endsWith('.js')) scripts.push(response.body());
    };
    const fresh = await browser.context.newPage();
    fresh.on('response', listener);
    await fresh.goto(`${test.baseUrl}/admin/`);
    await fresh.getByRole('heading', { name: 'Connexion' }).waitFor();
    await fresh.waitForLoadState('networkidle');
    const size = gzippedSize(await Promise.all(scripts));
    console.log(`First screen (sign-in): ${scripts.length} JavaScript files, ${(size / 1024).toFixed(1)} kB gzipped`);
    expect(size).toBeLessThanOrEqual(350 * 1024);
    violations.push(...(await auditScreen(fresh, 'sign-in')));
    await fresh.close();
  });

  it('refuses a wrong password with a clear message and no session', async () => {
    await page.getByRole('textbox', { name: 'Adresse e-mail *' }).fill('agent.etatcivil@demo.test');
    await page.getByRole('textbox', { name: 'Mot de passe *' }).fill('not-the-password');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('alert').filter({ hasText: 'Adresse e-mail ou mot de passe incorrect.' }).waitFor();
    // An empty form is stopped in the browser, on the right fields.
    await page.getByRole('textbox', { name: 'Adresse e-mail *' }).fill('');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText('Ce champ est obligatoire.').first().waitFor();
    expect(await page.getByRole('textbox', { name: 'Adresse e-mail *' }).evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    violations.push(...(await auditScreen(page, 'sign-in-errors')));
  });

  it('shows a basic agent no configuration, and refuses its pages by URL', async () => {
    await signIn(page, test.baseUrl, 'agent.etatcivil@demo.test');
    await page.getByRole('heading', { name: 'Bonjour Anne' }).waitFor();
    await nav().getByRole('link', { name: 'Usagers' }).waitFor({ state: 'visible', timeout: 10_000 });
    expect(await nav().getByText('Configuration').count()).toBe(0);
    expect(await nav().getByText('Espace territoire').count()).toBe(0);
    expect(await page.getByRole('combobox', { name: 'Organisation' }).count()).toBe(0);
    await page.getByText('Niveau d’accès : Basique. Services : État civil, Titres d’identité (CNI, passeport).').waitFor({ state: 'visible', timeout: 10_000 });
    violations.push(...(await auditScreen(page, 'home-basic')));

    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs`);
    await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
    expect(await page.getByRole('button', { name: 'Nouveau motif' }).count()).toBe(0);
    await page.goto(`${test.baseUrl}/admin/territory/user-fields`);
    await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
    violations.push(...(await auditScreen(page, 'not-found')));
  });

  it('gives an organisation admin the Configuration menu of their organisation only', async () => {
    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    for (const item of ['Organisation', 'Motifs', 'Lieux', 'Agents']) {
      await nav().getByRole('link', { name: item, exact: true }).waitFor({ state: 'visible', timeout: 10_000 });
    }
    expect(await nav().getByText('Espace territoire').count()).toBe(0);
    await nav().getByRole('link', { name: 'Agents' }).click();
    await page.locator('[data-test="agent-admin.mairie@demo.test"]').waitFor();
    // No "remove" button on one's own line: the server would refuse it.
    expect(await page.locator('[data-test="remove-admin.mairie@demo.test"]').count()).toBe(0);
    expect(await page.locator('[data-test="remove-agent.etatcivil@demo.test"]').count()).toBe(1);
    // Agents not seen for 30 days are labelled inactive; Hugo never signed in, Marc just did.
    await page.locator('[data-test="agent-agent.urbanisme@demo.test"] [data-test="inactive"]').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('[data-test="agent-admin.mairie@demo.test"] [data-test="inactive"]').count()).toBe(0);
    violations.push(...(await auditScreen(page, 'agents')));
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.ccas}/motifs`);
    await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
  });

  it('gives a territorial admin the organisation switcher and the territory space', async () => {
    await signIn(page, test.baseUrl, 'territoire@demo.test');
    await nav().getByText('Espace territoire').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('[data-test="organisation-switcher"]').click();
    await page.getByRole('option', { name: 'CCAS de Val-Fleuri' }).click();
    await page.waitForURL(new RegExp(`/organisations/${ids.ccas}$`));
    await page.getByText('Vous travaillez dans : CCAS de Val-Fleuri.').waitFor();
    violations.push(...(await auditScreen(page, 'home-territorial-admin')));
    await nav().getByRole('link', { name: 'Organisations' }).click();
    await page.getByRole('heading', { name: 'Organisations du territoire' }).waitFor();
    violations.push(...(await auditScreen(page, 'territory-organisations')));
  });

  it('shows the server’s reason when it refuses to remove an agent', async () => {
    // Léa leaves the mairie: Marc is then its only admin, whom the server keeps.
    const marc = await test.signIn('admin.mairie@demo.test');
    expect((await test.call('delete', `/api/v1/agents/${ids.territorialAdmin}?organisation_id=${ids.mairie}`, { token: marc })).status).toBe(204);
    await signIn(page, test.baseUrl, 'territoire@demo.test');
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/agents`);
    await page.locator('[data-test="remove-admin.mairie@demo.test"]').click();
    await page.locator('[data-test="confirm"]').click();
    await page.getByRole('alert').filter({ hasText: 'une organisation garde au moins un administrateur' }).waitFor();
    violations.push(...(await auditScreen(page, 'agents-removal-refused')));
    expect(await test.sql(`SELECT 1 FROM agent_roles WHERE agent_id = $1 AND organisation_id = $2`, [ids.mairieAdmin, ids.mairie])).toHaveLength(1);
  });

  it('lists the rdvs to come of an agent being removed, each a link to its fiche, and removes nobody', async () => {
    // A fixed "now" on the platform's clock: Anne has a mariage file to prepare two weeks later.
    const inForce = test.clock.now();
    test.clock.set(E2E_NOW);
    try {
      const marc = await test.signIn('admin.mairie@demo.test');
      const id = async (table: string, name: string) => (await test.sql(`SELECT id FROM ${table} WHERE name = $1`, [name]))[0].id as string;
      const usager = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token: marc, body: { first_name: 'Jade', last_name: 'Collin' } });
      const rdv = await test.call('post', `/api/v1/organisations/${ids.mairie}/rdvs`, {
        token: marc,
        body: {
          motif_id: await id('motifs', 'Mariage — constitution du dossier'), lieu_id: await id('lieux', 'Hôtel de ville'),
          starts_at: '2026-12-02T10:00:00+01:00', agent_ids: [ids.basicEtatCivil], user_ids: [usager.body.id], force: true,
        },
      });
      expect(rdv.status).toBe(201);

      await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
      await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/agents`);
      await page.locator('[data-test="remove-agent.etatcivil@demo.test"]').click();
      await page.locator('[data-test="confirm"]').click();
      await page.getByRole('alert').filter({ hasText: 'a un rendez-vous à venir ici : confiez-le à un autre agent avant de le retirer' }).waitFor();
      const link = page.locator('[data-test="upcoming-rdvs"]').getByRole('link', { name: /Mariage — constitution du dossier$/ });
      expect(await link.innerText()).toMatch(/^2 déc\. 2026, /);
      violations.push(...(await auditScreen(page, 'agents-removal-upcoming-rdvs')));
      expect(await test.sql(`SELECT 1 FROM agent_roles WHERE agent_id = $1 AND organisation_id = $2`, [ids.basicEtatCivil, ids.mairie])).toHaveLength(1);

      await link.click();
      await page.waitForURL(new RegExp(`/admin/organisations/${ids.mairie}/rdvs/${rdv.body.id}$`));
    } finally {
      test.clock.set(inForce);
    }
  });

  it("lets a territorial admin see an agent's roles everywhere and grant territorial admin", async () => {
    await signIn(page, test.baseUrl, 'territoire@demo.test');
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/agents`);
    await page.getByRole('row').filter({ hasText: 'agent.urbanisme@demo.test' }).getByRole('button', { name: /^Modifier / }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-test="roles-everywhere"]').getByText('Mairie de Val-Fleuri — Basique').waitFor();
    await dialog.getByRole('checkbox', { name: 'Administrateur du territoire' }).check();
    violations.push(...(await auditScreen(page, 'agent-edit-territorial-admin')));
    await dialog.locator('[data-test="save"]').click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await test.sql(`SELECT territorial_admin FROM agents WHERE email = 'agent.urbanisme@demo.test'`))[0].territorial_admin).toBe(true);

    const territorial = await test.signIn('territoire@demo.test');
    const [hugo] = await test.sql(`SELECT id FROM agents WHERE email = 'agent.urbanisme@demo.test'`);
    expect((await test.call('patch', `/api/v1/agents/${hugo.id}`, { token: territorial, body: { territorial_admin: false } })).status).toBe(200);
  });

  it('lets a territorial admin invite an agent into several organisations at once, the link going to the agent only', async () => {
    await signIn(page, test.baseUrl, 'territoire@demo.test');
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/agents`);
    await page.locator('[data-test="invite-agent"]').click();
    await page.getByRole('textbox', { name: 'Adresse e-mail' }).fill('multi.site@demo.test');
    await page.getByRole('textbox', { name: 'Prénom' }).fill('Lou');
    await page.getByRole('checkbox', { name: 'État civil' }).check();
    await choose(page, 'Aussi dans ces organisations', 'CCAS de Val-Fleuri');
    await page.keyboard.press('Escape');
    await page.locator('[data-test="also-organisations"]').getByText('CCAS de Val-Fleuri').waitFor();
    violations.push(...(await auditScreen(page, 'agents-invite-several')));
    await page.locator('[data-test="save"]').click();
    await page.getByRole('status').filter({ hasText: 'Invitation envoyée à multi.site@demo.test' }).waitFor();
    expect(await page.getByText('/admin/invitations/').count()).toBe(0);
    const roles = await test.sql(`SELECT r.organisation_id FROM agent_roles r JOIN agents a ON a.id = r.agent_id WHERE a.email = 'multi.site@demo.test'`);
    expect(roles.map((role: { organisation_id: string }) => role.organisation_id).sort()).toEqual([ids.mairie, ids.ccas].sort());
    expect(await invitationLinks(test, 'multi.site@demo.test')).toHaveLength(1);
  });

  it('keeps what was typed through an expired session and comes back to it after sign-in', async () => {
    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    // The organisation answers late: what is typed meanwhile must not be put back by it.
    const record = `**/api/v1/organisations/${ids.mairie}`;
    let answer!: () => void;
    const late = new Promise<void>((resolve) => { answer = resolve; });
    await page.route(record, async (route) => {
      if (route.request().method() === 'GET') await late;
      await route.continue();
    });
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/settings`);
    const hours = page.getByRole('textbox', { name: 'Horaires d’ouverture' });
    await hours.fill('Lundi au samedi, 9h–12h');
    const answered = page.waitForResponse((response) => response.url().endsWith(`/organisations/${ids.mairie}`) && response.request().method() === 'GET');
    answer();
    await answered;
    await page.unroute(record);
    // The other fields show the record.
    await page.waitForFunction(() => (document.getElementById('field-name') as HTMLInputElement | null)?.value === 'Mairie de Val-Fleuri');
    expect(await hours.inputValue()).toBe('Lundi au samedi, 9h–12h');
    test.clock.advance(13 * 3600 * 1000); // past the 12-hour session
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.waitForURL(/\/admin\/sign-in\?redirect=/);
    await page.getByText('Votre session a expiré.').waitFor();
    violations.push(...(await auditScreen(page, 'sign-in-expired')));
    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    await page.waitForURL(new RegExp(`/organisations/${ids.mairie}/settings$`));
    await page.getByText('Votre saisie non enregistrée a été restaurée.').waitFor();
    expect(await hours.inputValue()).toBe('Lundi au samedi, 9h–12h');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const [mairie] = await test.sql(`SELECT opening_hours FROM organisations WHERE id = $1`, [ids.mairie]);
    expect(mairie.opening_hours).toBe('Lundi au samedi, 9h–12h');
    violations.push(...(await auditScreen(page, 'organisation-settings')));
  });

  it('after sign-out, the back button leads to sign-in, not to a broken screen', async () => {
    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/lieux`);
    await page.getByRole('heading', { name: 'Lieux' }).waitFor();
    await signOut(page);
    await page.getByText('Vous êtes déconnecté.').waitFor();
    await page.goBack();
    await page.waitForURL(/\/admin\/sign-in\?redirect=/);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Lieux' }).count()).toBe(0);
  });

  it('sends an invitation to the new agent, who chooses a password and is signed in', async () => {
    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/agents`);
    await page.locator('[data-test="invite-agent"]').click();
    await page.getByRole('textbox', { name: 'Adresse e-mail' }).fill('nouvelle.recrue@demo.test');
    await page.getByRole('textbox', { name: 'Prénom' }).fill('Nina');
    await page.getByRole('checkbox', { name: 'État civil' }).check();
    violations.push(...(await auditScreen(page, 'agents-invite')));
    await page.locator('[data-test="save"]').click();
    // The link goes to the new agent's inbox, not to the admin's screen.
    await page.getByRole('status').filter({ hasText: 'Invitation envoyée à nouvelle.recrue@demo.test' }).waitFor();
    expect(await page.getByText('/admin/invitations/').count()).toBe(0);
    const link = await invitationLink(test, 'nouvelle.recrue@demo.test');
    expect(link).toMatch(new RegExp(`^${test.baseUrl}/admin/invitations/`));
    await page.locator('[data-test="close"]').click();
    await signOut(page);

    await page.goto(link);
    await page.getByRole('heading', { name: 'Rejoindre l’espace' }).waitFor();
    await page.getByRole('textbox', { name: 'Mot de passe *', exact: true }).fill('un-mot-de-passe-solide');
    await page.getByRole('textbox', { name: 'Confirmez le mot de passe *' }).fill('un-mot-de-passe-different');
    await page.locator('[data-test="accept-invitation"]').click();
    await page.getByText('Les deux mots de passe sont différents.').waitFor();
    violations.push(...(await auditScreen(page, 'invitation')));
    await page.getByRole('textbox', { name: 'Confirmez le mot de passe *' }).fill('un-mot-de-passe-solide');
    await page.locator('[data-test="accept-invitation"]').click();
    await page.getByRole('heading', { name: 'Bonjour Nina' }).waitFor();
    await test.signIn('nouvelle.recrue@demo.test', 'un-mot-de-passe-solide');
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
