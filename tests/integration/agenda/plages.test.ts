import { tx } from '../../../platform/src/db/database';
import { TestPlatform } from '../../support/platform';
import { expectProblem, fingerprint } from '../foundation/helpers';
import { agendaFixture, AgendaFixture, errorPaths, expectStatus, NOW, plageBody } from './helpers';

describe("plages d'ouverture", () => {
  let test: TestPlatform;
  let f: AgendaFixture;
  const plages = (org: string) => `/api/v1/organisations/${org}/plages_ouverture`;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await agendaFixture(test);
  });
  afterAll(() => test?.stop());

  async function create(token: string, body: Record<string, unknown>, org = f.mairie) {
    return test.call('post', plages(org), { token, body });
  }

  describe('creating', () => {
    it('lets an admin create a recurring plage for an agent of the organisation, with an outbox event', async () => {
      const response = await create(f.tokens.mairieAdmin, plageBody(f));
      expectStatus(response, 201);
      expect(response.body).toMatchObject({
        organisation_id: f.mairie, agent_id: f.basicEtatCivil, lieu_id: f.hotelDeVille, motif_ids: [f.cni],
        first_day: '2026-11-30', start_time: '09:00', end_time: '12:00', recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
        until: '2027-06-30', exdates: [], warnings: [],
      });
      const events = await test.sql(`SELECT event, organisation_id, payload FROM outbox_events WHERE model = 'plage_ouverture' AND record_id = $1`, [response.body.id]);
      expect(events).toEqual([expect.objectContaining({ event: 'created', organisation_id: f.mairie })]);
      expect(events[0].payload).toMatchObject({ id: response.body.id, agent_id: f.basicEtatCivil });
    });

    it('allows overlapping plages but answers a warning naming the other plage', async () => {
      const first = await create(f.tokens.etatCivil, plageBody(f, { title: 'Permanence du mardi', first_day: '2027-01-05', recurrence: 'FREQ=WEEKLY;BYDAY=TU', until: '2027-03-30', start_time: '14:00', end_time: '17:00' }));
      expectStatus(first, 201);
      expect(first.body.warnings).toEqual([]);
      const overlapping = await create(f.tokens.etatCivil, plageBody(f, { lieu_id: f.annexe, title: 'Annexe', first_day: '2027-02-09', recurrence: null, until: null, start_time: '16:00', end_time: '18:00' }));
      expectStatus(overlapping, 201);
      expect(overlapping.body.warnings).toEqual([
        expect.objectContaining({ code: 'overlapping_plage', plage_ouverture_id: first.body.id, message: expect.stringContaining('2027-02-09') }),
      ]);
      const touching = await create(f.tokens.etatCivil, plageBody(f, { first_day: '2027-02-16', recurrence: null, until: null, start_time: '17:00', end_time: '18:00' }));
      expect(touching.body.warnings).toEqual([]);
    });

    it('lets the Secrétariat create plages for any agent of its organisation', async () => {
      const permis = await create(f.tokens.secretariat, plageBody(f, { agent_id: f.basicUrbanisme, motif_ids: [f.permis], first_day: '2026-12-01' }));
      expectStatus(permis, 201);
    });

    it("refuses a basic agent writing a same-service colleague's plages (403) and does not show other services' agents (422)", async () => {
      const forColleague = await create(f.tokens.etatCivil, plageBody(f, { agent_id: f.mairieAdmin }));
      expectProblem(forColleague, 403);
      const forOtherService = await create(f.tokens.etatCivil, plageBody(f, { agent_id: f.basicUrbanisme, motif_ids: [f.permis] }));
      expectProblem(forOtherService, 422);
      expect(errorPaths(forOtherService)).toEqual(['agent_id']);
    });

    it('refuses motifs, lieux and agents that are not of the organisation or not of the agent, with their paths', async () => {
      const response = await create(f.tokens.territorialAdmin, plageBody(f, {
        agent_id: f.basicUrbanisme,
        lieu_id: f.maisonSolidarites,
        motif_ids: [f.permis, f.cni, f.accueilSocial, '00000000-0000-4000-8000-000000000000'],
      }));
      expectProblem(response, 422);
      expect(response.body.errors).toEqual(expect.arrayContaining([
        { path: 'lieu_id', message: 'is not a lieu of this organisation' },
        { path: 'motif_ids.1', message: "is not a motif of the agent's services" },
        { path: 'motif_ids.2', message: 'is not a motif of this organisation' },
        { path: 'motif_ids.3', message: 'is not a motif of this organisation' },
      ]));
      expect(errorPaths(response)).toEqual(['lieu_id', 'motif_ids.1', 'motif_ids.2', 'motif_ids.3']);

      const ccasAgent = await create(f.tokens.territorialAdmin, plageBody(f, { agent_id: f.ccasAdmin }));
      expectProblem(ccasAgent, 422);
      expect(ccasAgent.body.errors).toContainEqual({ path: 'agent_id', message: 'is not an agent of this organisation' });
    });

    it("accepts in a Secrétariat agent's plages only the motifs an admin opened to the Secrétariat", async () => {
      const body = plageBody(f, { agent_id: f.secretariat, motif_ids: [f.mariage], first_day: '2027-04-05', recurrence: null, until: null });
      const refused = await create(f.tokens.secretariat, body);
      expectProblem(refused, 422);
      expect(errorPaths(refused)).toEqual(['motif_ids.0']);
      expectStatus(await test.call('patch', `/api/v1/motifs/${f.mariage}`, { token: f.tokens.mairieAdmin, body: { for_secretariat: true } }), 200);
      expectStatus(await create(f.tokens.secretariat, body), 201);
    });

    it('refuses bad times and recurrences with the field in error, writing nothing', async () => {
      const before = await fingerprint(test);
      const cases: [Record<string, unknown>, string[]][] = [
        [{ end_time: '24:00' }, ['end_time']],
        [{ start_time: '12:00', end_time: '09:00' }, ['end_time']],
        [{ start_time: '10:00', end_time: '10:00' }, ['end_time']],
        [{ until: '2026-11-01' }, ['until']],
        [{ first_day: '2026-02-30' }, ['first_day']],
        [{ recurrence: 'FREQ=WEEKLY;BYDAY=SU', first_day: '2026-12-01', until: '2026-12-05' }, ['recurrence']],
        [{ recurrence: 'FREQ=YEARLY' }, ['recurrence']],
        [{ recurrence: 'FREQ=WEEKLY;BYDAY=MO', until: null }, ['until']],
        [{ recurrence: 'FREQ=WEEKLY;BYDAY=MO', until: '2040-01-01' }, ['until']],
        [{ recurrence: 'FREQ=MONTHLY;COUNT=900', until: null }, ['recurrence']],
        [{ recurrence: null, until: null, first_day: '2027-03-28', start_time: '02:30', end_time: '04:00' }, ['start_time']],
        [{ exdates: ['2026-12-01', 'someday'] }, ['exdates.1']],
        [{ motif_ids: [] }, ['motif_ids']],
        [{ colour: 'red' }, ['colour']],
      ];
      for (const [change, paths] of cases) {
        const response = await create(f.tokens.mairieAdmin, plageBody(f, change));
        expectProblem(response, 422);
        expect({ change, paths: errorPaths(response) }).toEqual({ change, paths });
      }
      expect(await fingerprint(test)).toEqual(before);
    });
  });

  describe('reading, changing and deleting', () => {
    let annes: string;
    let marcs: string;

    beforeAll(async () => {
      annes = (await create(f.tokens.mairieAdmin, plageBody(f, { title: 'Anne lundi', first_day: '2027-05-03', recurrence: null, until: null }))).body.id;
      marcs = (await create(f.tokens.mairieAdmin, plageBody(f, { agent_id: f.mairieAdmin, title: 'Marc lundi', first_day: '2027-05-03', recurrence: null, until: null }))).body.id;
    });

    it('lists the plages of the agents one can see: colleagues sharing a service, everyone for admins', async () => {
      const listed = async (token: string) => (await test.call('get', `${plages(f.mairie)}?per_page=200`, { token })).body.data.map((p: { id: string }) => p.id);
      expect(await listed(f.tokens.etatCivil)).toEqual(expect.arrayContaining([annes, marcs]));
      expect(await listed(f.tokens.urbanisme)).not.toContain(annes);
      expect(await listed(f.tokens.mairieAdmin)).toEqual(expect.arrayContaining([annes, marcs]));
      const onlyMarc = await test.call('get', `${plages(f.mairie)}?agent_id=${f.mairieAdmin}`, { token: f.tokens.mairieAdmin });
      expect(onlyMarc.body.data.every((p: { agent_id: string }) => p.agent_id === f.mairieAdmin)).toBe(true);
      expect(onlyMarc.body.meta.total_count).toBe(onlyMarc.body.data.length);
      expectProblem(await test.call('get', plages(f.ccas), { token: f.tokens.etatCivil }), 404);
    });

    it("hides a plage from agents who cannot see its agent (404)", async () => {
      expectStatus(await test.call('get', `/api/v1/plages_ouverture/${annes}`, { token: f.tokens.etatCivil }), 200);
      expectProblem(await test.call('get', `/api/v1/plages_ouverture/${annes}`, { token: f.tokens.urbanisme }), 404);
      expectProblem(await test.call('patch', `/api/v1/plages_ouverture/${annes}`, { token: f.tokens.urbanisme, body: { title: 'x' } }), 404);
      expectProblem(await test.call('get', '/api/v1/plages_ouverture/not-an-id', { token: f.tokens.etatCivil }), 404);
    });

    it('lets an agent change their own plage, revalidating the whole definition', async () => {
      const changed = await test.call('patch', `/api/v1/plages_ouverture/${annes}`, { token: f.tokens.etatCivil, body: { end_time: '11:30', exdates: [] } });
      expectStatus(changed, 200);
      expect(changed.body).toMatchObject({ id: annes, start_time: '09:00', end_time: '11:30', title: 'Anne lundi' });
      const reversed = await test.call('patch', `/api/v1/plages_ouverture/${annes}`, { token: f.tokens.etatCivil, body: { start_time: '12:00' } });
      expectProblem(reversed, 422);
      expect(errorPaths(reversed)).toEqual(['end_time']);
      const [row] = await test.sql(`SELECT start_time, end_time FROM plages_ouverture WHERE id = $1`, [annes]);
      expect(row).toEqual({ start_time: '09:00', end_time: '11:30' });
      const events = await test.sql(`SELECT event FROM outbox_events WHERE record_id = $1 ORDER BY id`, [annes]);
      expect(events.map((e) => e.event)).toEqual(['created', 'updated']);
    });

    it("refuses a basic agent changing or deleting a same-service colleague's plage (403)", async () => {
      expectProblem(await test.call('patch', `/api/v1/plages_ouverture/${marcs}`, { token: f.tokens.etatCivil, body: { title: 'x' } }), 403);
      expectProblem(await test.call('delete', `/api/v1/plages_ouverture/${marcs}`, { token: f.tokens.etatCivil }), 403);
      expectProblem(await test.call('patch', `/api/v1/plages_ouverture/${annes}`, { token: f.tokens.etatCivil, body: { agent_id: f.mairieAdmin } }), 403);
    });

    it('deletes a plage with a destroyed event', async () => {
      const deleted = await test.call('delete', `/api/v1/plages_ouverture/${marcs}`, { token: f.tokens.mairieAdmin });
      expectStatus(deleted, 200);
      expect(deleted.body).toEqual({ unscheduled_rdv_ids: [], rdvs_outside_plages: 0 });
      expect(await test.sql(`SELECT id FROM plages_ouverture WHERE id = $1`, [marcs])).toEqual([]);
      const [event] = await test.sql(`SELECT event, payload FROM outbox_events WHERE record_id = $1 ORDER BY id DESC LIMIT 1`, [marcs]);
      expect(event).toMatchObject({ event: 'destroyed', payload: { id: marcs, title: 'Marc lundi' } });
      expectProblem(await test.call('get', `/api/v1/plages_ouverture/${marcs}`, { token: f.tokens.mairieAdmin }), 404);
    });

    it("answers 404 to another territory's agents, for reads and writes alike", async () => {
      const other = await test.createTerritory('Territoire voisin', 'admin@voisin.test');
      expectProblem(await test.call('get', `/api/v1/plages_ouverture/${annes}`, { token: other.token }), 404);
      expectProblem(await test.call('delete', `/api/v1/plages_ouverture/${annes}`, { token: other.token }), 404);
      expectProblem(await create(other.token, plageBody(f)), 404);
      expectProblem(await test.call('get', plages(f.mairie), { token: other.token }), 404);

      // Below the API, PostgreSQL itself refuses agenda rows pointing at another territory's records.
      const sqlState = (statement: Promise<unknown>) => statement.then(() => undefined, (error) => error.driverError?.code ?? error.code);
      const [{ id: otherAgent }] = await test.sql(`SELECT id FROM agents WHERE email = 'admin@voisin.test'`);
      const intrusions: [string, unknown[]][] = [
        [`INSERT INTO plages_ouverture (territory_id, organisation_id, agent_id, lieu_id, motif_ids, first_day, start_time, end_time, last_day)
          VALUES ($1, $2, $3, $4, $5, '2027-01-04', '09:00', '12:00', '2027-01-04')`, [other.id, f.mairie, otherAgent, f.hotelDeVille, [f.cni]]],
        [`INSERT INTO absences (territory_id, agent_id, first_day, start_time, end_time, last_day)
          VALUES ($1, $2, '2027-01-04', '09:00', '12:00', '2027-01-04')`, [other.id, f.basicEtatCivil]],
        [`INSERT INTO closures (territory_id, organisation_id, first_day, end_day) VALUES ($1, $2, '2027-01-04', '2027-01-04')`, [other.id, f.mairie]],
      ];
      for (const [statement, parameters] of intrusions) {
        expect(await sqlState(test.db.tenant(other.id, () => tx().query(statement, parameters)))).toBe('23503');
      }
    });
  });

  describe('one day with its own hours', () => {
    // Hugo (Urbanisme): Thursdays 14:00–17:00 at the Hôtel de ville in September 2027, for the permis motif.
    let series: string;
    const occurrences = (id: string, body: Record<string, unknown>, token = f.tokens.urbanisme) =>
      test.call('post', `/api/v1/plages_ouverture/${id}/occurrences`, { token, body });
    const slotTimes = async (day: string) => {
      const response = await test.call('get', `/api/v1/organisations/${f.mairie}/creneaux?motif_id=${f.permis}&from=${day}&to=${day}`, { token: f.tokens.urbanisme });
      expectStatus(response, 200);
      return response.body.data.filter((slot: { agent_id: string }) => slot.agent_id === f.basicUrbanisme)
        .map((slot: { starts_at: string; lieu_id: string }) => `${slot.starts_at.slice(11, 16)}${slot.lieu_id === f.annexe ? '@annexe' : ''}`);
    };

    beforeAll(async () => {
      const created = await create(f.tokens.urbanisme, plageBody(f, {
        agent_id: f.basicUrbanisme, motif_ids: [f.permis], title: 'Urbanisme jeudi', first_day: '2027-09-02',
        start_time: '14:00', end_time: '17:00', recurrence: 'FREQ=WEEKLY;BYDAY=TH', until: '2027-09-30',
      }));
      expectStatus(created, 201);
      series = created.body.id;
    });

    it('gives one Thursday other hours and lieu at once: the series skips it, a one-day plage holds it, the créneaux follow', async () => {
      const before = await slotTimes('2027-09-09');
      expect(before[0]).toBe('14:00');
      const moved = await occurrences(series, { day: '2027-09-09', start_time: '15:00', end_time: '16:30', lieu_id: f.annexe });
      expectStatus(moved, 201);
      expect(moved.body).toMatchObject({
        agent_id: f.basicUrbanisme, lieu_id: f.annexe, motif_ids: [f.permis], title: 'Urbanisme jeudi',
        first_day: '2027-09-09', start_time: '15:00', end_time: '16:30', recurrence: null, until: null, warnings: [], rdvs_outside_plages: 0,
      });
      expect(moved.body.series).toMatchObject({ id: series, start_time: '14:00', end_time: '17:00', exdates: ['2027-09-09'] });

      const after = await slotTimes('2027-09-09');
      expect(after[0]).toBe('15:00@annexe');
      expect(after.every((time: string) => time >= '15:00' && time < '16:30' && time.endsWith('@annexe'))).toBe(true);
      expect((await slotTimes('2027-09-16'))[0]).toBe('14:00');
      const events = await test.sql(`SELECT event, record_id FROM outbox_events WHERE model = 'plage_ouverture' AND record_id = ANY($1::text[]) ORDER BY id`, [[series, moved.body.id]]);
      expect(events.map((event) => [event.event, event.record_id])).toEqual([['created', series], ['updated', series], ['created', moved.body.id]]);
    });

    it("warns when the day's new hours overlap another plage of the agent", async () => {
      const other = await create(f.tokens.urbanisme, plageBody(f, {
        agent_id: f.basicUrbanisme, motif_ids: [f.permis], title: 'Permanence', first_day: '2027-09-23', recurrence: null, until: null, start_time: '09:00', end_time: '11:00',
      }));
      expectStatus(other, 201);
      const moved = await occurrences(series, { day: '2027-09-23', start_time: '10:00', end_time: '12:00' });
      expectStatus(moved, 201);
      expect(moved.body.warnings).toEqual([expect.objectContaining({ code: 'overlapping_plage', plage_ouverture_id: other.body.id })]);
    });

    it('refuses hours ending before they start, a day the series does not have, another organisation\'s lieu, with their paths, writing nothing', async () => {
      const before = await fingerprint(test);
      const cases: [Record<string, unknown>, string[]][] = [
        [{ day: '2027-09-16', start_time: '16:00', end_time: '15:00' }, ['end_time']],
        [{ day: '2027-09-15', start_time: '15:00', end_time: '16:00' }, ['day']],
        [{ day: '2027-09-09', start_time: '15:00', end_time: '16:00' }, ['day']],
        [{ day: '2027-10-07', start_time: '15:00', end_time: '16:00' }, ['day']],
        [{ day: '2027-09-16', start_time: '15:00', end_time: '16:00', lieu_id: f.maisonSolidarites }, ['lieu_id']],
        [{ day: '2027-09-15', start_time: '17:00', end_time: '16:00' }, ['day', 'end_time']],
        [{ day: '2027-09-16', start_time: '15:00' }, ['end_time']],
      ];
      for (const [body, paths] of cases) {
        const response = await occurrences(series, body);
        expectProblem(response, 422);
        expect({ body, paths: errorPaths(response) }).toEqual({ body, paths });
      }
      expect(await fingerprint(test)).toEqual(before);
      const single = await create(f.tokens.urbanisme, plageBody(f, {
        agent_id: f.basicUrbanisme, motif_ids: [f.permis], first_day: '2027-09-28', recurrence: null, until: null, start_time: '09:00', end_time: '10:00',
      }));
      const after = await fingerprint(test);
      const refusedSingle = await occurrences(single.body.id, { day: '2027-09-28', start_time: '10:00', end_time: '11:00' });
      expectProblem(refusedSingle, 422);
      expect(errorPaths(refusedSingle)).toEqual(['day']);
      expect(await fingerprint(test)).toEqual(after);
    });

    it("answers 404 to an agent who cannot see the plage's agent, changing nothing", async () => {
      expectProblem(await occurrences(series, { day: '2027-09-30', start_time: '15:00', end_time: '16:00' }, f.tokens.etatCivil), 404);
      const [row] = await test.sql(`SELECT exdates::text[] AS exdates FROM plages_ouverture WHERE id = $1`, [series]);
      expect(row.exdates).not.toContain('2027-09-30');
    });
  });
});
