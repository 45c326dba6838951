import type { Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, bookRdv, startAdminSession } from './support';

/**
 * The fiche usager completed (seed 001, « Les fiches usagers »): its rdvs to come and past with
 * their status, its deletion, and merging two fiches of one usager side by side, choosing each
 * field's value (differences in orange, similarities in green).
 */
describe('admin UI: fiches usagers', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let token: string;
  const user: Record<string, string> = {};
  const violations: string[] = [];
  const create = async (organisationId: string, body: Record<string, unknown>, as = token) => {
    const answer = await test.call('post', `/api/v1/organisations/${organisationId}/users`, { token: as, body });
    if (answer.status !== 201) throw new Error(`usager: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.id as string;
  };
  const fiche = (id: string) => page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/users/${id}`);

  beforeAll(async () => {
    session = await startAdminSession('admin.mairie@demo.test');
    ({ test, page, ids } = session);
    token = await test.signIn('admin.mairie@demo.test');
    user.camille = await create(ids.mairie, { first_name: 'Camille', last_name: 'Martin', email: 'camille@example.fr', custom_fields: { nombre_enfants: 2 } });
    user.twin = await create(ids.mairie, { first_name: 'Camile', last_name: 'Martin', phone_number: '0612345678', custom_fields: { nombre_enfants: 2 } });
    user.leaving = await create(ids.mairie, { first_name: 'Lou', last_name: 'Départ' });
    user.ccas = await create(ids.ccas, { first_name: 'Noa', last_name: 'Solidaire' }, await test.signIn('travailleur.social@demo.test'));
    const cni = (await test.sql(`SELECT id FROM motifs WHERE name = $1`, ["Carte d'identité et passeport"]))[0].id;
    const hotel = (await test.sql(`SELECT id FROM lieux WHERE name = 'Hôtel de ville'`))[0].id;
    const book = (startsAt: string, userId: string) => bookRdv(test, token, ids.mairie, { motif_id: cni, lieu_id: hotel, starts_at: startsAt, agent_ids: [ids.basicEtatCivil], user_ids: [userId] });
    user.past = await book('2026-11-10T09:00:00+01:00', user.camille);
    expect((await test.call('patch', `/api/v1/rdvs/${user.past}`, { token, body: { status: 'seen' } })).status).toBe(200);
    user.upcoming = await book('2026-11-25T09:00:00+01:00', user.camille);
    user.twinRdv = await book('2026-11-26T10:00:00+01:00', user.twin);
  }, 300_000);
  afterAll(() => session?.stop());

  it('shows the usager’s rdvs to come and past, with their status, each opening its fiche', async () => {
    await fiche(user.camille);
    await page.getByRole('heading', { name: 'Fiche de Camille Martin' }).waitFor();
    await page.getByRole('heading', { name: 'À venir (1)' }).waitFor();
    await page.getByRole('heading', { name: 'Passés (1)' }).waitFor();
    const upcoming = page.locator(`[data-test="rdv-${user.upcoming}"]`);
    expect(await upcoming.innerText()).toMatch(/mer\. 25 nov\. 2026 à 09h00[\s\S]*Carte d'identité et passeport[\s\S]*À venir/);
    expect(await page.locator(`[data-test="rdv-${user.past}"]`).innerText()).toMatch(/mar\. 10 nov\. 2026 à 09h00[\s\S]*Vu/);
    violations.push(...(await auditScreen(page, 'user-fiche-rdvs')));
    await page.getByRole('link', { name: 'Voir tous ses rendez-vous dans la liste des RDV' }).click();
    await page.locator('[data-test="count"]').filter({ hasText: '2 rendez-vous.' }).waitFor();
    await page.getByRole('combobox', { name: 'Usager' }).filter({ hasText: /MARTIN Camille/ }).or(page.getByText('MARTIN Camille · camille@example.fr')).first().waitFor();
  });

  it('deletes a fiche from the organisation after a confirmation that says what it does', async () => {
    await fiche(user.leaving);
    await page.getByRole('heading', { name: 'Fiche de Lou Départ' }).waitFor();
    await page.getByRole('button', { name: 'Supprimer la fiche' }).click();
    const dialog = page.getByRole('dialog', { name: 'Supprimer la fiche de Lou Départ ?' });
    await dialog.getByText('La fiche est retirée de Mairie de Val-Fleuri.', { exact: false }).waitFor();
    violations.push(...(await auditScreen(page, 'user-delete')));
    await dialog.getByRole('button', { name: 'Supprimer la fiche' }).click();
    await page.getByRole('heading', { name: 'Usagers', level: 1 }).waitFor();
    await page.getByText('La fiche de Lou Départ a été supprimée.').waitFor();
    await page.getByRole('link', { name: 'MARTIN Camille' }).or(page.getByRole('link', { name: 'Martin Camille' })).first().waitFor();
    expect(await page.getByRole('link', { name: /Départ/ }).count()).toBe(0);
    const [gone] = await test.sql(`SELECT first_name, deleted_at FROM users WHERE id = $1`, [user.leaving]);
    expect(gone.first_name).toBe('Usager');
    expect(gone.deleted_at).not.toBeNull();
  });

  it('merges two fiches side by side, keeping the values chosen, the rdvs of both', async () => {
    await page.getByRole('link', { name: 'Usagers', exact: true }).click();
    await page.getByRole('link', { name: 'Fusionner deux usagers' }).click();
    await page.getByRole('heading', { name: 'Fusionner deux usagers', level: 1 }).waitFor();
    const pick = async (column: string, search: string, option: RegExp) => {
      const box = page.getByRole('combobox', { name: `Rechercher l’usager (${column})` });
      await box.click();
      await box.fill(search);
      await page.getByRole('option', { name: option }).click();
    };
    await pick('Fiche conservée', 'camille@', /camille@example\.fr/);
    await pick('Fiche en double', '0612', /0612345678/);
    const row = (name: string) => page.locator(`[data-test="field-${name}"]`);
    await row('first_name').getByText('Différent').waitFor();
    await row('last_name').getByText('Identique').waitFor();
    await row('custom_fields.nombre_enfants').getByText('Identique').waitFor();
    // By default, the kept fiche's value, or the other's where it has none.
    expect(await row('email').getByRole('radio', { name: /camille@example\.fr/ }).isChecked()).toBe(true);
    expect(await row('phone_number').getByRole('radio', { name: /0612345678/ }).isChecked()).toBe(true);
    violations.push(...(await auditScreen(page, 'users-merge')));
    // The agent keeps the double's spelling of the first name, from the keyboard.
    await row('first_name').getByRole('radio', { name: 'Garder « Camile » (Fiche en double)' }).check();
    await page.getByRole('button', { name: 'Fusionner les fiches' }).click();
    const dialog = page.getByRole('dialog', { name: 'Fusionner deux usagers' });
    await dialog.getByText('La fiche de Camile Martin sera effacée et ses rendez-vous rattachés à celle de Camille Martin.').waitFor();
    await dialog.getByRole('button', { name: 'Fusionner les fiches' }).click();

    await page.waitForURL(new RegExp(`/users/${user.camille}$`));
    await page.getByRole('heading', { name: 'Fiche de Camile Martin' }).waitFor();
    await page.getByRole('heading', { name: 'À venir (2)' }).waitFor();
    await page.locator(`[data-test="rdv-${user.twinRdv}"]`).waitFor();
    const [merged] = await test.sql(`SELECT first_name, email, phone_number FROM users WHERE id = $1`, [user.camille]);
    expect(merged).toEqual({ first_name: 'Camile', email: 'camille@example.fr', phone_number: '0612345678' });
    expect((await test.sql(`SELECT deleted_at FROM users WHERE id = $1`, [user.twin]))[0].deleted_at).not.toBeNull();
    expect(violations).toEqual([]);
  });

  it('says plainly that a fiche of an organisation the agent cannot see cannot be merged', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/users/merge?user_id=${user.camille}&other_user_id=${user.ccas}`);
    await page.getByRole('heading', { name: 'Fusionner deux usagers', level: 1 }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Cette fiche n’existe pas ou appartient à une organisation à laquelle vous n’avez pas accès' }).waitFor();
    expect(await page.getByRole('button', { name: 'Fusionner les fiches' }).count()).toBe(0);
    expect((await test.sql(`SELECT deleted_at FROM users WHERE id = $1`, [user.ccas]))[0].deleted_at).toBeNull();
  });
});
