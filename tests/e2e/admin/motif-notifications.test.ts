import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { RunningPipeline, startPipeline, waitFor } from '../../integration/notifications/pipeline';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, choose, E2E_NOW, firstPlainWeek, startAdminSession } from './support';

const ZONE = 'Europe/Paris';

/**
 * A motif's own notifications (issue 17), from its « Instructions et notifications » tab:
 * the territorial admin writes the confirmation of this motif's rdvs and its channels,
 * saved in the territory's versioned document; the next rdv of that motif gets that email,
 * another motif's rdv still the territory's.
 */
describe('admin UI: notifications of a motif', () => {
  let session: AdminSession;
  let test: TestPlatform;
  let page: Page;
  let pipeline: RunningPipeline;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let cni: string;
  const violations: string[] = [];
  const monday = firstPlainWeek(DateTime.fromJSDate(E2E_NOW, { zone: ZONE }).plus({ weeks: 3 }));
  const at = (time: string) => DateTime.fromISO(`${monday.toISODate()}T${time}`, { zone: ZONE }).toISO({ suppressMilliseconds: true })!;
  const id = async (table: string, name: string) => (await test.sql(`SELECT id FROM ${table} WHERE name = $1`, [name]))[0].id as string;

  beforeAll(async () => {
    session = await startAdminSession('territoire@demo.test');
    ({ test, page, ids } = session);
    pipeline = await startPipeline(test);
    cni = await id('motifs', "Carte d'identité et passeport");
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await session?.stop();
  });

  it("writes the motif's own confirmation and channels in its tab, saved as a new version of the territory's document", async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}/motifs/${cni}`);
    await page.getByRole('heading', { name: /Carte d'identité et passeport/ }).waitFor();
    await page.locator('[data-test="tab-instructions"]').click();
    const section = page.locator('[data-test="motif-notifications"]');
    await section.getByRole('heading', { name: 'Notifications de ce motif' }).waitFor();
    const preview = section.locator('[data-test="preview"]');
    // Until the motif has its own, the territory's text (here the platform's default) is previewed for this motif.
    await preview.getByText(/^Objet : Rendez-vous confirmé le /).waitFor();
    await section.getByText('Texte par défaut de la plateforme').waitFor();

    await choose(page, section.getByRole('combobox', { name: 'Création du rendez-vous' }), 'E-mail');
    await section.locator('[data-test="own-text"]').getByRole('checkbox').check();
    await section.getByText('Texte propre à ce motif').waitFor();
    const subject = section.getByRole('textbox', { name: 'Objet' });
    expect(await subject.inputValue()).toBe('Rendez-vous confirmé le {{rdv.date_time}}');
    await subject.fill('Titres : ');
    await choose(page, section.getByRole('combobox', { name: 'Insérer un champ de fusion' }), "Prénom de l'usager — {{usager.first_name}}");
    expect(await subject.inputValue()).toBe('Titres : {{usager.first_name}}');
    await subject.press('End');
    await subject.pressSequentially(', apportez vos pièces');
    await preview.getByText('Objet : Titres : Camille, apportez vos pièces').waitFor();
    violations.push(...(await auditScreen(page, 'motif-notifications')));

    const territorial = await test.signIn('territoire@demo.test');
    const before = (await test.call('get', '/api/v1/territories/current/config/notifications', { token: territorial })).body;
    await section.locator('[data-test="save"]').click();
    await section.getByText('Modifications enregistrées.').waitFor();
    const inForce = (await test.call('get', '/api/v1/territories/current/config/notifications', { token: territorial })).body;
    expect(inForce.version).toBe(before.version + 1);
    expect(inForce.document.motif_overrides).toEqual({
      [cni]: {
        events: { rdv_created: { channels: ['email'] } },
        templates: { rdv_created: { email: expect.objectContaining({ subject: 'Titres : {{usager.first_name}}, apportez vos pièces' }) } },
      },
    });
    // The territory's own settings are untouched.
    expect(inForce.document.templates).toEqual(before.document.templates);
    expect(inForce.document.events).toEqual(before.document.events);
    expect(inForce.document.events.rdv_created.channels).toEqual(['email', 'sms']);
  });

  it("sends the motif's text with the next rdv of that motif, and the territory's with another motif's", async () => {
    const admin = await test.signIn('admin.mairie@demo.test');
    const hotelDeVille = await id('lieux', 'Hôtel de ville');
    const usager = async (first_name: string, email: string) => {
      const created = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token: admin, body: { first_name, last_name: 'Renard', email, phone_number: '0612345678' } });
      expect(created.status).toBe(201);
      return created.body.id as string;
    };
    const book = async (motif: string, time: string, user: string) => {
      const rdv = await test.call('post', `/api/v1/organisations/${ids.mairie}/rdvs`, {
        token: admin, body: { motif_id: motif, lieu_id: hotelDeVille, starts_at: at(time), agent_ids: [ids.basicEtatCivil], user_ids: [user], force: true },
      });
      expect(rdv.status).toBe(201);
      return rdv.body.id as string;
    };
    const cniRdv = await book(cni, '09:00', await usager('Léa', 'lea.renard@example.fr'));
    const otherRdv = await book(await id('motifs', 'Mariage — constitution du dossier'), '11:00', await usager('Noé', 'noe.renard@example.fr'));

    const mails = await waitFor(async () => {
      const mailbox = (await test.call('get', '/dev/mailbox?format=json')).body.data as Array<{ to: { address: string }; subject: string }>;
      const lea = mailbox.find((mail) => mail.to.address === 'lea.renard@example.fr');
      const noe = mailbox.find((mail) => mail.to.address === 'noe.renard@example.fr');
      return lea && noe && { lea, noe };
    }, 20_000, 'both confirmations');
    expect(mails.lea.subject).toBe('Titres : Léa, apportez vos pièces');
    expect(mails.noe.subject).toMatch(/^Rendez-vous confirmé le /);
    // Email only for the motif (the territory also sends an SMS): no SMS receipt for its rdv.
    const usagerReceipts = (rdv: string) => test.sql(`SELECT channel FROM notification_receipts WHERE rdv_id = $1 AND recipient_type = 'user' ORDER BY channel`, [rdv]);
    await waitFor(async () => (await usagerReceipts(otherRdv)).length === 2, 20_000, "the other motif's email and SMS");
    expect(await usagerReceipts(cniRdv)).toEqual([{ channel: 'email' }]);
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
