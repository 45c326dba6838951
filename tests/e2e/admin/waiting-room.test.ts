import type { Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, bookRdv, choose, startAdminSession } from './support';

/**
 * Salle d'attente (seed 003: the territory chooses how agents are told an usager is there):
 * today's rdvs of an agent or a lieu, arrivals marked and taken back, and the on-screen alert
 * the agent gets wherever they are in the app — only when the settings ask for it.
 */
describe('admin UI: salle d’attente', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let secretariat: string;
  let territorialAdmin: string;
  const rdv: Record<string, string> = {};
  const summary = () => page.locator('[data-test="summary"]');
  const alerts = () => page.locator('[data-test="arrival-alert"]');

  beforeAll(async () => {
    // Anne (État civil) is the agent at the screen; the reception (Secrétariat) marks arrivals too.
    session = await startAdminSession('agent.etatcivil@demo.test');
    ({ test, page, ids } = session);
    const admin = await test.signIn('admin.mairie@demo.test');
    secretariat = await test.signIn('secretariat@demo.test');
    territorialAdmin = await test.signIn('territoire@demo.test');
    const id = async (table: string, name: string) => (await test.sql(`SELECT id FROM ${table} WHERE name = $1`, [name]))[0].id as string;
    const usager = async (first_name: string, last_name: string) =>
      (await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token: admin, body: { first_name, last_name } })).body.id as string;
    const cni = await id('motifs', "Carte d'identité et passeport");
    const hotel = await id('lieux', 'Hôtel de ville');
    const book = (startsAt: string, agentId: string, userId: string) =>
      bookRdv(test, admin, ids.mairie, { motif_id: cni, lieu_id: hotel, starts_at: `2026-11-18T${startsAt}:00+01:00`, agent_ids: [agentId], user_ids: [userId] });
    // "Now" is Wednesday 18 November 2026, 10:00 in Paris.
    rdv.camille = await book('10:30', ids.basicEtatCivil, await usager('Camille', 'Martin'));
    rdv.dominique = await book('11:00', ids.basicEtatCivil, await usager('Dominique', 'Lefèvre'));
    rdv.sacha = await book('11:00', ids.mairieAdmin, await usager('Sacha', 'Petit'));
    await book('10:30', ids.basicEtatCivil, await usager('Demain', 'Autrejour')).then((other) =>
      test.sql(`UPDATE rdvs SET starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day' WHERE id = $1`, [other]));
  }, 300_000);
  afterAll(() => session?.stop());

  it('shows the agent’s rdvs of today, marks an arrival and takes it back, then a lieu’s day', async () => {
    await page.getByRole('link', { name: 'Salle d’attente' }).click();
    await page.getByRole('heading', { name: 'Salle d’attente', level: 1 }).waitFor();
    await page.getByText('Les rendez-vous du mercredi 18 novembre 2026.', { exact: false }).waitFor();
    await summary().filter({ hasText: '2 rendez-vous aujourd’hui, aucun usager en salle d’attente.' }).waitFor();
    const violations = await auditScreen(page, 'waiting-room');

    await page.getByRole('button', { name: 'Marquer l’arrivée de Camille Martin (rendez-vous de 10h30)' }).click();
    await summary().filter({ hasText: '2 rendez-vous aujourd’hui, un usager en salle d’attente.' }).waitFor();
    await page.locator(`[data-test="rdv-${rdv.camille}"]`).getByText('Arrivé à 10h00').waitFor();
    await page.locator(`[data-test="rdv-${rdv.camille}"]`).getByText('En salle d’attente').waitFor();
    const [stored] = await test.sql(`SELECT arrived_at FROM rdvs WHERE id = $1`, [rdv.camille]);
    expect(stored.arrived_at).not.toBeNull();
    // Anne marked it herself: no alert tells her what she just did.
    await page.clock.fastForward('00:31');
    await page.waitForLoadState('networkidle');
    expect(await alerts().count()).toBe(0);

    await page.getByRole('button', { name: 'Annuler l’arrivée de Camille Martin' }).click();
    await summary().filter({ hasText: 'aucun usager en salle d’attente' }).waitFor();
    expect((await test.sql(`SELECT arrived_at FROM rdvs WHERE id = $1`, [rdv.camille]))[0].arrived_at).toBeNull();

    await page.getByRole('radio', { name: 'Un lieu' }).check();
    await choose(page, 'Lieu', 'Hôtel de ville');
    await summary().filter({ hasText: '3 rendez-vous aujourd’hui' }).waitFor();
    await page.locator(`[data-test="rdv-${rdv.sacha}"]`).getByText('Marc Admin').waitFor();
    violations.push(...(await auditScreen(page, 'waiting-room-lieu')));
    expect(violations).toEqual([]);
  });

  it('alerts the agent on screen when the reception marks their usager arrived, on any page', async () => {
    await page.getByRole('link', { name: 'Usagers' }).click();
    await page.getByRole('heading', { name: 'Usagers', level: 1 }).waitFor();
    const marked = await test.call('post', `/api/v1/rdvs/${rdv.dominique}/arrival`, { token: secretariat });
    expect(marked.status).toBe(200);
    // Another agent's usager is no alert for Anne.
    expect((await test.call('post', `/api/v1/rdvs/${rdv.sacha}/arrival`, { token: secretariat })).status).toBe(200);
    await page.clock.fastForward('00:31');
    const alert = alerts().filter({ hasText: 'Dominique Lefèvre est arrivé(e) pour son rendez-vous de 11h00.' });
    await alert.waitFor();
    expect(await alerts().count()).toBe(1);
    expect(await auditScreen(page, 'waiting-room-alert')).toEqual([]);
    await alert.getByRole('button', { name: 'Fermer' }).click();
    await alerts().first().waitFor({ state: 'detached' });
    // Told once: the next look says nothing more.
    await page.clock.fastForward('00:31');
    await page.waitForLoadState('networkidle');
    expect(await alerts().count()).toBe(0);
  });

  it('shows no alert when the territory’s settings ask for email only', async () => {
    const set = await test.call('put', '/api/v1/territories/current/config/waiting_room', { token: territorialAdmin, body: { notification_modes: ['email'] } });
    expect(set.status).toBe(200);
    await page.reload();
    await page.getByRole('heading', { name: 'Usagers', level: 1 }).waitFor();
    expect((await test.call('post', `/api/v1/rdvs/${rdv.camille}/arrival`, { token: secretariat })).status).toBe(200);
    await page.clock.fastForward('00:31');
    await page.waitForLoadState('networkidle');
    expect(await alerts().count()).toBe(0);
    // The waiting room itself still shows who is there.
    await page.getByRole('link', { name: 'Salle d’attente' }).click();
    await summary().filter({ hasText: '2 rendez-vous aujourd’hui, 2 usagers en salle d’attente.' }).waitFor();
  });
});
