import { TestPlatform } from '../../support/platform';
import { expectProblem, fingerprint } from '../foundation/helpers';
import { agendaFixture, AgendaFixture, errorPaths, expectStatus, NOW } from './helpers';

describe('absences', () => {
  let test: TestPlatform;
  let f: AgendaFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await agendaFixture(test);
  });
  afterAll(() => test?.stop());

  const absence = (extra: Record<string, unknown> = {}) => ({
    agent_id: f.basicEtatCivil, title: 'Formation', first_day: '2026-12-02', start_time: '14:00', end_time: '17:00', ...extra,
  });

  it('lets an agent record one day, several days or a recurring absence, each with an event naming no organisation', async () => {
    const oneDay = await test.call('post', '/api/v1/absences', { token: f.tokens.etatCivil, body: absence() });
    expectStatus(oneDay, 201);
    expect(oneDay.body).toMatchObject({ agent_id: f.basicEtatCivil, first_day: '2026-12-02', end_day: null, start_time: '14:00', end_time: '17:00', recurrence: null });
    const holidays = await test.call('post', '/api/v1/absences', {
      token: f.tokens.etatCivil, body: absence({ title: 'Congés', first_day: '2026-12-21', end_day: '2026-12-23', start_time: '09:00', end_time: '18:00' }),
    });
    expectStatus(holidays, 201);
    const wednesdays = await test.call('post', '/api/v1/absences', {
      token: f.tokens.etatCivil, body: absence({ title: 'Temps partiel', first_day: '2026-12-09', recurrence: 'FREQ=WEEKLY;BYDAY=WE', until: '2027-06-30' }),
    });
    expectStatus(wednesdays, 201);
    const events = await test.sql(`SELECT event, organisation_id FROM outbox_events WHERE model = 'absence' ORDER BY id`);
    expect(events).toEqual([1, 2, 3].map(() => ({ event: 'created', organisation_id: null })));

    const listed = await test.call('get', '/api/v1/absences', { token: f.tokens.etatCivil });
    expect(listed.body.data.map((a: { title: string }) => a.title)).toEqual(['Formation', 'Temps partiel', 'Congés']);
    expect(listed.body.meta.total_count).toBe(3);
  });

  it('refuses reversed days, endless recurrences and impossible times, writing nothing', async () => {
    const before = await fingerprint(test);
    const cases: [Record<string, unknown>, string[]][] = [
      [{ end_day: '2026-12-01' }, ['end_day']],
      [{ start_time: '17:00', end_time: '14:00' }, ['end_time']],
      [{ end_time: '24:00' }, ['end_time']],
      [{ recurrence: 'FREQ=WEEKLY;BYDAY=WE' }, ['until']],
      [{ recurrence: 'FREQ=DAILY;BYDAY=MO', until: '2027-01-01' }, ['recurrence']],
      [{ first_day: '2027-03-28', start_time: '02:15', end_time: '05:00' }, ['start_time']],
      [{ agent_id: 'not-an-id' }, ['agent_id']],
    ];
    for (const [change, paths] of cases) {
      const response = await test.call('post', '/api/v1/absences', { token: f.tokens.etatCivil, body: absence(change) });
      expectProblem(response, 422);
      expect({ change, paths: errorPaths(response) }).toEqual({ change, paths });
    }
    expect(await fingerprint(test)).toEqual(before);
  });

  it("lets admins and the Secrétariat manage an agent's absences, not a basic colleague", async () => {
    expectStatus(await test.call('post', '/api/v1/absences', { token: f.tokens.mairieAdmin, body: absence({ title: 'Réunion' }) }), 201);
    expectStatus(await test.call('post', '/api/v1/absences', { token: f.tokens.secretariat, body: absence({ agent_id: f.basicUrbanisme }) }), 201);
    expectProblem(await test.call('post', '/api/v1/absences', { token: f.tokens.etatCivil, body: absence({ agent_id: f.mairieAdmin }) }), 403);
    const unseen = await test.call('post', '/api/v1/absences', { token: f.tokens.etatCivil, body: absence({ agent_id: f.basicUrbanisme }) });
    expectProblem(unseen, 422);
    expect(errorPaths(unseen)).toEqual(['agent_id']);
    // The CCAS admin does not work with the mairie's agents.
    expectProblem(await test.call('post', '/api/v1/absences', { token: f.tokens.ccasAdmin, body: absence() }), 422);
    expectProblem(await test.call('get', `/api/v1/absences?agent_id=${f.basicEtatCivil}`, { token: f.tokens.urbanisme }), 404);
    const seenByAdmin = await test.call('get', `/api/v1/absences?agent_id=${f.basicEtatCivil}`, { token: f.tokens.mairieAdmin });
    expect(seenByAdmin.body.data.length).toBeGreaterThan(0);
  });

  it('changes and deletes an absence with events; other agents and territories get 403 or 404', async () => {
    const created = await test.call('post', '/api/v1/absences', { token: f.tokens.etatCivil, body: absence({ title: 'Rendez-vous médical', first_day: '2027-01-12' }) });
    const path = `/api/v1/absences/${created.body.id}`;
    const changed = await test.call('patch', path, { token: f.tokens.etatCivil, body: { start_time: '08:30' } });
    expectStatus(changed, 200);
    expect(changed.body).toMatchObject({ start_time: '08:30', end_time: '17:00', title: 'Rendez-vous médical' });
    expectProblem(await test.call('patch', path, { token: f.tokens.etatCivil, body: { end_day: '2027-01-11' } }), 422);
    expectProblem(await test.call('get', path, { token: f.tokens.urbanisme }), 404);
    const other = await test.createTerritory('Autre territoire', 'admin@autre.test');
    expectProblem(await test.call('get', path, { token: other.token }), 404);
    expectProblem(await test.call('delete', path, { token: other.token }), 404);

    expectStatus(await test.call('delete', path, { token: f.tokens.etatCivil }), 204);
    const events = await test.sql(`SELECT event FROM outbox_events WHERE record_id = $1 ORDER BY id`, [created.body.id]);
    expect(events.map((e) => e.event)).toEqual(['created', 'updated', 'destroyed']);
    expectProblem(await test.call('get', path, { token: f.tokens.etatCivil }), 404);
  });
});
