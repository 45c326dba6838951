import type { Page } from 'playwright-core';
import type { TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, choose, startAdminSession } from './support';

/**
 * A territorial admin sets the usagers' notifications on a screen (issue 17): channels per
 * event, the reminder, SMS rules and provider, and the texts, written with merge fields
 * and a live preview, tried by a test email before anyone else gets them.
 */
describe('admin UI: notifications settings', () => {
  let test: TestPlatform;
  let page: Page;
  const violations: string[] = [];
  const inForce = async () => (await test.sql(
    `SELECT version, document FROM territory_configs WHERE key = 'notifications' ORDER BY version DESC LIMIT 1`))[0];
  const preview = () => page.locator('[data-test="preview"]');

  let session: AdminSession;
  beforeAll(async () => {
    session = await startAdminSession('territoire@demo.test');
    ({ test, page } = session);
  }, 300_000);
  afterAll(() => session?.stop());

  it('chooses channels and the reminder, writes a confirmation with a merge field, tries it by email, and saves it', async () => {
    await page.goto(`${test.baseUrl}/admin/territory/notifications`);
    await page.getByRole('heading', { name: 'Notifications des usagers' }).waitFor();
    // The platform's default text, previewed on the sample rdv, until the territory writes its own.
    await preview().getByText(/^Objet : Rendez-vous confirmé le /).waitFor();

    await page.getByRole('checkbox', { name: 'Création du rendez-vous : envoyer par SMS' }).uncheck();
    await page.getByRole('spinbutton', { name: 'Heures avant le rendez-vous *' }).fill('24');

    await page.locator('[data-test="own-text"]').getByRole('checkbox').check();
    const subject = page.getByRole('textbox', { name: 'Objet' });
    expect(await subject.inputValue()).toBe('Rendez-vous confirmé le {{rdv.date_time}}');
    await subject.fill('Votre rendez-vous, ');
    await choose(page, 'Insérer un champ de fusion', "Prénom de l'usager — {{usager.first_name}}");
    expect(await subject.inputValue()).toBe('Votre rendez-vous, {{usager.first_name}}');
    await preview().getByText('Objet : Votre rendez-vous, Camille').waitFor();
    violations.push(...(await auditScreen(page, 'territory-notifications')));

    await page.locator('[data-test="send-test"]').click();
    await page.getByRole('status').filter({ hasText: 'E-mail de test envoyé à t*********@demo.test.' }).waitFor();
    const mailbox = (await test.call('get', '/dev/mailbox?format=json')).body.data as Array<{ to: { address: string }; subject: string }>;
    expect(mailbox.filter((mail) => mail.subject.startsWith('[Test]'))).toEqual([
      expect.objectContaining({ to: { address: 'territoire@demo.test' }, subject: '[Test] Votre rendez-vous, Camille' }),
    ]);

    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const { document } = await inForce();
    expect(document.events.rdv_created.channels).toEqual(['email']);
    expect(document.reminder).toEqual({ hours_before: 24, working_days_only: true });
    expect(document.templates.rdv_created.email.subject).toBe('Votre rendez-vous, {{usager.first_name}}');
  });

  it('counts an SMS\'s segments as it is written, and shows the server\'s refusal at the field', async () => {
    await page.locator('[data-test="edited-sms"]').click();
    await page.locator('[data-test="own-text"]').getByRole('checkbox').check();
    const text = page.getByRole('textbox', { name: /^Texte/ });
    await text.fill('RDV le {{rdv.date_time}}. ' + 'Pensez à apporter vos justificatifs. '.repeat(3));
    await preview().locator('[data-test="segments"]').getByText(/^[2-4] segment\(s\) ; au plus \d+ avec les champs les plus longs \(limite : 5\)\.$/).waitFor();
    await text.fill('RDV le {{rdv.date_time}}. ' + 'Pensez à apporter vos justificatifs. '.repeat(12));
    const before = await inForce();
    await page.locator('[data-test="save"]').click();
    await page.getByRole('alert').filter({ hasText: /segments/ }).first().waitFor();
    expect((await inForce()).version).toBe(before.version);
    violations.push(...(await auditScreen(page, 'territory-notifications-sms')));
  });

  it('keeps the SMS provider token write-only', async () => {
    // The refused SMS stays as a draft across a reload, until the admin lets it go.
    await page.reload();
    await page.getByText('Votre saisie non enregistrée a été restaurée.').waitFor();
    await page.getByRole('button', { name: 'Abandonner cette saisie' }).click();
    await choose(page, 'Fournisseur SMS', 'Fournisseur HTTP (JSON)');
    await page.getByRole('textbox', { name: /^URL d’envoi/ }).fill('https://sms.example.test/send');
    await page.locator('[data-test="provider-token"] input').fill('jeton-tres-secret');
    await page.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const { document } = await inForce();
    expect(document.sms.provider).toMatchObject({ kind: 'http', url: 'https://sms.example.test/send', token: { sealed: expect.any(String) } });
    expect(JSON.stringify(document)).not.toContain('jeton-tres-secret');
    // Shown again, the field is empty and says a token is kept.
    expect(await page.locator('[data-test="provider-token"] input').inputValue()).toBe('');
    await page.getByText(/Un jeton est enregistré/).waitFor();
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(violations).toEqual([]);
  });
});
