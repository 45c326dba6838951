import { platformMail } from '../../../platform/src/notifications/mail';
import { demoIds, TestPlatform } from '../../support/platform';
import { icsLines } from '../../unit/notifications/mime';

describe("agents' notification preferences and webcal feed", () => {
  let test: TestPlatform;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let agent: string;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: new Date('2030-03-01T08:00:00Z') });
    ids = await demoIds(test);
    agent = await test.signIn('agent.etatcivil@demo.test');
  });
  afterAll(() => test.stop());

  /** An rdv in an agent's agenda, with an usager whose name must not leak into calendars. */
  async function insertRdv(agentId: string, startsAt: string, status = 'unknown'): Promise<string> {
    const [motif] = await test.sql(`SELECT id, territory_id FROM motifs WHERE name LIKE 'Carte d''identité%'`);
    const [lieu] = await test.sql(`SELECT id FROM lieux WHERE name = 'Hôtel de ville'`);
    const endsAt = new Date(new Date(startsAt).getTime() + 20 * 60_000).toISOString();
    const [rdv] = await test.sql(
      `INSERT INTO rdvs (territory_id, organisation_id, motif_id, lieu_id, starts_at, ends_at, status, created_by, context, sequence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'agent', 'Madame Zoé Quintal, dossier sensible', 2) RETURNING id`,
      [motif.territory_id, ids.mairie, motif.id, lieu.id, startsAt, endsAt, status],
    );
    await test.sql(
      `INSERT INTO rdv_agents (territory_id, rdv_id, agent_id, starts_at, ends_at, active, overbooked)
       VALUES ($1, $2, $3, $4, $5, $6, false)`,
      [motif.territory_id, rdv.id, agentId, startsAt, endsAt, ['unknown', 'seen', 'noshow'].includes(status)],
    );
    return rdv.id;
  }

  it('start at changes made by others for rdvs, all changes for plages and absences, and can be changed', async () => {
    const initial = await test.call('get', '/api/v1/agents/me/notification_preferences', { token: agent });
    expect(initial.body).toEqual({ rdv_notifications_level: 'others', plage_ouverture_notification_level: 'all', absence_notification_level: 'all' });

    const changed = await test.call('patch', '/api/v1/agents/me/notification_preferences', { token: agent, body: { rdv_notifications_level: 'soon' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ rdv_notifications_level: 'soon', plage_ouverture_notification_level: 'all', absence_notification_level: 'all' });

    const refused = await test.call('patch', '/api/v1/agents/me/notification_preferences', { token: agent, body: { absence_notification_level: 'sometimes' } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe('absence_notification_level');
    // Only the signed-in agent's own preferences changed.
    const [other] = await test.sql(`SELECT rdv_notifications_level FROM agents WHERE id = $1`, [ids.mairieAdmin]);
    expect(other.rdv_notifications_level).toBe('others');
  });

  it('lists the agent\'s active rdvs with motif, address and link, and nothing about the usager', async () => {
    const mine = await insertRdv(ids.basicEtatCivil, '2030-03-04T09:00:00Z');
    const cancelled = await insertRdv(ids.basicEtatCivil, '2030-03-05T09:00:00Z', 'revoked');
    const colleagues = await insertRdv(ids.mairieAdmin, '2030-03-04T09:00:00Z');
    await test.sql(
      `INSERT INTO users (territory_id, first_name, last_name, email, phone_number)
       SELECT territory_id, 'Zoé', 'Quintal', 'zoe.quintal@example.org', '0612345678' FROM rdvs WHERE id = $1`,
      [mine],
    );

    const links = await test.call('get', '/api/v1/agents/me/calendar', { token: agent });
    expect(links.status).toBe(200);
    expect(links.body.webcal_url).toBe(links.body.url.replace(/^http:/, 'webcal:'));
    const feed = await fetch(links.body.url);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toMatch(/^text\/calendar/);
    const ics = await feed.text();
    const lines = icsLines(ics);

    expect(lines.filter((line) => line === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^UID:rdv-${mine}@`)));
    expect(ics).not.toContain(cancelled);
    expect(ics).not.toContain(colleagues);
    expect(lines).toContain('SUMMARY:Carte d\'identité et passeport');
    expect(lines).toContain('LOCATION:Hôtel de ville\\, 1 place de la Mairie\\, 71000 Val-Fleuri');
    expect(lines).toContain('SEQUENCE:2');
    expect(lines).toContain('DTSTART:20300304T090000Z');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^URL.*/admin/rdvs/${mine}$`)));
    expect(ics).not.toMatch(/Zoé|Quintal|sensible|zoe\.quintal|0612345678/);
  });

  it('answers 404 for an unknown address, and a regenerated address replaces the old one', async () => {
    expect((await fetch(`${test.baseUrl}/calendrier/not-a-real-calendar-uid-at-all.ics`)).status).toBe(404);

    const before = (await test.call('get', '/api/v1/agents/me/calendar', { token: agent })).body.url;
    const regenerated = await test.call('post', '/api/v1/agents/me/calendar_uid/regenerate', { token: agent });
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.url).not.toBe(before);
    expect((await fetch(before)).status).toBe(404);
    expect((await fetch(regenerated.body.url)).status).toBe(200);
  });
});

describe('the dev mailbox', () => {
  it('shows the mail sent without SMTP_URL, as HTML and JSON', async () => {
    const test = await TestPlatform.start({ demo: false });
    try {
      await platformMail(test.platform).send({
        from: { name: 'Mairie', address: 'no-reply@lapin.localhost' },
        to: { name: 'Zoé', address: 'zoe@example.org' },
        subject: 'Rendez-vous <confirmé>',
        text: 'Bonjour Zoé',
        html: '<p>Bonjour Zoé</p>',
      });
      const json = await test.call('get', '/dev/mailbox?format=json');
      expect(json.status).toBe(200);
      expect(json.body.data).toEqual([expect.objectContaining({ subject: 'Rendez-vous <confirmé>', to: { name: 'Zoé', address: 'zoe@example.org' }, text: 'Bonjour Zoé' })]);
      expect(json.body.data[0].raw).toMatch(/^Subject: /m);

      const html = await fetch(`${test.baseUrl}/dev/mailbox`);
      expect(html.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await html.text();
      expect(page).toContain('Rendez-vous &#60;confirmé&#62;');
      expect(page).not.toContain('<confirmé>');
    } finally {
      await test.stop();
    }
  });

  it('does not exist when mail goes to an SMTP server', async () => {
    const test = await TestPlatform.start({ demo: false, config: { smtpUrl: 'smtp://127.0.0.1:1' } });
    try {
      expect((await test.call('get', '/dev/mailbox?format=json')).status).toBe(404);
    } finally {
      await test.stop();
    }
  });
});
