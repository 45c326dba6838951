import { TestPlatform } from '../../support/platform';
import { expectProblem } from '../foundation/helpers';
import { agendaFixture, AgendaFixture, errorPaths, expectStatus, NOW } from './helpers';

describe('public holidays (GET /api/v1/holidays)', () => {
  let test: TestPlatform;
  let f: AgendaFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await agendaFixture(test);
  });
  afterAll(() => test?.stop());

  const holidays = (token: string, query: string) => test.call('get', `/api/v1/holidays?${query}`, { token });

  it("lists the year's holidays of the territory's zone, with the days it reopened", async () => {
    const metropole = await holidays(f.tokens.etatCivil, 'year=2027');
    expectStatus(metropole, 200);
    expect(metropole.body.zone).toBe('metropole');
    expect(metropole.body.year).toBe(2027);
    expect(metropole.body.data.map((h: { date: string }) => h.date)).toEqual([
      '2027-01-01', '2027-03-29', '2027-05-01', '2027-05-06', '2027-05-08', '2027-05-17',
      '2027-07-14', '2027-08-15', '2027-11-01', '2027-11-11', '2027-12-25',
    ]);
    expect(metropole.body.data[1]).toEqual({ date: '2027-03-29', name: 'Lundi de Pâques', reopened: false });

    const config = '/api/v1/territories/current/config/holidays';
    expectStatus(await test.call('put', config, { token: f.tokens.territorialAdmin, body: { zone: 'alsace_moselle', reopened: ['2027-05-17'] } }), 200);
    const alsace = await holidays(f.tokens.mairieAdmin, 'year=2027');
    expect(alsace.body.zone).toBe('alsace_moselle');
    // Alsace-Moselle adds Good Friday and 26 December; the reopened Whit Monday stays listed, marked.
    const dates = alsace.body.data.map((h: { date: string }) => h.date);
    expect(dates).toEqual(expect.arrayContaining(['2027-03-26', '2027-12-26']));
    expect(dates).toHaveLength(13);
    expect(alsace.body.data.filter((h: { reopened: boolean }) => h.reopened)).toEqual([{ date: '2027-05-17', name: 'Lundi de Pentecôte', reopened: true }]);
    expectStatus(await test.call('put', config, { token: f.tokens.territorialAdmin, body: { zone: 'metropole', reopened: [] } }), 200);
  });

  it("lists another zone's holidays on request (the screen previews a zone before saving it)", async () => {
    const reunion = await holidays(f.tokens.territorialAdmin, 'year=2026&zone=reunion');
    expect(reunion.body.zone).toBe('reunion');
    expect(reunion.body.data.find((h: { date: string }) => h.date === '2026-12-20')).toMatchObject({ reopened: false });
    expect((await holidays(f.tokens.territorialAdmin, 'year=2026')).body.data.some((h: { date: string }) => h.date === '2026-12-20')).toBe(false);
  });

  it('refuses a missing or odd year and an unknown zone, at their parameters', async () => {
    for (const query of ['', 'year=27', 'year=2027.5', 'year=1200']) {
      const refused = await holidays(f.tokens.etatCivil, query);
      expectProblem(refused, 400);
      expect(errorPaths(refused)).toEqual(['year']);
    }
    const zone = await holidays(f.tokens.etatCivil, 'year=2027&zone=corse');
    expectProblem(zone, 400);
    expect(errorPaths(zone)).toEqual(['zone']);
    expectProblem(await test.call('get', '/api/v1/holidays?year=2027'), 401);
  });
});
