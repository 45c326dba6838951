import { TestPlatform } from '../../support/platform';
import { BookingFixture, bookingFixture } from '../booking/helpers';
import { expectProblem } from '../foundation/helpers';
import { errorPaths, expectStatus, NOW } from './helpers';

/** One agent's agenda as the admin UI's calendar reads it, expanded by the server. */
describe("an agent's agenda", () => {
  let test: TestPlatform;
  let f: BookingFixture;
  let annesPlage: string;
  const agenda = (org: string, query: string) => `/api/v1/organisations/${org}/agenda?${query}`;
  const christmasWeek = 'from=2026-12-21&to=2026-12-27';

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
    [{ id: annesPlage }] = await test.sql(`SELECT id FROM plages_ouverture WHERE agent_id = $1`, [f.basicEtatCivil]);
    const absence = await test.call('post', '/api/v1/absences', {
      token: f.tokens.etatCivil,
      body: { agent_id: f.basicEtatCivil, title: 'Formation', first_day: '2026-12-22', start_time: '14:00', end_time: '17:00' },
    });
    expectStatus(absence, 201);
    const rdv = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.etatCivil,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: '2026-12-21T09:00:00+01:00', agent_ids: [f.basicEtatCivil], user_ids: [f.camille] },
    });
    expectStatus(rdv, 201);
    const closure = await test.call('post', `/api/v1/organisations/${f.mairie}/closures`, {
      token: f.tokens.mairieAdmin, body: { first_day: '2026-12-24', end_day: '2026-12-24', lieu_id: f.annexe, reason: 'Inventaire' },
    });
    expectStatus(closure, 201);
  });
  afterAll(() => test?.stop());

  it('gives the signed-in agent their week: plage occurrences, absences, rdvs with the usager, holidays and closures, in Paris time', async () => {
    const response = await test.call('get', agenda(f.mairie, christmasWeek), { token: f.tokens.etatCivil });
    expectStatus(response, 200);
    const body = response.body;
    expect(body).toMatchObject({ agent_id: f.basicEtatCivil, time_zone: 'Europe/Paris', can_write_plages: true, can_write_absences: true });
    expect(body.plages.map((p: { starts_at: string; ends_at: string }) => [p.starts_at, p.ends_at])).toEqual(
      ['21', '22', '23', '24', '25'].map((day) => [`2026-12-${day}T09:00:00+01:00`, `2026-12-${day}T12:00:00+01:00`]),
    );
    expect(body.plages[0]).toMatchObject({
      plage_ouverture_id: annesPlage, title: 'Titres — matin', recurring: true, day: '2026-12-21',
      lieu: { id: f.hotelDeVille, name: 'Hôtel de ville' }, motifs: [{ id: f.cni, name: "Carte d'identité et passeport" }],
    });
    expect(body.absences).toEqual([expect.objectContaining({
      title: 'Formation', recurring: false, day: '2026-12-22', starts_at: '2026-12-22T14:00:00+01:00', ends_at: '2026-12-22T17:00:00+01:00',
    })]);
    expect(body.rdvs).toEqual([expect.objectContaining({
      starts_at: '2026-12-21T09:00:00+01:00', status: 'unknown', motif: { id: f.cni, name: "Carte d'identité et passeport" }, usager_names: ['Camille Martin'],
    })]);
    // Only the usager's name: no email, phone or fiche.
    expect(JSON.stringify(body.rdvs)).not.toContain('camille@example.fr');
    expect(body.holidays).toEqual([{ date: '2026-12-25', name: 'Noël' }]);
    expect(body.closures).toEqual([expect.objectContaining({ first_day: '2026-12-24', end_day: '2026-12-24', lieu_name: 'Mairie annexe des Tilleuls', reason: 'Inventaire' })]);
  });

  it('follows the territory zone across the change to summer time, and drops skipped days', async () => {
    const skipped = await test.call('patch', `/api/v1/plages_ouverture/${annesPlage}`, { token: f.tokens.etatCivil, body: { exdates: ['2027-03-30'] } });
    expectStatus(skipped, 200);
    const response = await test.call('get', agenda(f.mairie, 'from=2027-03-26&to=2027-03-31'), { token: f.tokens.etatCivil });
    expectStatus(response, 200);
    expect(response.body.plages.map((p: { starts_at: string }) => p.starts_at)).toEqual([
      '2027-03-26T09:00:00+01:00', '2027-03-29T09:00:00+02:00', '2027-03-31T09:00:00+02:00',
    ]);
  });

  it('shows admins and the Secrétariat any agent of the organisation, and says whether they may change it', async () => {
    for (const token of [f.tokens.mairieAdmin, f.tokens.secretariat]) {
      const response = await test.call('get', agenda(f.mairie, `agent_id=${f.basicEtatCivil}&${christmasWeek}`), { token });
      expectStatus(response, 200);
      expect(response.body).toMatchObject({ agent_id: f.basicEtatCivil, can_write_plages: true, can_write_absences: true });
      expect(response.body.plages).toHaveLength(5);
    }
  });

  it("refuses agendas the agent may not see with 404 at agent_id: another service's agent, another organisation's, another territory's", async () => {
    const otherService = await test.call('get', agenda(f.mairie, `agent_id=${f.basicEtatCivil}&${christmasWeek}`), { token: f.tokens.urbanisme });
    expectProblem(otherService, 404);
    expect(errorPaths(otherService)).toEqual(['agent_id']);
    const notInCcas = await test.call('get', agenda(f.ccas, `agent_id=${f.basicEtatCivil}&${christmasWeek}`), { token: f.tokens.ccasAdmin });
    expectProblem(notInCcas, 404);
    expectProblem(await test.call('get', agenda(f.ccas, christmasWeek), { token: f.tokens.etatCivil }), 404);

    const other = await test.createTerritory('Territoire voisin', 'admin@voisin.test');
    expectProblem(await test.call('get', agenda(f.mairie, `agent_id=${f.basicEtatCivil}&${christmasWeek}`), { token: other.token }), 404);
    const { body: ownOrganisation } = await test.call('post', '/api/v1/organisations', { token: other.token, body: { name: 'Mairie voisine' } });
    const intoOwn = await test.call('get', agenda(ownOrganisation.id, `agent_id=${f.basicEtatCivil}&${christmasWeek}`), { token: other.token });
    expectProblem(intoOwn, 404);
    expect(errorPaths(intoOwn)).toEqual(['agent_id']);

    const malformed = await test.call('get', agenda(f.mairie, `agent_id=anne&${christmasWeek}`), { token: f.tokens.mairieAdmin });
    expectProblem(malformed, 400);
    expect(errorPaths(malformed)).toEqual(['agent_id']);
  });

  it('refuses missing, malformed, reversed and too long ranges with the field at fault', async () => {
    const cases: [string, string[]][] = [
      ['to=2026-12-27', ['from']],
      ['from=2026-12-21', ['to']],
      ['from=2026-12-32&to=2026-12-27', ['from']],
      ['from=2026-12-27&to=2026-12-21', ['to']],
      ['from=2026-12-01&to=2027-07-01', ['to']],
    ];
    for (const [query, paths] of cases) {
      const response = await test.call('get', agenda(f.mairie, query), { token: f.tokens.etatCivil });
      expectProblem(response, 422);
      expect({ query, paths: errorPaths(response) }).toEqual({ query, paths });
    }
  });
});
