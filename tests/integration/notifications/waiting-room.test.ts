import { TestPlatform } from '../../support/platform';
import type { TestSmtpServer } from '../../support/smtp';
import { parseMime, partOfType } from '../../unit/notifications/mime';
import { expectStatus, type BookingFixture } from '../booking/helpers';
import { startNotificationStack, type NotificationStack, waitFor } from './pipeline';

/** Salle d'attente: the territory's waiting_room settings decide whether agents are emailed when an usager arrives. */
describe('the waiting room settings', () => {
  let smtp: TestSmtpServer;
  let test: TestPlatform;
  let f: BookingFixture;
  let stack: NotificationStack;
  beforeAll(async () => {
    stack = await startNotificationStack();
    ({ smtp, test, f } = stack);
  });
  afterAll(() => stack?.stop());

  const arrivalMails = () => smtp.received.filter((mail) => parseMime(mail.raw).headers.get('subject')?.startsWith('Usager arrivé'));
  const setModes = async (modes: string[]) => expectStatus(await test.call('put', '/api/v1/territories/current/config/waiting_room', {
    token: f.tokens.territorialAdmin, body: { notification_modes: modes },
  }), 200);

  async function book(startsAt: string): Promise<string> {
    const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.mairieAdmin,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: [f.camille], notify: false },
    });
    expectStatus(response, 201);
    return response.body.id;
  }

  /** Waits until the notifications consumer has handled every event of the rdv. */
  const settled = (rdvId: string) => waitFor(async () => (await test.sql(
    `SELECT 1 FROM outbox_events o WHERE o.record_id = $1 AND NOT EXISTS
       (SELECT 1 FROM consumer_receipts r WHERE r.event_id = o.id AND r.consumer = 'notifications' AND r.status = 'done')`, [rdvId],
  )).length === 0, 10_000, 'the rdv\'s events to be handled');

  it('are readable by every agent, as the territorial admin set them', async () => {
    const read = async () => {
      const response = await test.call('get', '/api/v1/waiting_room', { token: f.tokens.etatCivil });
      expectStatus(response, 200);
      return response.body;
    };
    expect(await read()).toEqual({ notification_modes: ['screen', 'email'] }); // the demo tenant's
    await setModes(['screen']);
    expect(await read()).toEqual({ notification_modes: ['screen'] });
    expect((await test.call('get', '/api/v1/waiting_room')).status).toBe(401);
  });

  it('email the rdv\'s agent when the reception marks the usager arrived, only when the settings ask for it', async () => {
    const quiet = await book('2026-12-01T09:00:00+01:00');
    expectStatus(await test.call('post', `/api/v1/rdvs/${quiet}/arrival`, { token: f.tokens.secretariat }), 200);
    await settled(quiet);
    expect(arrivalMails()).toEqual([]);

    await setModes(['screen', 'email']);
    const told = await book('2026-12-01T09:20:00+01:00');
    expectStatus(await test.call('post', `/api/v1/rdvs/${told}/arrival`, { token: f.tokens.secretariat }), 200);
    const [mail] = await waitFor(() => arrivalMails().length ? arrivalMails() : null, 10_000, 'the arrival email');
    expect(mail.to).toEqual(['agent.etatcivil@demo.test']);
    const message = parseMime(mail.raw);
    expect(message.headers.get('subject')).toBe('Usager arrivé : Camille Martin – RDV de 09:20');
    const text = partOfType(message, 'text/plain').body;
    expect(text).toContain('Camille Martin est arrivé(e) en salle d\'attente pour le rendez-vous de 09:20 (Carte d\'identité et passeport).');
    expect(text).toContain(`/admin/rdvs/${told}`);

    // The agent who marks their own usager's arrival is not emailed about it.
    const own = await book('2026-12-01T09:40:00+01:00');
    expectStatus(await test.call('post', `/api/v1/rdvs/${own}/arrival`, { token: f.tokens.etatCivil }), 200);
    await settled(own);
    expect(arrivalMails()).toHaveLength(1);
  });
});
