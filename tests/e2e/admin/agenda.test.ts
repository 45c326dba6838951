import { DateTime } from 'luxon';
import type { Locator, Page } from 'playwright-core';
import { demoIds, TestPlatform } from '../../support/platform';
import { AdminSession, auditScreen, choose, E2E_NOW, firstPlainWeek, signIn, signOut, startAdminSession } from './support';

/**
 * The agenda screen (seeds on plages d'ouverture and absences): an agent opens a weekly plage,
 * books an rdv and creates a collectif session at a chosen time, skips one day, gives another
 * its own hours, records an absence; an admin changes another agent's plage; bad input is
 * shown on its field with nothing written; a basic agent has no agent picker.
 */
describe('admin UI: agenda', () => {
  let test: TestPlatform;
  let page: Page;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let session: AdminSession;
  const violations: string[] = [];
  // A week after the platform's "now" (every day shown is to come) with no public holiday:
  // each weekday shows its plages.
  const monday = firstPlainWeek(DateTime.fromJSDate(E2E_NOW, { zone: 'Europe/Paris' }).plus({ weeks: 1 }));
  const day = (offset: number) => monday.plus({ days: offset }).toISODate()!;
  const agendaUrl = (query = `date=${day(0)}`) => `${test.baseUrl}/admin/organisations/${ids.mairie}/agenda?${query}`;
  /** The calendar's column of one day. */
  const column = (date: string) => page.locator(`td.fc-timegrid-col[data-date="${date}"]`);
  const plagesOf = (date: string) => column(date).locator('.fc-event.agenda-plage');
  const plages = () => test.sql(`SELECT * FROM plages_ouverture WHERE agent_id = $1`, [ids.basicEtatCivil]);

  beforeAll(async () => {
    session = await startAdminSession('agent.etatcivil@demo.test');
    ({ test, page, ids } = session);
  }, 300_000);
  afterAll(() => session?.stop());

  async function fill(dialog: Locator, testId: string, value: string): Promise<void> {
    await dialog.locator(`[data-test="${testId}"] input`).fill(value);
  }

  it('shows a basic agent their own week, from the menu, with no agent picker', async () => {
    await page.goto(`${test.baseUrl}/admin/organisations/${ids.mairie}`);
    await page.getByRole('link', { name: 'Agenda' }).click();
    await page.locator('[data-test="calendar"] .fc-timegrid').waitFor();
    await page.locator('[data-test="new-plage"]').waitFor();
    expect(await page.locator('[data-test="agent-picker"]').count()).toBe(0);
    violations.push(...(await auditScreen(page, 'agenda-week')));
  });

  it('creates a weekly plage on chosen days and shows it labelled with its lieu', async () => {
    await page.goto(agendaUrl());
    await page.locator('[data-test="new-plage"]').click();
    const dialog = page.getByRole('dialog');
    await fill(dialog, 'title', 'Permanence titres');
    await choose(page, 'Lieu *', 'Hôtel de ville');
    await choose(page, 'Motifs *', "Carte d'identité et passeport");
    await dialog.locator('[data-test="title"] input').click();
    await fill(dialog, 'first-day', day(0));
    await fill(dialog, 'start-time', '09:00');
    await fill(dialog, 'end-time', '12:00');
    await choose(page, 'Se répète', 'Chaque semaine');
    await dialog.locator('[data-test="day-TU"] input').check();
    await dialog.locator('[data-test="day-TH"] input').check();
    await fill(dialog, 'until', day(7 * 8));
    violations.push(...(await auditScreen(page, 'agenda-plage-dialog')));
    await dialog.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();

    const [plage] = await plages();
    expect(plage).toMatchObject({ title: 'Permanence titres', recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,TH', start_time: '09:00', end_time: '12:00' });
    for (const date of [day(0), day(1), day(3)]) {
      await plagesOf(date).filter({ hasText: 'Hôtel de ville — Permanence titres' }).filter({ hasText: '09:00 - 12:00' }).first().waitFor();
    }
    expect(await plagesOf(day(2)).count()).toBe(0);
    violations.push(...(await auditScreen(page, 'agenda-week-plage')));
  });

  it('books an rdv at a time chosen in the agenda, in the lieu of the plage there', async () => {
    const token = await test.signIn('agent.etatcivil@demo.test');
    const created = await test.call('post', `/api/v1/organisations/${ids.mairie}/users`, { token, body: { first_name: 'Irène', last_name: 'Agenda', email: 'irene@example.fr' } });
    expect(created.status).toBe(201);
    await page.goto(agendaUrl());
    await plagesOf(day(1)).first().waitFor();
    // A click beside the plage's block, at 10:00 on Tuesday: FullCalendar selects that slot.
    const lane = await page.locator('td.fc-timegrid-slot-lane[data-time="10:00:00"]').boundingBox();
    const tuesday = await column(day(1)).boundingBox();
    await page.mouse.click(tuesday!.x + tuesday!.width - 4, lane!.y + lane!.height / 2);
    const selection = page.getByRole('dialog');
    await selection.getByRole('radio', { name: 'Prendre un rendez-vous' }).waitFor();
    await choose(page, 'Motif *', "Carte d'identité et passeport");
    expect(await selection.locator('[data-test="selection-lieu"]').innerText()).toContain('Hôtel de ville');
    violations.push(...(await auditScreen(page, 'agenda-selection')));
    await selection.locator('[data-test="selection-continue"]').click();

    const booking = page.getByRole('dialog', { name: 'Réserver le créneau' });
    await booking.getByRole('combobox', { name: 'Usagers *' }).fill('agen');
    await page.getByRole('option', { name: /AGENDA Irène/ }).click();
    await booking.getByRole('button', { name: 'Réserver' }).click();
    await booking.locator('[data-test="booked"]').waitFor();
    await booking.locator('[data-test="close"]').click();
    const [rdv] = await test.sql(`SELECT r.starts_at, r.lieu_id, l.name AS lieu FROM rdvs r JOIN participations p ON p.rdv_id = r.id JOIN lieux l ON l.id = r.lieu_id WHERE p.user_id = $1`, [created.body.id]);
    expect(DateTime.fromJSDate(rdv.starts_at, { zone: 'Europe/Paris' }).toISO()).toBe(`${day(1)}T10:00:00.000+01:00`);
    expect(rdv.lieu).toBe('Hôtel de ville');
    await column(day(1)).locator('.fc-event.agenda-rdv').first().waitFor();
  });

  it('creates a collectif session at a time chosen in the agenda, with its seats, then opens its fiche', async () => {
    const adminToken = await test.signIn('admin.mairie@demo.test');
    const motif = await test.call('post', `/api/v1/organisations/${ids.mairie}/motifs`, {
      token: adminToken,
      body: { name: 'Atelier démarches en ligne', service_id: 'etat_civil', default_duration_in_min: 60, location_type: 'public_office', collectif: true },
    });
    expect(motif.status).toBe(201);
    await page.goto(agendaUrl());
    await plagesOf(day(0)).first().waitFor();
    // Friday 14:00, outside the plages: a session needs none.
    const lane = await page.locator('td.fc-timegrid-slot-lane[data-time="14:00:00"]').boundingBox();
    const friday = await column(day(4)).boundingBox();
    await page.mouse.click(friday!.x + friday!.width / 2, lane!.y + lane!.height / 2);
    const selection = page.getByRole('dialog');
    await choose(page, 'Motif *', 'Atelier démarches en ligne');
    await choose(page, 'Lieu', 'Hôtel de ville');
    await selection.locator('[data-test="selection-continue"]').click();

    const dialog = page.getByRole('dialog', { name: 'Créer une session d’atelier' });
    await fill(dialog, 'session-name', 'Premiers pas sur internet');
    await fill(dialog, 'session-seats', '0');
    await dialog.getByRole('button', { name: 'Créer la session' }).click();
    await dialog.locator('[data-test="session-seats"]').getByText('La valeur doit être au moins 1.').waitFor();
    violations.push(...(await auditScreen(page, 'agenda-session-errors')));
    expect(await test.sql(`SELECT id FROM rdvs WHERE motif_id = $1`, [motif.body.id])).toEqual([]);

    await fill(dialog, 'session-seats', '6');
    await dialog.getByRole('button', { name: 'Créer la session' }).click();
    await dialog.locator('[data-test="booked"]').getByText(/^Session créée le/).waitFor();
    const [session] = await test.sql(`SELECT id, name, max_participants_count, collectif, starts_at FROM rdvs WHERE motif_id = $1`, [motif.body.id]);
    expect(session).toMatchObject({ name: 'Premiers pas sur internet', max_participants_count: 6, collectif: true });
    expect(DateTime.fromJSDate(session.starts_at, { zone: 'Europe/Paris' }).toISO()).toBe(`${day(4)}T14:00:00.000+01:00`);
    violations.push(...(await auditScreen(page, 'agenda-session-created')));
    await dialog.locator('[data-test="open-fiche"]').click();
    await page.waitForURL(new RegExp(`/rdvs/${session.id}$`));
    await page.locator('[data-test="seats-left"]').getByText('0 sur 6 — 6 places libres').waitFor();
    await page.goto(agendaUrl());
    await plagesOf(day(1)).first().waitFor();
  });

  it('skips one day of the series only', async () => {
    await plagesOf(day(1)).first().click();
    const occurrence = page.locator('[data-test="occurrence"]');
    await occurrence.waitFor();
    violations.push(...(await auditScreen(page, 'agenda-occurrence')));
    await occurrence.locator('[data-test="skip-day"]').click();
    await page.locator('[data-test="unschedule"]').waitFor();
    violations.push(...(await auditScreen(page, 'agenda-skip-confirm')));
    await page.locator('[data-test="confirm"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    await plagesOf(day(1)).waitFor({ state: 'detached' });
    expect(await plagesOf(day(0)).count()).toBe(1);
    expect(await plagesOf(day(3)).count()).toBe(1);
    const [plage] = await plages();
    expect(plage.exdates.map((date: Date | string) => (typeof date === 'string' ? date : DateTime.fromJSDate(date).toISODate()))).toEqual([day(1)]);
  });

  it("gives one day of the series its own hours and lieu, refusing an end before the start", async () => {
    await page.goto(agendaUrl(`date=${day(7)}`));
    await plagesOf(day(7)).filter({ hasText: '09:00 - 12:00' }).first().click();
    await page.locator('[data-test="edit-day"]').click();
    const dialog = page.getByRole('dialog', { name: /^Horaires du / });
    await expect(dialog.locator('[data-test="day-start-time"] input').inputValue()).resolves.toBe('09:00');
    await fill(dialog, 'day-start-time', '10:00');
    await fill(dialog, 'day-end-time', '09:30');
    await dialog.locator('[data-test="save"]').click();
    await dialog.locator('[data-test="day-end-time"]').getByText('L’heure de fin doit être après l’heure de début.').waitFor();
    violations.push(...(await auditScreen(page, 'agenda-day-hours-errors')));
    expect(await plages()).toHaveLength(1);

    await fill(dialog, 'day-end-time', '11:30');
    await choose(page, dialog.getByRole('combobox', { name: 'Lieu' }), 'Mairie annexe des Tilleuls');
    await dialog.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    await plagesOf(day(7)).filter({ hasText: 'Mairie annexe des Tilleuls — Permanence titres' }).filter({ hasText: '10:00 - 11:30' }).waitFor();
    expect(await plagesOf(day(7)).count()).toBe(1);
    await plagesOf(day(8)).filter({ hasText: 'Hôtel de ville — Permanence titres' }).filter({ hasText: '09:00 - 12:00' }).waitFor();
    const rows = await plages();
    const series = rows.find((row) => row.recurrence);
    expect(series.exdates.map((date: Date | string) => (typeof date === 'string' ? date : DateTime.fromJSDate(date).toISODate()))).toEqual([day(1), day(7)]);
    expect(rows.find((row) => !row.recurrence)).toMatchObject({ start_time: '10:00', end_time: '11:30', title: 'Permanence titres' });
    violations.push(...(await auditScreen(page, 'agenda-day-hours-saved')));
    await page.goto(agendaUrl());
    await plagesOf(day(0)).first().waitFor();
  });

  it('records a two-day absence, shown over those days', async () => {
    await page.locator('[data-test="new-absence"]').click();
    const dialog = page.getByRole('dialog');
    await fill(dialog, 'title', 'Formation');
    await fill(dialog, 'first-day', day(2));
    await fill(dialog, 'start-time', '08:00');
    await fill(dialog, 'end-day', day(3));
    await fill(dialog, 'end-time', '18:00');
    violations.push(...(await auditScreen(page, 'agenda-absence-dialog')));
    await dialog.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    await column(day(2)).locator('.agenda-absence').waitFor();
    await column(day(3)).locator('.agenda-absence').waitFor();
    expect(await column(day(4)).locator('.agenda-absence').count()).toBe(0);
    const absences = await test.sql(`SELECT title, start_time, end_time FROM absences WHERE agent_id = $1`, [ids.basicEtatCivil]);
    expect(absences).toEqual([{ title: 'Formation', start_time: '08:00', end_time: '18:00' }]);
    violations.push(...(await auditScreen(page, 'agenda-week-absence')));
  });

  it('shows bad input next to its field and writes nothing', async () => {
    const before = (await plages()).length;
    await page.locator('[data-test="new-plage"]').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-test="save"]').click();
    await dialog.getByText('Ce champ est obligatoire.').first().waitFor();
    expect(await dialog.locator('[data-test="lieu"]').textContent()).toContain('Ce champ est obligatoire.');

    await choose(page, 'Lieu *', 'Hôtel de ville');
    await choose(page, 'Motifs *', "Carte d'identité et passeport");
    await dialog.locator('[data-test="title"] input').click();
    await fill(dialog, 'start-time', '14:00');
    await fill(dialog, 'end-time', '10:00');
    await dialog.locator('[data-test="save"]').click();
    await dialog.locator('[data-test="end-time"]').getByText('L’heure de fin doit être après l’heure de début.').waitFor();
    violations.push(...(await auditScreen(page, 'agenda-plage-errors')));
    expect((await plages()).length).toBe(before);
    await dialog.getByRole('button', { name: 'Annuler' }).click();
  });

  it('shows public holidays as closed days', async () => {
    await page.goto(agendaUrl('date=2026-12-21'));
    await page.locator('[data-test="closed-days"]', { hasText: 'férié : Noël' }).waitFor();
    await column('2026-12-25').locator('.agenda-closed').waitFor();
  });

  it("lets an admin pick another agent and change their plage's whole series", async () => {
    await signOut(page);
    await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
    await page.goto(agendaUrl());
    await choose(page, 'Agenda de', 'Anne Basique');
    await plagesOf(day(3)).first().click();
    await page.locator('[data-test="edit-series"]').click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.locator('[data-test="title"] input').inputValue()).resolves.toBe('Permanence titres');
    await fill(dialog, 'title', 'Permanence CNI');
    await fill(dialog, 'end-time', '12:30');
    violations.push(...(await auditScreen(page, 'agenda-admin-edit')));
    await dialog.locator('[data-test="save"]').click();
    await page.getByText('Modifications enregistrées.').waitFor();
    const [plage] = (await plages()).filter((row) => row.recurrence);
    expect(plage).toMatchObject({ title: 'Permanence CNI', end_time: '12:30', recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,TH' });
    // The calendar asks for the week again: it shows the change.
    await plagesOf(day(3)).filter({ hasText: 'Hôtel de ville — Permanence CNI' }).filter({ hasText: '09:00 - 12:30' }).first().waitFor();
    expect(await plagesOf(day(1)).count()).toBe(0);
    violations.push(...(await auditScreen(page, 'agenda-admin-week')));
  });

  it('passes the accessibility audit on every screen state', () => {
    expect(violations).toEqual([]);
  });
});
