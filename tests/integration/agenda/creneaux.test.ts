import { TestPlatform } from '../../support/platform';
import { expectProblem } from '../foundation/helpers';
import { agendaFixture, AgendaFixture, errorPaths, expectStatus, NOW, plageBody } from './helpers';

interface Slot {
  starts_at: string;
  ends_at: string;
  agent_id: string;
  lieu_id: string;
  motif_id: string;
}

/** "Trouver un RDV": what agents and the public are offered, from plages minus everything that closes them. */
describe('créneaux', () => {
  let test: TestPlatform;
  let f: AgendaFixture;
  let anne: string;
  let marc: string;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await agendaFixture(test);
    anne = f.basicEtatCivil;
    marc = f.mairieAdmin;
    // Anne: weekdays 09:00–12:00 at the Hôtel de ville; Marc: weekdays 14:00–16:00 at the annexe. Both CNI (20 min).
    expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, { token: f.tokens.mairieAdmin, body: plageBody(f) }), 201);
    expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, {
      token: f.tokens.mairieAdmin,
      body: plageBody(f, { agent_id: marc, lieu_id: f.annexe, title: 'Annexe', start_time: '14:00', end_time: '16:00' }),
    }), 201);
  });
  afterAll(() => test?.stop());

  async function search(token: string, query: Record<string, string>, org = f.mairie) {
    return test.call('get', `/api/v1/organisations/${org}/creneaux?${new URLSearchParams(query)}`, { token });
  }

  async function slots(token: string, from: string, to = from, extra: Record<string, string> = {}): Promise<Slot[]> {
    const response = await search(token, { motif_id: f.cni, from, to, ...extra });
    expectStatus(response, 200);
    return response.body.data;
  }

  /** `09:00 anne@hotel`-style lines, for readable expectations. */
  function describe_(list: Slot[]): string[] {
    const names: Record<string, string> = { [anne]: 'anne', [marc]: 'marc', [f.hotelDeVille]: 'hotel', [f.annexe]: 'annexe' };
    return list.map((slot) => `${slot.starts_at.slice(11, 16)} ${names[slot.agent_id] ?? slot.agent_id}@${names[slot.lieu_id] ?? slot.lieu_id}`);
  }

  const onDay = (list: Slot[], day: string) => list.filter((slot) => slot.starts_at.startsWith(day));

  it("steps through the plages by the motif's duration, with the territory's offset, sorted by start", async () => {
    const monday = await slots(f.tokens.mairieAdmin, '2026-12-07');
    expect(monday[0]).toEqual({
      starts_at: '2026-12-07T09:00:00+01:00', ends_at: '2026-12-07T09:20:00+01:00', agent_id: anne, lieu_id: f.hotelDeVille, motif_id: f.cni,
    });
    expect(describe_(monday)).toEqual([
      '09:00 anne@hotel', '09:20 anne@hotel', '09:40 anne@hotel', '10:00 anne@hotel', '10:20 anne@hotel', '10:40 anne@hotel',
      '11:00 anne@hotel', '11:20 anne@hotel', '11:40 anne@hotel',
      '14:00 marc@annexe', '14:20 marc@annexe', '14:40 marc@annexe', '15:00 marc@annexe', '15:20 marc@annexe', '15:40 marc@annexe',
    ]);
    // Summer time: still 09:00 on the wall clock, now at +02:00.
    const afterClockChange = await slots(f.tokens.mairieAdmin, '2027-03-30');
    expect(afterClockChange[0].starts_at).toBe('2027-03-30T09:00:00+02:00');
    // Slots that have begun are not offered: "now" is 08:00 on Monday 30 November.
    expect((await slots(f.tokens.mairieAdmin, '2026-11-30'))[0].starts_at).toBe('2026-11-30T09:00:00+01:00');
    test.clock.set(new Date('2026-11-30T09:07:00Z')); // 10:07 in Paris: the next slot starts on the next 5 minutes
    // Two hours later, the earlier session has been idle too long: a new one.
    expect((await slots(await test.signIn('admin.mairie@demo.test'), '2026-11-30'))[0].starts_at).toBe('2026-11-30T10:10:00+01:00');
    test.clock.set(NOW);
  });

  it("closes public holidays by default and opens the ones the territory reopens", async () => {
    const christmasWeek = await slots(f.tokens.mairieAdmin, '2026-12-21', '2026-12-27');
    expect(onDay(christmasWeek, '2026-12-25')).toEqual([]);
    expect(onDay(christmasWeek, '2026-12-24')).toHaveLength(15);
    const config = '/api/v1/territories/current/config/holidays';
    expectStatus(await test.call('put', config, { token: f.tokens.territorialAdmin, body: { zone: 'metropole', reopened: ['2026-12-25'] } }), 200);
    expect(onDay(await slots(f.tokens.mairieAdmin, '2026-12-25'), '2026-12-25')).toHaveLength(15);
    expectStatus(await test.call('put', config, { token: f.tokens.territorialAdmin, body: { zone: 'metropole', reopened: [] } }), 200);
    expect(await slots(f.tokens.mairieAdmin, '2026-12-25')).toEqual([]);
  });

  it("gives no créneau, to agents nor to the public, on the territory's closed days of the week", async () => {
    const config = '/api/v1/territories/current/config/holidays';
    const publicWeek = async () => (await test.call('get',
      `/api/public/organisations/${f.mairieSlug}/creneaux?motif_id=${f.cni}&from=2027-01-11&to=2027-01-15`)).body.data as Slot[];
    expect(onDay(await publicWeek(), '2027-01-13')).not.toHaveLength(0);
    expectStatus(await test.call('put', config, {
      token: f.tokens.territorialAdmin, body: { zone: 'metropole', closed_weekdays: ['wednesday', 'saturday'], reopened: [] },
    }), 200);
    const week = await slots(f.tokens.etatCivil, '2027-01-11', '2027-01-15');
    expect(onDay(week, '2027-01-13')).toEqual([]);
    expect(onDay(week, '2027-01-12')).toHaveLength(15);
    expect(onDay(week, '2027-01-14')).toHaveLength(15);
    expect(onDay(await publicWeek(), '2027-01-13')).toEqual([]);
    expect(onDay(await publicWeek(), '2027-01-14')).not.toHaveLength(0);
    const unknownDay = await test.call('put', config, { token: f.tokens.territorialAdmin, body: { zone: 'metropole', closed_weekdays: ['mercredi'] } });
    expectProblem(unknownDay, 422);
    expect(errorPaths(unknownDay)).toEqual(['closed_weekdays.0']);
    expect(onDay(await slots(f.tokens.etatCivil, '2027-01-13'), '2027-01-13')).toEqual([]);

    expectStatus(await test.call('put', config, { token: f.tokens.territorialAdmin, body: { zone: 'metropole', reopened: [] } }), 200);
    expect(onDay(await slots(f.tokens.etatCivil, '2027-01-13'), '2027-01-13')).toHaveLength(15);
  });

  it('closes the whole organisation, or only the plages at one lieu, on exceptional closures', async () => {
    const closures = `/api/v1/organisations/${f.mairie}/closures`;
    const whole = await test.call('post', closures, { token: f.tokens.mairieAdmin, body: { first_day: '2027-01-05', end_day: '2027-01-05', reason: 'Inventaire' } });
    expectStatus(whole, 201);
    const annexe = await test.call('post', closures, { token: f.tokens.mairieAdmin, body: { first_day: '2027-01-06', end_day: '2027-01-06', lieu_id: f.annexe, reason: 'Travaux' } });
    expectStatus(annexe, 201);
    const week = await slots(f.tokens.mairieAdmin, '2027-01-04', '2027-01-08');
    expect(onDay(week, '2027-01-05')).toEqual([]);
    expect(describe_(onDay(week, '2027-01-06')).every((line) => line.endsWith('anne@hotel'))).toBe(true);
    expect(onDay(week, '2027-01-06')).toHaveLength(9);
    expect(onDay(week, '2027-01-07')).toHaveLength(15);

    const listed = await test.call('get', `${closures}?from=2027-01-06&to=2027-01-31`, { token: f.tokens.etatCivil });
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([annexe.body.id]);
    expectProblem(await test.call('post', closures, { token: f.tokens.etatCivil, body: { first_day: '2027-01-08', end_day: '2027-01-08' } }), 403);
    const invalid = await test.call('post', closures, { token: f.tokens.mairieAdmin, body: { first_day: '2027-01-08', end_day: '2027-01-07', lieu_id: f.maisonSolidarites } });
    expectProblem(invalid, 422);
    expect(errorPaths(invalid)).toEqual(['end_day', 'lieu_id']);

    expectStatus(await test.call('delete', `/api/v1/closures/${whole.body.id}`, { token: f.tokens.mairieAdmin }), 204);
    expect(onDay(await slots(f.tokens.mairieAdmin, '2027-01-05'), '2027-01-05')).toHaveLength(15);
    const other = await test.createTerritory('Territoire des closures', 'admin@closures.test');
    expectProblem(await test.call('delete', `/api/v1/closures/${annexe.body.id}`, { token: other.token }), 404);
  });

  it("removes absences and the agent's active rdvs in any organisation, with the rdv motif's buffer", async () => {
    expectStatus(await test.call('post', '/api/v1/absences', {
      token: f.tokens.etatCivil, body: { agent_id: anne, first_day: '2027-01-11', start_time: '10:00', end_time: '11:00' },
    }), 201);
    // An rdv of the CCAS (another organisation) takes Anne 09:00–09:30, and its motif keeps her 10 minutes more.
    await test.sql(`UPDATE motifs SET buffer_after_in_min = 10 WHERE id = $1`, [f.accueilSocial]);
    const book = async (startsAt: string, endsAt: string, status: string) => {
      const [rdv] = await test.sql(
        `INSERT INTO rdvs (territory_id, organisation_id, motif_id, starts_at, ends_at, status, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'agent') RETURNING id`,
        [f.territoryId, f.ccas, f.accueilSocial, startsAt, endsAt, status]);
      await test.sql(
        `INSERT INTO rdv_agents (territory_id, rdv_id, agent_id, starts_at, ends_at, active) VALUES ($1, $2, $3, $4, $5, $6)`,
        [f.territoryId, rdv.id, anne, startsAt, endsAt, status === 'unknown']);
    };
    await book('2027-01-11T08:00:00Z', '2027-01-11T08:30:00Z', 'unknown');
    await book('2027-01-12T08:00:00Z', '2027-01-12T09:00:00Z', 'excused');
    const anneOnly = { agent_ids: anne };
    expect(describe_(await slots(f.tokens.mairieAdmin, '2027-01-11', '2027-01-11', anneOnly))).toEqual([
      '09:40 anne@hotel', '11:00 anne@hotel', '11:20 anne@hotel', '11:40 anne@hotel',
    ]);
    // A cancelled rdv frees the time.
    expect(await slots(f.tokens.mairieAdmin, '2027-01-12', '2027-01-12', anneOnly)).toHaveLength(9);
  });

  it('shows the agents one may book: one’s own and same-service colleagues for basic agents, all for the Secrétariat', async () => {
    const agentsOf = (list: Slot[]) => [...new Set(list.map((slot) => slot.agent_id))].sort();
    expect(agentsOf(await slots(f.tokens.etatCivil, '2026-12-07'))).toEqual([anne, marc].sort());
    expect(agentsOf(await slots(f.tokens.secretariat, '2026-12-07'))).toEqual([anne, marc].sort());
    expect(agentsOf(await slots(f.tokens.etatCivil, '2026-12-07', '2026-12-07', { lieu_id: f.annexe }))).toEqual([marc]);
    // Hugo (Urbanisme) does not work with the CNI motif, nor with Anne's agenda.
    const urbanisme = await search(f.tokens.urbanisme, { motif_id: f.cni, from: '2026-12-07', to: '2026-12-07' });
    expectProblem(urbanisme, 404);
    expect(errorPaths(urbanisme)).toEqual(['motif_id']);
    const foreignAgent = await search(f.tokens.etatCivil, { motif_id: f.cni, from: '2026-12-07', to: '2026-12-07', agent_ids: `${anne},${f.basicUrbanisme}` });
    expectProblem(foreignAgent, 404);
    expect(errorPaths(foreignAgent)).toEqual(['agent_ids.1']);
    const foreignLieu = await search(f.tokens.etatCivil, { motif_id: f.cni, from: '2026-12-07', to: '2026-12-07', lieu_id: f.maisonSolidarites });
    expect(errorPaths(foreignLieu)).toEqual(['lieu_id']);
  });

  it('refuses reversed, missing and over-long ranges and unknown motifs with the parameter in error', async () => {
    const cases: [Record<string, string>, number, string[]][] = [
      [{ motif_id: f.cni, from: '2026-12-10', to: '2026-12-09' }, 422, ['to']],
      [{ motif_id: f.cni, from: '2026-12-01', to: '2027-06-02' }, 422, ['to']],
      [{ motif_id: f.cni, to: '2026-12-09' }, 422, ['from']],
      [{ motif_id: f.cni, from: '2026-13-01', to: '2026-12-09' }, 422, ['from']],
      [{ from: '2026-12-01', to: '2026-12-09' }, 422, ['motif_id']],
      [{ motif_id: '00000000-0000-4000-8000-000000000000', from: '2026-12-01', to: '2026-12-09' }, 404, ['motif_id']],
      [{ motif_id: f.accueilSocial, from: '2026-12-01', to: '2026-12-09' }, 404, ['motif_id']],
    ];
    for (const [query, status, paths] of cases) {
      const response = await search(f.tokens.mairieAdmin, query);
      expectProblem(response, status);
      expect({ query, paths: errorPaths(response) }).toEqual({ query, paths });
    }
    expect(await slots(f.tokens.mairieAdmin, '2026-12-01', '2027-06-01')).not.toHaveLength(0);
    const other = await test.createTerritory('Territoire des recherches', 'admin@recherches.test');
    expectProblem(await search(other.token, { motif_id: f.cni, from: '2026-12-07', to: '2026-12-07' }), 404);
    const territoryWide = await test.call('get', `/api/v1/creneaux?motif_ids=${f.cni}&from=2026-12-07&to=2026-12-07`, { token: other.token });
    expectProblem(territoryWide, 404);
    expect(errorPaths(territoryWide)).toEqual(['motif_ids.0']);
  });

  it('finds the next availability, or answers null when nothing is open within 6 months', async () => {
    const next = await test.call('get', `/api/v1/organisations/${f.mairie}/next_availability?motif_id=${f.cni}`, { token: f.tokens.mairieAdmin });
    expectStatus(next, 200);
    expect(next.body).toEqual({ starts_at: '2026-11-30T09:00:00+01:00', ends_at: '2026-11-30T09:20:00+01:00', agent_id: anne, lieu_id: f.hotelDeVille, motif_id: f.cni });
    const atAnnexe = await test.call('get', `/api/v1/organisations/${f.mairie}/next_availability?motif_id=${f.cni}&lieu_id=${f.annexe}`, { token: f.tokens.mairieAdmin });
    expect(atAnnexe.body).toMatchObject({ starts_at: '2026-11-30T14:00:00+01:00', agent_id: marc });
    const none = await test.call('get', `/api/v1/organisations/${f.mairie}/next_availability?motif_id=${f.mariage}`, { token: f.tokens.mairieAdmin });
    expect(none.body).toEqual({ starts_at: null, ends_at: null, agent_id: null, lieu_id: null, motif_id: f.mariage });
  });

  it('searches several organisations at once, each motif in its own: one créneau per start time and lieu, by start', async () => {
    expectStatus(await test.call('post', `/api/v1/organisations/${f.ccas}/plages_ouverture`, {
      token: f.tokens.ccasAdmin,
      body: plageBody(f, { agent_id: f.ccasAdmin, lieu_id: f.maisonSolidarites, motif_ids: [f.accueilSocial], start_time: '09:10', end_time: '10:10' }),
    }), 201);
    // Marc opens at the Hôtel de ville too that morning: the organisation's search shows both agents at 09:00.
    expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, {
      token: f.tokens.mairieAdmin,
      body: plageBody(f, { agent_id: marc, first_day: '2026-12-07', recurrence: null, until: null, start_time: '09:00', end_time: '10:00' }),
    }), 201);
    expect(onDay(await slots(f.tokens.mairieAdmin, '2026-12-07'), '2026-12-07T09:00').map((slot) => slot.lieu_id)).toEqual([f.hotelDeVille, f.hotelDeVille]);
    const response = await test.call('get', `/api/v1/creneaux?motif_ids=${f.cni},${f.accueilSocial}&from=2026-12-07&to=2026-12-07`, { token: f.tokens.territorialAdmin });
    expectStatus(response, 200);
    const data: Slot[] = response.body.data;
    expect(data.slice(0, 4).map((slot) => [slot.starts_at.slice(11, 16), slot.motif_id])).toEqual([
      ['09:00', f.cni], ['09:10', f.accueilSocial], ['09:20', f.cni], ['09:40', f.cni],
    ]);
    expect(data.map((slot) => slot.starts_at)).toEqual([...data.map((slot) => slot.starts_at)].sort());
    // Across organisations: where and when, one créneau per start time and lieu.
    expect(onDay(data, '2026-12-07T09:00').map((slot) => slot.lieu_id)).toEqual([f.hotelDeVille]);
    const keys = data.map((slot) => `${slot.starts_at} ${slot.lieu_id}`);
    expect(new Set(keys).size).toBe(keys.length);
    // A mairie agent does not belong to the CCAS: its motif does not exist for them.
    const mairieAgent = await test.call('get', `/api/v1/creneaux?motif_ids=${f.cni},${f.accueilSocial}&from=2026-12-07&to=2026-12-07`, { token: f.tokens.mairieAdmin });
    expect(errorPaths(mairieAgent)).toEqual(['motif_ids.1']);
  });

  it('lists each lieu\'s first créneaux across organisations (per_lieu, 10 by default) and counts them all by lieu', async () => {
    const week = (perLieu?: string) => test.call('get', `/api/v1/creneaux?motif_ids=${f.cni},${f.accueilSocial}&from=2026-12-07&to=2026-12-13${perLieu === undefined ? '' : `&per_lieu=${perLieu}`}`,
      { token: f.tokens.territorialAdmin });
    const all = await week('200');
    expectStatus(all, 200);
    const everything: Slot[] = all.body.data;
    const countOf = (data: Slot[], lieuId: string) => data.filter((slot) => slot.lieu_id === lieuId).length;
    const lieux = Object.keys(all.body.meta.creneaux_by_lieu);
    expect(lieux.length).toBeGreaterThan(1);
    for (const lieuId of lieux) expect(all.body.meta.creneaux_by_lieu[lieuId]).toBe(countOf(everything, lieuId));
    expect(Math.max(...lieux.map((lieuId) => countOf(everything, lieuId)))).toBeGreaterThan(10);

    const firstTen = await week();
    expect(firstTen.body.meta).toEqual({ per_lieu: 10, creneaux_by_lieu: all.body.meta.creneaux_by_lieu });
    for (const lieuId of lieux) {
      expect(firstTen.body.data.filter((slot: Slot) => slot.lieu_id === lieuId)).toEqual(everything.filter((slot) => slot.lieu_id === lieuId).slice(0, 10));
    }
    for (const bad of ['0', '201', 'ten', '-1']) {
      const refused = await week(bad);
      expectProblem(refused, 400);
      expect(errorPaths(refused)).toEqual(['per_lieu']);
    }
  });

  it("offers a collectif motif's sessions while they have seats left (usagers who count and unexpired holds take them)", async () => {
    const [session] = await test.sql(
      `INSERT INTO rdvs (territory_id, organisation_id, motif_id, lieu_id, starts_at, ends_at, status, collectif, max_participants_count, created_by)
       VALUES ($1, $2, $3, $4, '2027-01-20T09:00:00Z', '2027-01-20T10:30:00Z', 'unknown', true, 3, 'agent') RETURNING id`,
      [f.territoryId, f.ccas, f.atelier, f.maisonSolidarites]);
    await test.sql(`INSERT INTO rdv_agents (territory_id, rdv_id, agent_id, starts_at, ends_at, active)
                    VALUES ($1, $2, $3, '2027-01-20T09:00:00Z', '2027-01-20T10:30:00Z', true)`, [f.territoryId, session.id, f.ccasAdmin]);
    const participate = async (status: string) => {
      const [user] = await test.sql(`INSERT INTO users (territory_id, first_name, last_name) VALUES ($1, 'Usager', 'Atelier') RETURNING id`, [f.territoryId]);
      await test.sql(`INSERT INTO participations (territory_id, rdv_id, user_id, status, created_by) VALUES ($1, $2, $3, $4, 'agent')`,
        [f.territoryId, session.id, user.id, status]);
    };
    const hold = (expiresAt: string) => test.sql(
      `INSERT INTO rdv_holds (territory_id, rdv_id, seat, booked_by, confirmation_email, code_hash, expires_at)
       VALUES ($1, $2, true, 'user', 'usager@example.fr', 'x', $3)`, [f.territoryId, session.id, expiresAt]);
    await participate('unknown');
    await participate('excused');
    await hold('2026-11-30T07:10:00Z');
    await hold('2026-11-30T06:50:00Z'); // expired before "now"

    const agentSearch = (token: string) =>
      test.call('get', `/api/v1/organisations/${f.ccas}/creneaux?motif_id=${f.atelier}&from=2027-01-18&to=2027-01-24`, { token });
    const [{ slug: ccasSlug }] = await test.sql(`SELECT slug FROM organisations WHERE id = $1`, [f.ccas]);
    const publicSessions = async () => (await test.call('get', `/api/public/organisations/${ccasSlug}/creneaux?motif_id=${f.atelier}&from=2027-01-18&to=2027-01-24`)).body.data;
    const expected = { starts_at: '2027-01-20T10:00:00+01:00', ends_at: '2027-01-20T11:30:00+01:00', agent_id: f.ccasAdmin, lieu_id: f.maisonSolidarites, motif_id: f.atelier };
    expect(await publicSessions()).toEqual([expected]);
    expect((await agentSearch(f.tokens.ccasAdmin)).body.data).toEqual([expected]);
    expectProblem(await agentSearch(f.tokens.mairieAdmin), 404);

    await participate('unknown'); // the last seat
    expect(await publicSessions()).toEqual([]);
  });

  describe('on the public portal', () => {
    const publicSlots = async (query: Record<string, string>, slug = f.mairieSlug) =>
      test.call('get', `/api/public/organisations/${slug}/creneaux?${new URLSearchParams(query)}`);

    beforeAll(async () => {
      // Marc also opens at the Hôtel de ville on 18 January, at the same times as Anne.
      expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, {
        token: f.tokens.mairieAdmin,
        body: plageBody(f, { agent_id: marc, first_day: '2027-01-18', recurrence: null, until: null, start_time: '09:00', end_time: '10:00' }),
      }), 201);
    });

    it('offers one créneau per start time and lieu where agents see each agent', async () => {
      const agentView = await slots(f.tokens.mairieAdmin, '2027-01-18');
      // Agents come in id order at each start time.
      expect(describe_(agentView).slice(0, 4).sort()).toEqual(['09:00 anne@hotel', '09:00 marc@hotel', '09:20 anne@hotel', '09:20 marc@hotel']);
      const response = await publicSlots({ motif_id: f.cni, from: '2027-01-18', to: '2027-01-18' });
      expectStatus(response, 200);
      const data: Slot[] = response.body.data;
      expect(data.slice(0, 3).map((slot) => [slot.starts_at.slice(11, 16), slot.lieu_id])).toEqual([
        ['09:00', f.hotelDeVille], ['09:20', f.hotelDeVille], ['09:40', f.hotelDeVille],
      ]);
      expect(data).toHaveLength(15);
    });

    it("applies the motif's booking delays to the public only", async () => {
      await test.sql(`UPDATE motifs SET min_public_booking_delay = 2 * 86400 WHERE id = $1`, [f.cni]);
      expect((await publicSlots({ motif_id: f.cni, from: '2026-11-30', to: '2026-12-02' })).body.data[0].starts_at).toBe('2026-12-02T09:00:00+01:00');
      expect((await slots(f.tokens.mairieAdmin, '2026-11-30', '2026-12-02'))[0].starts_at).toBe('2026-11-30T09:00:00+01:00');
      await test.sql(`UPDATE motifs SET min_public_booking_delay = 1800, max_public_booking_delay = 90 * 86400 WHERE id = $1`, [f.cni]);
      const late = (await publicSlots({ motif_id: f.cni, from: '2027-02-22', to: '2027-03-05' })).body.data as Slot[];
      expect(late[late.length - 1].starts_at < '2027-03-01').toBe(true);
      expect((await slots(f.tokens.mairieAdmin, '2027-03-01'))).not.toHaveLength(0);
    });

    it('shows only motifs open to the public (or to prescripteurs when asked) and lieux open to the public', async () => {
      const agentsOnly = await publicSlots({ motif_id: f.mariage, from: '2027-01-18', to: '2027-01-18' });
      expectProblem(agentsOnly, 404);
      expect(errorPaths(agentsOnly)).toEqual(['motif_id']);
      expectProblem(await publicSlots({ motif_id: f.permis, from: '2027-01-18', to: '2027-01-18' }), 404);
      expectStatus(await publicSlots({ motif_id: f.permis, from: '2027-01-18', to: '2027-01-18', prescripteur: '1' }), 200);
      expectProblem(await publicSlots({ motif_id: f.cni, from: '2027-01-18', to: '2027-01-18' }, 'no-such-organisation'), 404);

      await test.sql(`UPDATE lieux SET availability = 'disabled' WHERE id = $1`, [f.annexe]);
      const lieux = new Set(((await publicSlots({ motif_id: f.cni, from: '2027-01-18', to: '2027-01-18' })).body.data as Slot[]).map((slot) => slot.lieu_id));
      expect([...lieux]).toEqual([f.hotelDeVille]);
      expect(errorPaths(await publicSlots({ motif_id: f.cni, from: '2027-01-18', to: '2027-01-18', lieu_id: f.annexe }))).toEqual(['lieu_id']);
      expect(new Set((await slots(f.tokens.mairieAdmin, '2027-01-18')).map((slot) => slot.lieu_id))).toEqual(new Set([f.hotelDeVille, f.annexe]));

      const organisation = await test.call('get', `/api/public/organisations/${f.mairieSlug}`);
      expectStatus(organisation, 200);
      expect(organisation.body).toMatchObject({ id: f.mairie, name: expect.any(String), slug: f.mairieSlug });
      expect(organisation.body.motifs.map((m: { id: string }) => m.id)).toEqual([f.cni]);
      expect(organisation.body.services).toEqual([{ id: 'titres_identite', name: expect.any(String) }]);
      expect(organisation.body.lieux.map((l: { id: string }) => l.id)).toEqual([f.hotelDeVille]);
      const forPrescripteurs = await test.call('get', `/api/public/organisations/${f.mairieSlug}?prescripteur=1`);
      expect(forPrescripteurs.body.motifs.map((m: { id: string }) => m.id).sort()).toEqual([f.cni, f.permis].sort());
      await test.sql(`UPDATE lieux SET availability = 'enabled' WHERE id = $1`, [f.annexe]);
    });

    it('offers a lieu used once on its day only, then hides it from lists and from the portal', async () => {
      const lieux = `/api/v1/organisations/${f.mairie}/lieux`;
      const withoutDay = await test.call('post', lieux, { token: f.tokens.mairieAdmin, body: { name: 'Forum des associations', address: 'Gymnase', availability: 'single_use' } });
      expectProblem(withoutDay, 422);
      expect(errorPaths(withoutDay)).toEqual(['single_use_day']);
      const created = await test.call('post', lieux, {
        token: f.tokens.mairieAdmin, body: { name: 'Forum des associations', address: 'Gymnase', availability: 'single_use', single_use_day: '2027-01-20' },
      });
      expectStatus(created, 201);
      const forum = created.body.id as string;
      expect(created.body.single_use_day).toBe('2027-01-20');
      const dayOnEnabled = await test.call('patch', `/api/v1/lieux/${f.annexe}`, { token: f.tokens.mairieAdmin, body: { single_use_day: '2027-01-20' } });
      expectProblem(dayOnEnabled, 422);
      expect(errorPaths(dayOnEnabled)).toEqual(['single_use_day']);
      expect(errorPaths(await test.call('patch', `/api/v1/lieux/${forum}`, { token: f.tokens.mairieAdmin, body: { single_use_day: null } }))).toEqual(['single_use_day']);

      // A weekly plage at the forum (a data slip): its créneaux are those of 20 January only.
      expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, {
        token: f.tokens.mairieAdmin,
        body: plageBody(f, { agent_id: marc, lieu_id: forum, first_day: '2027-01-18', until: '2027-01-29', start_time: '16:30', end_time: '17:30' }),
      }), 201);
      const atForum = (list: Slot[]) => list.filter((slot) => slot.lieu_id === forum).map((slot) => slot.starts_at.slice(0, 16));
      expect(atForum(await slots(f.tokens.mairieAdmin, '2027-01-18', '2027-01-29'))).toEqual(['2027-01-20T16:30', '2027-01-20T16:50', '2027-01-20T17:10']);
      expect(atForum((await publicSlots({ motif_id: f.cni, from: '2027-01-18', to: '2027-01-29' })).body.data)).toEqual(['2027-01-20T16:30', '2027-01-20T16:50', '2027-01-20T17:10']);

      const listed = async () => ({
        // Sessions idle since "now" have expired: sign in again at the clock's time.
        agents: (await test.call('get', lieux, { token: await test.signIn('agent.etatcivil@demo.test') })).body.data.map((l: { id: string }) => l.id) as string[],
        portal: (await test.call('get', `/api/public/organisations/${f.mairieSlug}`)).body.lieux.map((l: { id: string }) => l.id) as string[],
      });
      test.clock.set(new Date('2027-01-20T22:30:00Z')); // 23:30 in Paris, still its day
      expect(await listed()).toEqual({ agents: expect.arrayContaining([forum]), portal: expect.arrayContaining([forum]) });
      test.clock.set(new Date('2027-01-20T23:00:00Z')); // midnight in Paris: the day is over
      const after = await listed();
      expect(after.agents).not.toContain(forum);
      expect(after.agents).toContain(f.annexe);
      expect(after.portal).not.toContain(forum);
      const later = await test.signIn('admin.mairie@demo.test');
      expectStatus(await test.call('get', `/api/v1/lieux/${forum}`, { token: later }), 200); // old rdvs still name it
      expectStatus(await test.call('delete', `/api/v1/lieux/${forum}`, { token: later }), 204);
      test.clock.set(NOW);
    });
  });

  /** How many queries `run` sends, in all and reading each table the search loads. */
  async function countQueries(run: () => Promise<unknown>) {
    const logger = test.platform.db.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    const queries: string[] = [];
    logger.logQuery = (query, parameters, runner) => {
      queries.push(query);
      return original(query, parameters, runner);
    };
    try {
      await run();
    } finally {
      logger.logQuery = original;
    }
    const touching = (table: string) => queries.filter((query) => new RegExp(`FROM ${table}\\b`).test(query)).length;
    return { total: queries.length, plages: touching('plages_ouverture'), absences: touching('absences'), rdvs: touching('rdv_agents'), closures: touching('closures') };
  }

  it('loads with one query per kind, whatever the number of agents', async () => {
    const week = () => slots(f.tokens.mairieAdmin, '2027-02-01', '2027-02-07');
    const before = await countQueries(week);
    expect(before).toMatchObject({ plages: 1, absences: 1, rdvs: 1, closures: 1 });

    // Four more agents with plages, absences and closures at both lieux.
    for (const agentId of [marc, f.secretariat, f.territorialAdmin, f.basicUrbanisme]) {
      await test.sql(`INSERT INTO agent_services (territory_id, agent_id, service_slug) VALUES ($1, $2, 'titres_identite') ON CONFLICT DO NOTHING`, [f.territoryId, agentId]);
      expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, {
        token: f.tokens.mairieAdmin, body: plageBody(f, { agent_id: agentId, lieu_id: f.annexe, start_time: '16:00', end_time: '17:00', first_day: '2027-02-01', until: '2027-02-28' }),
      }), 201);
      expectStatus(await test.call('post', '/api/v1/absences', { token: f.tokens.mairieAdmin, body: { agent_id: agentId, first_day: '2027-02-02', start_time: '16:00', end_time: '16:30' } }), 201);
    }
    const after = await countQueries(week);
    expect(after).toEqual(before);
    expect(new Set((await week()).map((slot) => slot.agent_id)).size).toBe(5);
  });

  it("keeps each organisation's agenda (plages, absences, closures) until a write changes it, whoever writes it (the API, SQL, another process)", async () => {
    const day = (token = f.tokens.territorialAdmin) => slots(token, '2027-03-01');
    const agentsOf = async (token?: string) => new Set((await day(token)).map((slot) => slot.agent_id));
    const marcsLast = async () => (await day()).filter((slot) => slot.agent_id === marc).map((slot) => slot.starts_at.slice(11, 16)).pop();
    await day();
    expect(await countQueries(() => day())).toMatchObject({ plages: 0, absences: 0, rdvs: 1, closures: 0 });

    // Written straight in the database, as another process or a script would: the next search sees it.
    expect(await marcsLast()).toBe('15:40');
    await test.sql(`UPDATE plages_ouverture SET end_time = '17:00' WHERE agent_id = $1 AND lieu_id = $2 AND start_time = '14:00'`, [marc, f.annexe]);
    expect(await countQueries(() => day())).toMatchObject({ plages: 1 });
    expect(await marcsLast()).toBe('16:40');
    // So are an absence and a closure.
    const marcsFirst = async () => (await day()).filter((slot) => slot.agent_id === marc).map((slot) => slot.starts_at.slice(11, 16))[0];
    expect(await marcsFirst()).toBe('14:00');
    await test.sql(`INSERT INTO absences (territory_id, agent_id, first_day, start_time, end_time, last_day)
                    VALUES ($1, $2, '2027-03-01', '14:00', '15:00', '2027-03-01')`, [f.territoryId, marc]);
    expect(await marcsFirst()).toBe('15:00');
    await test.sql(`INSERT INTO closures (territory_id, organisation_id, lieu_id, first_day, end_day) VALUES ($1, $2, $3, '2027-03-01', '2027-03-01')`,
      [f.territoryId, f.mairie, f.annexe]);
    expect(await marcsFirst()).toBeUndefined();
    await test.sql(`DELETE FROM closures WHERE lieu_id = $1 AND first_day = '2027-03-01'`, [f.annexe]);
    await test.sql(`DELETE FROM absences WHERE agent_id = $1 AND first_day = '2027-03-01'`, [marc]);
    expect(await marcsFirst()).toBe('14:00');

    // Without a service in common, Anne (a basic agent) no longer searches Marc's agenda.
    expect((await agentsOf(f.tokens.etatCivil)).has(marc)).toBe(true);
    const services = await test.sql(`SELECT service_slug FROM agent_services WHERE agent_id = $1`, [marc]);
    await test.sql(`DELETE FROM agent_services WHERE agent_id = $1`, [marc]);
    expect((await agentsOf(f.tokens.etatCivil)).has(marc)).toBe(false);
    for (const { service_slug } of services) {
      await test.sql(`INSERT INTO agent_services (territory_id, agent_id, service_slug) VALUES ($1, $2, $3)`, [f.territoryId, marc, service_slug]);
    }
    expect((await agentsOf(f.tokens.etatCivil)).has(marc)).toBe(true);

    // Marc no longer works at the mairie: his plages are not searched; back, they are.
    const [role] = await test.sql(`SELECT access_level FROM agent_roles WHERE agent_id = $1 AND organisation_id = $2`, [marc, f.mairie]);
    await test.sql(`DELETE FROM agent_roles WHERE agent_id = $1 AND organisation_id = $2`, [marc, f.mairie]);
    expect((await agentsOf()).has(marc)).toBe(false);
    await test.sql(`INSERT INTO agent_roles (territory_id, agent_id, organisation_id, access_level) VALUES ($1, $2, $3, $4)`, [f.territoryId, marc, f.mairie, role.access_level]);
    expect((await agentsOf()).has(marc)).toBe(true);
  });
});
