import type { Page } from 'playwright-core';
import { emailedLinks } from '../../integration/foundation/helpers';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, startAdminSession } from './support';

/**
 * « Inviter à créer un compte » on the fiche usager (seed 001): the agent sends the usager
 * a link to open their account on the public portal; the button says why it is off when
 * the fiche has no email or the usager already has an account.
 */
describe('admin UI: inviting an usager to create their account', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let token: string;
  const violations: string[] = [];
  const create = async (body: Record<string, unknown>) => {
    const answer = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token, body });
    if (answer.status !== 201) throw new Error(`usager: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.id as string;
  };
  const fiche = async (id: string, name: string) => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/users/${id}`);
    await page.getByRole('heading', { name: `Fiche de ${name}` }).waitFor();
    await page.locator('[data-test="account-state"]').waitFor();
  };
  const button = () => page.getByRole('button', { name: 'Inviter à créer un compte' });

  beforeAll(async () => {
    session = await startAdminSession('admin.mairie@demo.test');
    ({ test, page, ids } = session);
    token = await test.signIn('admin.mairie@demo.test');
  }, 300_000);
  afterAll(() => session?.stop());

  it('sends the invitation to the fiche’s email, says so, then tells when the account exists', async () => {
    const id = await create({ first_name: 'Rose', last_name: 'Invitée', email: 'rose.invitee@example.fr' });
    await fiche(id, 'Rose Invitée');
    await page.getByText("L'usager n'a pas encore de compte en ligne : l'invitation lui sera envoyée à rose.invitee@example.fr").waitFor();
    expect(await button().isEnabled()).toBe(true);
    await button().click();
    await page.getByRole('status').filter({ hasText: 'Invitation à créer un compte envoyée à rose.invitee@example.fr.' }).waitFor();
    await page.getByText(/^Invitation envoyée le .*, valable jusqu’au /).waitFor();
    violations.push(...(await auditScreen(page, 'user-account-invitation')));
    const [link] = await emailedLinks(test, 'rose.invitee@example.fr', 'compte/invitation', 'public');
    expect(link).toMatch(/\/public\/compte\/invitation\/[A-Za-z0-9_-]{40,}$/);

    // Once the usager opened their account, the button is off and the fiche says why.
    const token = link.split('/').pop();
    expect((await test.call('post', `/api/public/account_invitations/${token}/accept`, { body: { password: 'le mot de passe de Rose' } })).status).toBe(201);
    await fiche(id, 'Rose Invitée');
    await page.getByText("L'usager a déjà un compte en ligne (rose.invitee@example.fr) : il s'y connecte avec son adresse e-mail.").waitFor();
    expect(await button().isDisabled()).toBe(true);
  });

  it('keeps the button off for a fiche without email, saying what to do, and turns it on once the email is saved', async () => {
    const id = await create({ first_name: 'Yann', last_name: 'Sansmail' });
    await fiche(id, 'Yann Sansmail');
    await page.getByText("Pour inviter l'usager à créer un compte, ajoutez d'abord son adresse e-mail à la fiche.").waitFor();
    expect(await button().isDisabled()).toBe(true);
    violations.push(...(await auditScreen(page, 'user-account-invitation-no-email')));

    await page.getByLabel('Adresse e-mail', { exact: false }).first().fill('yann@example.fr');
    await page.locator('[data-test="save"]').click();
    await page.getByText("L'usager n'a pas encore de compte en ligne : l'invitation lui sera envoyée à yann@example.fr").waitFor();
    expect(await button().isEnabled()).toBe(true);
    expect(violations).toEqual([]);
  });
});
