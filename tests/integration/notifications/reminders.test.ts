import { planReminders } from '../../../platform/src/notifications/reminders';
import { TestPlatform } from '../../support/platform';
import type { TestSmtpServer } from '../../support/smtp';
import { parseMime, partOfType, icsLines } from '../../unit/notifications/mime';
import { expectStatus, NOW, type BookingFixture } from '../booking/helpers';
import { sleep, startNotificationStack, type NotificationStack, waitFor, type RunningPipeline } from './pipeline';

const HOUR = 3_600_000;
/** Reminders are due this long after the test sets the clock: short enough to wait for, long enough to act before. */
const LEAD_MS = 1_500;
/** What the test lets the clock move once set up, so that the reminders it planned are due when their jobs run. */
const PASSING_MS = LEAD_MS + 2_000;

describe('reminders', () => {
  let smtp: TestSmtpServer;
  let test: TestPlatform;
  let f: BookingFixture;
  let pipeline: RunningPipeline;

  let stack: NotificationStack;
  beforeAll(async () => {
    stack = await startNotificationStack();
    ({ smtp, test, f, pipeline } = stack);
  });
  afterAll(() => stack?.stop());

  let agent: string;

  /**
   * Sets the clock so that an rdv at `startsAt` has its reminder due in LEAD_MS, `hours` before it
   * or at `dueAt` (and signs in again: sessions expire).
   */
  async function reminderDueSoon(startsAt: string, hours = 48, dueAt = new Date(new Date(startsAt).getTime() - hours * HOUR)): Promise<void> {
    test.clock.set(new Date(dueAt.getTime() - LEAD_MS));
    agent = await test.signIn('agent.etatcivil@demo.test');
  }

  /** The territory's reminder settings, as its admin saves them. */
  async function setReminder(reminder: { hours_before: number; working_days_only?: boolean }): Promise<string> {
    const admin = await test.signIn('territoire@demo.test');
    const config = await test.call('get', '/api/v1/territories/current/config/notifications', { token: admin });
    const document = { ...config.body.document, reminder };
    expectStatus(await test.call('put', '/api/v1/territories/current/config/notifications', { token: admin, body: document }), 200);
    return admin;
  }

  async function book(userId: string, startsAt: string): Promise<string> {
    const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: agent,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], user_ids: [userId], starts_at: startsAt },
    });
    expectStatus(response, 201);
    return response.body.id;
  }

  /** Lets the pipeline handle what was booked (and plan its reminders) at the time the test set, then moves the clock on. */
  async function passTime(): Promise<void> {
    await waitFor(async () => (await test.sql(`SELECT 1 FROM outbox_events WHERE dispatched_at IS NULL
      UNION ALL SELECT 1 FROM consumer_receipts WHERE status = 'pending'`)).length === 0, 10_000, 'the events handled');
    test.clock.advance(PASSING_MS);
  }

  const remindersOf = (rdvId: string) =>
    test.sql(`SELECT channel, status FROM notification_receipts WHERE rdv_id = $1 AND event = 'rdv_reminder' ORDER BY channel`, [rdvId]);
  /** The rdv's reminder receipts once `count` of them are there and none is still in flight. */
  const settledRemindersOf = (rdvId: string, count: number) => waitFor(async () => {
    const receipts = await remindersOf(rdvId);
    return receipts.length === count && receipts.every((receipt) => !['pending', 'sending'].includes(receipt.status)) ? receipts : null;
  }, 10_000, `${count} settled reminder receipts`);
  const subjects = (address: string) =>
    smtp.received.filter((mail) => mail.to.includes(address)).map((mail) => parseMime(mail.raw).headers.get('subject'));

  it('goes 48 hours before an active rdv, with the calendar request', async () => {
    const startsAt = '2026-12-03T09:00:00+01:00';
    await reminderDueSoon(startsAt);
    const rdvId = await book(f.camille, startsAt);
    await passTime();
    await waitFor(() => subjects('camille@example.fr').includes('Rappel : rendez-vous le jeudi 3 décembre 2026 à 09h00'), 10_000, 'the reminder');
    const reminder = smtp.received.find((mail) => parseMime(mail.raw).headers.get('subject')?.startsWith('Rappel'))!;
    expect(icsLines(partOfType(parseMime(reminder.raw), 'text/calendar').body)).toEqual(expect.arrayContaining(['METHOD:REQUEST', `UID:rdv-${rdvId}@lapin.localhost`]));
    expect(await settledRemindersOf(rdvId, 2)).toEqual([
      { channel: 'email', status: 'sent' },
      { channel: 'sms', status: 'sent' },
    ]);
  });

  it('is replanned when the rdv moves and dropped when it is cancelled', async () => {
    const startsAt = '2026-12-04T09:00:00+01:00';
    await reminderDueSoon(startsAt);
    const cancelled = await book(f.dominique, startsAt);
    expectStatus(await test.call('patch', `/api/v1/rdvs/${cancelled}`, { token: agent, body: { status: 'revoked' } }), 200);
    const moved = await book(f.dominique, startsAt);
    // Moved by a few seconds, so that its new reminder is due just after the old one.
    const newStart = new Date(new Date(startsAt).getTime() + 2_000).toISOString();
    expectStatus(await test.call('patch', `/api/v1/rdvs/${moved}`, { token: agent, body: { starts_at: newStart } }), 200);
    await passTime();

    // The old jobs run first and find nothing to remind: one rdv is elsewhere in time, the other cancelled.
    // The new job, planned when the rdv moved, reminds of the new time.
    await waitFor(() => smtp.received.find((mail) => mail.to.includes('dominique@example.fr') && mail.raw.includes('DTSTART:20261204T080002Z')
      && parseMime(mail.raw).headers.get('subject')?.startsWith('Rappel')), 10_000, 'the reminder at the new time');
    await sleep(LEAD_MS);
    expect(await remindersOf(cancelled)).toEqual([]);
    expect(subjects('dominique@example.fr').filter((subject) => subject?.startsWith('Rappel'))).toHaveLength(1);
    const keys = await test.sql(`SELECT dedupe_key FROM notification_receipts WHERE rdv_id = $1 AND event = 'rdv_reminder'`, [moved]);
    const sources = new Set(keys.map((row) => row.dedupe_key.split(':').slice(0, 3).join(':')));
    expect([...sources]).toEqual([`reminder:${moved}:${new Date(newStart).getTime()}`]);
  });

  it('is planned by the sweep for an rdv whose job was lost, and sent once however often it is planned', async () => {
    // An rdv with no job in the queue, as after a restart of the in-process queue or an emptied Redis.
    const startsAt = '2026-12-11T10:00:00+01:00';
    const [{ territory_id: territoryId }] = await test.sql(`SELECT territory_id FROM organisations WHERE id = $1`, [f.mairie]);
    const [{ id: rdvId }] = await test.sql(
      `INSERT INTO rdvs (territory_id, organisation_id, motif_id, lieu_id, starts_at, ends_at, created_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5::timestamptz + interval '20 minutes', 'agent', $6) RETURNING id`,
      [territoryId, f.mairie, f.cni, f.hotelDeVille, startsAt, NOW],
    );
    await test.sql(`INSERT INTO participations (territory_id, rdv_id, user_id, status, created_by) VALUES ($1, $2, $3, 'unknown', 'agent')`, [territoryId, rdvId, f.camille]);

    await reminderDueSoon(startsAt);
    await Promise.all([planReminders(test.platform, pipeline.queue), planReminders(test.platform, pipeline.queue)]);
    await passTime();
    await settledRemindersOf(rdvId, 2);
    await planReminders(test.platform, pipeline.queue);
    await sleep(500);
    expect(subjects('camille@example.fr').filter((subject) => subject === 'Rappel : rendez-vous le vendredi 11 décembre 2026 à 10h00')).toHaveLength(1);
  });

  it('waits when its job wakes up before it is due, as far reminders do', async () => {
    const startsAt = '2026-12-16T10:00:00+01:00';
    await reminderDueSoon(startsAt);
    const rdvId = await book(f.camille, startsAt);
    // The job runs after LEAD_MS, but the clock says the reminder is due a minute later: it waits.
    test.clock.advance(-60_000);
    await sleep(LEAD_MS + 500);
    expect(await remindersOf(rdvId)).toEqual([]);
  });

  it('follows the delay the territory chose', async () => {
    const startsAt = '2026-12-14T11:00:00+01:00';
    await reminderDueSoon(startsAt, 6);
    const admin = await setReminder({ hours_before: 6 });
    const user = await f.createUser(f.mairie, admin, { first_name: 'Six', last_name: 'Heures', email: 'six@example.fr' });
    const rdvId = await book(user, startsAt);
    await passTime();
    await waitFor(() => subjects('six@example.fr').includes('Rappel : rendez-vous le lundi 14 décembre 2026 à 11h00'), 10_000, 'the 6-hour reminder');
    expect(await settledRemindersOf(rdvId, 2)).toEqual([{ channel: 'email', status: 'sent' }, { channel: 'sms', status: 'skipped' }]);
  });

  it('goes on the Saturday when 48 hours before falls on a Sunday', async () => {
    const startsAt = '2026-12-15T10:00:00+01:00';
    await reminderDueSoon(startsAt, 48, new Date('2026-12-12T10:00:00+01:00'));
    await setReminder({ hours_before: 48 });
    const user = await f.createUser(f.mairie, agent, { first_name: 'Samedi', last_name: 'Rappel', email: 'samedi@example.fr' });
    await book(user, startsAt);
    await passTime();
    await waitFor(() => subjects('samedi@example.fr').includes('Rappel : rendez-vous le mardi 15 décembre 2026 à 10h00'), 10_000, 'the reminder on Saturday');
  });

  it('goes on a Sunday when the territory does not keep reminders to working days', async () => {
    const startsAt = '2026-12-22T10:00:00+01:00';
    await reminderDueSoon(startsAt, 48);
    await setReminder({ hours_before: 48, working_days_only: false });
    const user = await f.createUser(f.mairie, agent, { first_name: 'Dimanche', last_name: 'Rappel', email: 'dimanche@example.fr' });
    await book(user, startsAt);
    await passTime();
    await waitFor(() => subjects('dimanche@example.fr').includes('Rappel : rendez-vous le mardi 22 décembre 2026 à 10h00'), 10_000, 'the reminder on Sunday');
  });

  it('goes on the working day before a public holiday', async () => {
    // 72 hours before Monday 4 January 2027 is New Year's Day: the reminder goes on the 31st.
    const startsAt = '2027-01-04T09:00:00+01:00';
    await reminderDueSoon(startsAt, 72, new Date('2026-12-31T09:00:00+01:00'));
    await setReminder({ hours_before: 72, working_days_only: true });
    const user = await f.createUser(f.mairie, agent, { first_name: 'Nouvel', last_name: 'An', email: 'nouvel-an@example.fr' });
    const rdvId = await book(user, startsAt);
    await passTime();
    await waitFor(() => subjects('nouvel-an@example.fr').includes('Rappel : rendez-vous le lundi 4 janvier 2027 à 09h00'), 10_000, 'the reminder on the 31st');
    await settledRemindersOf(rdvId, 2);
  });
});
