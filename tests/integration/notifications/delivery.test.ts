import { tx } from '../../../platform/src/db/database';
import { eventOf, OUTBOX_EVENT_COLUMNS } from '../../../platform/src/events/dispatcher';
import { NotificationsConsumer } from '../../../platform/src/notifications/consumer';
import { TestPlatform } from '../../support/platform';
import type { ReceivedMail, TestSmtpServer } from '../../support/smtp';
import { icsLines, parseMime, partOfType, leafParts } from '../../unit/notifications/mime';
import { plageBody } from '../agenda/helpers';
import { expectStatus, NOW, publicCreneaux, type BookingFixture } from '../booking/helpers';
import { startNotificationStack, type NotificationStack, waitFor, type RunningPipeline } from './pipeline';

/** Booking, moving and cancelling rdvs through the API sends emails that reach a real SMTP server. */
describe('usager and agent notifications, end to end', () => {
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

  const mailsTo = (address: string) => smtp.received.filter((mail) => mail.to.includes(address));

  async function book(body: Record<string, unknown>, token = f.tokens.mairieAdmin): Promise<string> {
    const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], ...body },
    });
    expectStatus(response, 201);
    return response.body.id;
  }

  async function change(rdvId: string, body: Record<string, unknown>, token = f.tokens.mairieAdmin): Promise<void> {
    expectStatus(await test.call('patch', `/api/v1/rdvs/${rdvId}`, { token, body }), 200);
  }

  /** The rdv's receipts once none is still in flight. */
  async function settledReceipts(rdvId: string, count: number): Promise<any[]> {
    return waitFor(async () => {
      const response = await test.call('get', `/api/v1/rdvs/${rdvId}/receipts`, { token: f.tokens.mairieAdmin });
      const data = response.body.data as any[];
      return data.length === count && data.every((receipt) => !['pending', 'sending'].includes(receipt.status)) ? data : null;
    }, 10_000, `${count} settled receipts`);
  }

  async function nextMailTo(address: string, already: number): Promise<ReceivedMail> {
    return waitFor(() => mailsTo(address)[already], 10_000, `mail #${already + 1} to ${address}`);
  }

  it('sends the confirmation with text, HTML and the calendar request, and tells the agent who did not book it', async () => {
    const rdvId = await book({ starts_at: '2026-12-01T09:00:00+01:00', user_ids: [f.camille] });

    const message = parseMime((await nextMailTo('camille@example.fr', 0)).raw);
    expect(message.headers.get('subject')).toBe('Rendez-vous confirmé le mardi 1er décembre 2026 à 09h00');
    expect(message.headers.get('from')).toBe('"Mairie de Val-Fleuri" <no-reply@lapin.localhost>');
    expect(message.headers.get('reply-to')).toBe('"Mairie de Val-Fleuri" <accueil@mairie-val-fleuri.test>');
    expect(message.headers.get('to')).toBe('Camille Martin <camille@example.fr>');
    const text = partOfType(message, 'text/plain').body;
    expect(text).toContain('Bonjour Camille Martin,');
    expect(text).toContain('Date : mardi 1er décembre 2026 à 09h00');
    expect(text).toContain('Lieu : Hôtel de ville, 1 place de la Mairie, 71000 Val-Fleuri');
    expect(text).toContain('Avec : Anne Basique');
    expect(text).toContain("Apportez votre pré-demande ANTS");
    const link = /Pour consulter, déplacer ou annuler votre rendez-vous : (\S+)/.exec(text)?.[1];
    expect(link).toMatch(new RegExp(`^${test.baseUrl}/public/rdvs/[A-Za-z0-9_-]{22}$`));
    const html = partOfType(message, 'text/html').body;
    expect(html).toContain('<p>Bonjour Camille Martin,</p>');
    expect(html).toContain(`<a href="${link}">`);
    const calendar = icsLines(partOfType(message, 'text/calendar').body);
    expect(calendar).toEqual(expect.arrayContaining([
      'METHOD:REQUEST', `UID:rdv-${rdvId}@lapin.localhost`, 'SEQUENCE:0', 'DTSTART:20261201T080000Z', 'DTEND:20261201T082000Z',
    ]));

    // Anne did not book it herself: her preference (changes made by others) tells her, without the usager's name.
    // (Her plages, made by her admin in the fixture, were announced to her before.)
    const agentMail = await waitFor(() => mailsTo('agent.etatcivil@demo.test').map((mail) => parseMime(mail.raw))
      .find((mail) => mail.headers.get('subject')?.startsWith('RDV ajouté')), 10_000, "Anne's rdv email");
    expect(agentMail.headers.get('subject')).toBe("RDV ajouté : mardi 1er décembre 2026 à 09h00 – Carte d'identité et passeport");
    expect(partOfType(agentMail, 'text/plain').body).not.toMatch(/Camille|Martin/);
    expect(icsLines(partOfType(agentMail, 'text/calendar').body)).toEqual(expect.arrayContaining(['METHOD:REQUEST', `UID:rdv-${rdvId}@lapin.localhost`]));

    const receipts = await settledReceipts(rdvId, 3);
    // Without a provider, the territory's SMS are logged (masked, without their text), not sent.
    expect(pipeline.logs).toContainEqual(expect.objectContaining({ message: 'SMS logged, not sent', fields: expect.objectContaining({ to: '+33*******78' }) }));
    expect(receipts.map(({ event, channel, recipient_type, recipient, status }) => ({ event, channel, recipient_type, recipient, status }))).toEqual(
      expect.arrayContaining([
        { event: 'rdv_created', channel: 'email', recipient_type: 'user', recipient: 'c******@example.fr', status: 'sent' },
        { event: 'rdv_created', channel: 'sms', recipient_type: 'user', recipient: '+33*******78', status: 'sent' },
        { event: 'agent_rdv_created', channel: 'email', recipient_type: 'agent', recipient: 'a**************@demo.test', status: 'sent' },
      ]),
    );
  });

  it('tells of a move with the former time and a higher SEQUENCE, then of the cancellation with METHOD:CANCEL', async () => {
    const rdvId = await book({ starts_at: '2026-12-02T10:00:00+01:00', user_ids: [f.dominique] });
    await nextMailTo('dominique@example.fr', 0);

    await change(rdvId, { starts_at: '2026-12-03T11:00:00+01:00' });
    const moved = parseMime((await nextMailTo('dominique@example.fr', 1)).raw);
    expect(moved.headers.get('subject')).toBe('Rendez-vous modifié : jeudi 3 décembre 2026 à 11h00');
    expect(partOfType(moved, 'text/plain').body).toContain('Il était prévu le mercredi 2 décembre 2026 à 10h00.');
    expect(icsLines(partOfType(moved, 'text/calendar').body)).toEqual(expect.arrayContaining([
      'METHOD:REQUEST', `UID:rdv-${rdvId}@lapin.localhost`, 'SEQUENCE:1', 'DTSTART:20261203T100000Z',
    ]));

    await change(rdvId, { status: 'revoked' });
    const cancelled = parseMime((await nextMailTo('dominique@example.fr', 2)).raw);
    expect(cancelled.headers.get('subject')).toBe('Rendez-vous du jeudi 3 décembre 2026 à 11h00 annulé');
    expect(icsLines(partOfType(cancelled, 'text/calendar').body)).toEqual(expect.arrayContaining([
      'METHOD:CANCEL', 'STATUS:CANCELLED', `UID:rdv-${rdvId}@lapin.localhost`, 'SEQUENCE:2',
    ]));
    const receipts = await settledReceipts(rdvId, 3 * 2 + 3);
    expect(receipts.filter((receipt) => receipt.recipient_type === 'user').map((receipt) => `${receipt.event}/${receipt.channel}/${receipt.status}`).sort()).toEqual([
      'rdv_cancelled_by_agent/email/sent', 'rdv_cancelled_by_agent/sms/skipped',
      'rdv_created/email/sent', 'rdv_created/sms/skipped',
      'rdv_updated/email/sent', 'rdv_updated/sms/skipped',
    ]);
    expect(receipts.find((receipt) => receipt.channel === 'sms').reason).toBe('no phone number');
  });

  it('leaves a skipped receipt for an usager without email and with a landline, and sends nothing', async () => {
    const before = smtp.received.length;
    const rdvId = await book({ starts_at: '2026-12-04T09:30:00+01:00', user_ids: [f.sacha] }, f.tokens.etatCivil);
    const receipts = await settledReceipts(rdvId, 2);
    expect(receipts.map(({ channel, status, reason, recipient }) => ({ channel, status, reason, recipient }))).toEqual(expect.arrayContaining([
      { channel: 'email', status: 'skipped', reason: 'no email address', recipient: '—' },
      { channel: 'sms', status: 'skipped', reason: 'a landline: it cannot receive SMS', recipient: '—' },
    ]));
    // Anne booked it herself: no email to her either.
    expect(smtp.received.length).toBe(before);
  });

  it('emails the code of an online booking, then the confirmation whose link lets the usager cancel, which is confirmed too', async () => {
    const address = 'elise.dupre@example.fr';
    const [slot] = await publicCreneaux(test, f.mairieSlug, f.cni, f.hotelDeVille, '2026-12-09');
    const held = await test.call('post', '/api/public/rdvs', {
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: slot.starts_at, user: { first_name: 'Élise', last_name: 'Dupré', email: address } },
    });
    expectStatus(held, 202);
    const codeMail = parseMime((await nextMailTo(address, 0)).raw);
    const code = /^(\d{6}) : votre code pour confirmer le rendez-vous$/.exec(codeMail.headers.get('subject') ?? '')?.[1];
    expect(code).toBeDefined();
    expect(partOfType(codeMail, 'text/plain').body).toMatch(new RegExp(`Confirmer le rendez-vous : ${test.baseUrl}/public/organisations/${f.mairieSlug}/reservation/code\\?booking=${held.body.id}&code=${code}`));
    expectStatus(await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code } }), 200);

    const confirmation = partOfType(parseMime((await nextMailTo(address, 1)).raw), 'text/plain').body;
    const token = /\/public\/rdvs\/([A-Za-z0-9_-]{22})/.exec(confirmation)?.[1];
    const recap = await test.call('post', `/api/public/rdvs/${token}/open`, { body: { last_name_prefix: 'dup' } });
    expectStatus(recap, 200);
    expectStatus(await test.call('post', `/api/public/rdvs/${token}/cancel`, { body: { last_name_prefix: 'DUP' } }), 200);
    const cancelled = parseMime((await nextMailTo(address, 2)).raw);
    expect(cancelled.headers.get('subject')).toBe('Annulation de votre rendez-vous du mercredi 9 décembre 2026 à 09h00');
    expect(icsLines(partOfType(cancelled, 'text/calendar').body)).toEqual(expect.arrayContaining(['METHOD:CANCEL', `UID:rdv-${recap.body.id}@lapin.localhost`]));
    const receipts = await settledReceipts(recap.body.id, 7); // the code, then the usager (email, SMS skipped) and Anne for each change
    expect(receipts.filter((receipt) => receipt.recipient_type === 'user' && receipt.channel === 'email').map((receipt) => receipt.event).sort()).toEqual([
      'rdv_cancelled_by_user', 'rdv_created', 'rdv_hold_code',
    ]);
  });

  it('sends the prescripteur who booked online for an usager a confirmation: the usager as typed, the rdv, whom to call, no link of the usager', async () => {
    const prescripteur = { first_name: 'Inès', last_name: 'Durand', email: 'ines.durand@association.test' };
    const user = { first_name: 'Nadia', last_name: 'Benali', phone_number: '0611223344', email: 'nadia.benali@example.fr' };
    const offered = await test.call('get', `/api/public/organisations/${f.mairieSlug}/creneaux?motif_id=${f.permis}&from=2026-12-08&to=2026-12-08&prescripteur=1`);
    expectStatus(offered, 200);
    const [slot] = offered.body.data;
    const held = await test.call('post', '/api/public/rdvs', { body: { motif_id: f.permis, lieu_id: slot.lieu_id, starts_at: slot.starts_at, prescripteur, user } });
    expectStatus(held, 202);
    const code = /^(\d{6}) :/.exec(parseMime((await nextMailTo(prescripteur.email, 0)).raw).headers.get('subject') ?? '')?.[1];
    const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code } });
    expectStatus(confirmed, 200);

    const confirmation = parseMime((await nextMailTo(prescripteur.email, 1)).raw);
    expect(confirmation.headers.get('subject')).toBe('Rendez-vous confirmé pour Nadia Benali le mardi 8 décembre 2026 à 14h00');
    expect(confirmation.headers.get('to')).toBe('Inès Durand <ines.durand@association.test>');
    const text = partOfType(confirmation, 'text/plain').body;
    expect(text).toContain('Le rendez-vous que vous avez pris pour Nadia Benali auprès de Mairie de Val-Fleuri est confirmé.');
    expect(text).toContain('Motif : Permis de construire — conseil');
    expect(text).toMatch(/Organisation : Mairie de Val-Fleuri \(.+\)/);
    expect(text).not.toContain('/public/rdvs/');
    // The usager has their own confirmation, with their link.
    expect(partOfType(parseMime((await nextMailTo(user.email, 0)).raw), 'text/plain').body).toContain('/public/rdvs/');
    const receipts = await settledReceipts(confirmed.body.id, 5); // the code, the prescripteur, the usager by email and SMS, Hugo
    expect(receipts.filter((receipt) => receipt.recipient_type === 'prescripteur')).toEqual([
      expect.objectContaining({ event: 'prescripteur_rdv_created', channel: 'email', status: 'sent', recipient: 'i**********@association.test' }),
    ]);
  });

  it("tells agents of their plages and absences changed by others, as their preferences say", async () => {
    const anne = 'agent.etatcivil@demo.test';
    const before = mailsTo(anne).length;
    const plage = await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, {
      token: f.tokens.mairieAdmin,
      body: plageBody(f, { lieu_id: f.annexe, title: 'Annexe — après-midi', first_day: '2026-12-02', start_time: '14:00', end_time: '17:00', recurrence: 'FREQ=WEEKLY;BYDAY=WE', until: '2027-03-31' }),
    });
    expectStatus(plage, 201);
    const added = parseMime((await nextMailTo(anne, before)).raw);
    expect(added.headers.get('subject')).toBe("Plage d'ouverture ajoutée : le mercredi 2 décembre 2026, 14h00 – 17h00, répétée jusqu'au mercredi 31 mars 2027");
    expect(partOfType(added, 'text/plain').body).toContain('Lieu : Mairie annexe des Tilleuls, 12 rue des Tilleuls, 71000 Val-Fleuri');

    // Anne hears only of what others do to her absences; her own absence tells her nothing.
    expectStatus(await test.call('patch', '/api/v1/agents/me/notification_preferences', { token: f.tokens.etatCivil, body: { absence_notification_level: 'others' } }), 200);
    const absence = { agent_id: f.basicEtatCivil, title: 'Formation', first_day: '2026-12-16', start_time: '09:00', end_time: '12:00' };
    expectStatus(await test.call('post', '/api/v1/absences', { token: f.tokens.etatCivil, body: absence }), 201);
    expectStatus(await test.call('post', '/api/v1/absences', { token: f.tokens.mairieAdmin, body: { ...absence, first_day: '2026-12-17', title: 'Réunion' } }), 201);
    const byOthers = parseMime((await nextMailTo(anne, before + 1)).raw);
    expect(byOthers.headers.get('subject')).toBe('Indisponibilité ajoutée : le jeudi 17 décembre 2026, 09h00 – 12h00');
    await waitFor(async () => (await test.sql(`SELECT 1 FROM consumer_receipts WHERE consumer = 'notifications' AND status = 'pending'`)).length === 0);
    expect(mailsTo(anne)).toHaveLength(before + 2);
  });

  it('tells the usager of an rdv déprogrammé (no longer held after a change of planning) with METHOD:CANCEL', async () => {
    const address = 'dominique@example.fr';
    const sent = mailsTo(address).length;
    const rdvId = await book({ starts_at: '2026-12-10T11:00:00+01:00', user_ids: [f.dominique] });
    await nextMailTo(address, sent); // the confirmation
    // As an agenda change would write it: the rdv and its participations revoked, a higher sequence, the event's reason.
    await test.db.tenant(f.territoryId, async () => {
      await tx().query(`UPDATE rdvs SET status = 'revoked', cancelled_at = $2, sequence = sequence + 1 WHERE id = $1`, [rdvId, NOW]);
      await tx().query(`UPDATE participations SET status = 'revoked' WHERE rdv_id = $1`, [rdvId]);
      await tx().query(
        `INSERT INTO outbox_events (territory_id, organisation_id, model, event, record_id, payload, actor_agent_id)
         VALUES ($1, $2, 'rdv', 'updated', $3, $4, NULL)`,
        [f.territoryId, f.mairie, rdvId, { id: rdvId, webhook_reason: 'rdv_unscheduled', notify: true, actor: { type: 'system', agent_id: null } }],
      );
    });
    const unscheduled = parseMime((await nextMailTo(address, sent + 1)).raw);
    expect(unscheduled.headers.get('subject')).toBe('Rendez-vous du jeudi 10 décembre 2026 à 11h00 déprogrammé');
    expect(partOfType(unscheduled, 'text/plain').body).toContain('À la suite d’une modification du planning');
    expect(icsLines(partOfType(unscheduled, 'text/calendar').body)).toEqual(expect.arrayContaining(['METHOD:CANCEL', 'SEQUENCE:1', `UID:rdv-${rdvId}@lapin.localhost`]));
  });

  it('sends nothing twice when the same event is delivered again', async () => {
    const address = 'camille@example.fr';
    const rdvId = await book({ starts_at: '2026-12-08T09:00:00+01:00', user_ids: [f.camille] });
    await settledReceipts(rdvId, 3);
    const sent = mailsTo(address).length;

    const [row] = await test.sql(
      `SELECT ${OUTBOX_EVENT_COLUMNS} FROM outbox_events o JOIN territories t ON t.id = o.territory_id WHERE o.record_id = $1`, [rdvId]);
    const consumer = new NotificationsConsumer(test.platform, pipeline.log);
    // Two more deliveries at once.
    await Promise.all([consumer.handle(eventOf(row)), consumer.handle(eventOf(row))]);
    expect(mailsTo(address)).toHaveLength(sent);
    expect(await settledReceipts(rdvId, 3)).toHaveLength(3);
  });

  it('uses the territory\'s channels and texts, and says nothing when the agent asks not to notify', async () => {
    const config = await test.call('get', '/api/v1/territories/current/config/notifications', { token: f.tokens.territorialAdmin });
    const document = structuredClone(config.body.document);
    document.events.rdv_created.channels = ['email'];
    document.events.rdv_noshow.channels = ['email'];
    document.templates = { rdv_created: { email: { subject: 'Votre RDV {{rdv.date}}', text: 'Bonjour {{usager.first_name}}, à {{rdv.time}}.', html: '<p>Bonjour {{usager.first_name}}</p>' } } };
    expectStatus(await test.call('put', '/api/v1/territories/current/config/notifications', { token: f.tokens.territorialAdmin, body: document }), 200);
    const address = 'eloise@example.fr';
    const eloise = await f.createUser(f.mairie, f.tokens.mairieAdmin, { first_name: 'Éloïse', last_name: 'Roux', email: address, phone_number: '0611223344' });

    const rdvId = await book({ starts_at: '2026-12-07T09:00:00+01:00', user_ids: [eloise] });
    const created = parseMime((await nextMailTo(address, 0)).raw);
    expect(created.headers.get('subject')).toBe('Votre RDV lundi 7 décembre 2026');
    expect(partOfType(created, 'text/plain').body).toBe('Bonjour Éloïse, à 09h00.');
    expect((await settledReceipts(rdvId, 2)).filter((receipt) => receipt.recipient_type === 'user').map((receipt) => receipt.channel)).toEqual(['email']);

    await change(rdvId, { status: 'noshow' });
    const noshow = parseMime((await nextMailTo(address, 1)).raw);
    expect(noshow.headers.get('subject')).toBe('Rendez-vous manqué du lundi 7 décembre 2026 à 09h00');
    expect(leafParts(noshow).map((part) => part.headers.get('content-type')?.split(';')[0])).toEqual(['text/plain', 'text/html']);

    const quiet = await book({ starts_at: '2026-12-07T10:00:00+01:00', user_ids: [eloise], notify: false }, f.tokens.etatCivil);
    await waitFor(async () => (await test.sql(`SELECT 1 FROM consumer_receipts r JOIN outbox_events o ON o.id = r.event_id WHERE o.record_id = $1 AND r.status = 'done'`, [quiet])).length === 1);
    expect(await test.sql(`SELECT * FROM notification_receipts WHERE rdv_id = $1`, [quiet])).toEqual([]);
    expect(mailsTo(address)).toHaveLength(2);
  });

  it("uses a motif's own channels and texts for its rdvs, and the territory's for another motif's", async () => {
    const url = '/api/v1/territories/current/config/notifications';
    const document = structuredClone((await test.call('get', url, { token: f.tokens.territorialAdmin })).body.document);
    document.events.rdv_created.channels = ['email'];
    document.templates = { rdv_created: { email: { subject: 'Votre RDV {{rdv.date}}', text: 'Bonjour {{usager.first_name}}.', html: '<p>Bonjour {{usager.first_name}}</p>' } } };
    document.motif_overrides = {
      [f.cni]: {
        events: { rdv_created: { channels: ['email', 'sms'] } },
        templates: { rdv_created: { email: { subject: 'Titres : votre RDV {{rdv.date}}', text: 'Apportez vos pièces, {{usager.first_name}}.', html: '<p>Apportez vos pièces</p>' } } },
      },
    };
    expectStatus(await test.call('put', url, { token: f.tokens.territorialAdmin, body: document }), 200);
    const address = 'yann@example.fr';
    const yann = await f.createUser(f.mairie, f.tokens.mairieAdmin, { first_name: 'Yann', last_name: 'Morel', email: address, phone_number: '0622334455' });

    const titres = await book({ starts_at: '2026-12-08T11:00:00+01:00', user_ids: [yann] });
    const mail = parseMime((await nextMailTo(address, 0)).raw);
    expect(mail.headers.get('subject')).toBe('Titres : votre RDV mardi 8 décembre 2026');
    expect(partOfType(mail, 'text/plain').body).toBe('Apportez vos pièces, Yann.');
    const usagerChannels = async (rdvId: string, count: number) => (await settledReceipts(rdvId, count))
      .filter((receipt) => receipt.recipient_type === 'user').map((receipt) => receipt.channel).sort();
    expect(await usagerChannels(titres, 3)).toEqual(['email', 'sms']);

    const urbanisme = await book({ motif_id: f.permis, agent_ids: [f.basicUrbanisme], starts_at: '2026-12-08T14:30:00+01:00', user_ids: [yann] });
    expect(parseMime((await nextMailTo(address, 1)).raw).headers.get('subject')).toBe('Votre RDV mardi 8 décembre 2026');
    expect(await usagerChannels(urbanisme, 2)).toEqual(['email']);
  });
});
