import { purgeEndedPlages } from '../../../platform/src/agenda/purge';
import { TestPlatform } from '../../support/platform';
import { countRows, expectProblem, fingerprint } from '../foundation/helpers';
import { agendaFixture, AgendaFixture, errorPaths, expectStatus, NOW, plageBody } from './helpers';

describe('reference weeks (semaines de référence)', () => {
  let test: TestPlatform;
  let f: AgendaFixture;
  let weekId: string;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await agendaFixture(test);
  });
  afterAll(() => test?.stop());

  const weekdays = ['MO', 'TU', 'WE', 'TH', 'FR'];
  const referenceWeek = () => ({
    name: 'Horaires d’hiver',
    ranges: [
      ...weekdays.map((weekday) => ({ weekday, start_time: '09:00', end_time: '12:00', motif_ids: [f.cni] })),
      ...['TU', 'TH'].map((weekday) => ({ weekday, start_time: '14:00', end_time: '17:00', motif_ids: [f.cni, f.mariage] })),
    ],
  });

  it('lets organisation admins keep named weekly templates, checked range by range', async () => {
    const base = `/api/v1/organisations/${f.mairie}/reference_weeks`;
    expectProblem(await test.call('post', base, { token: f.tokens.etatCivil, body: referenceWeek() }), 403);
    const invalid = await test.call('post', base, {
      token: f.tokens.mairieAdmin,
      body: { name: 'Mauvaise', ranges: [
        { weekday: 'MO', start_time: '12:00', end_time: '09:00', motif_ids: [f.cni] },
        { weekday: 'XX', start_time: '09:00', end_time: '24:00', motif_ids: [f.cni] },
      ] },
    });
    expectProblem(invalid, 422);
    expect(errorPaths(invalid)).toEqual(['ranges.1.end_time', 'ranges.1.weekday']);
    const foreign = await test.call('post', base, {
      token: f.tokens.mairieAdmin,
      body: { name: 'Mauvaise', ranges: [{ weekday: 'MO', start_time: '12:00', end_time: '09:00', motif_ids: [f.cni, f.accueilSocial] }] },
    });
    expect(errorPaths(foreign)).toEqual(['ranges.0.end_time', 'ranges.0.motif_ids.1']);

    const created = await test.call('post', base, { token: f.tokens.mairieAdmin, body: referenceWeek() });
    expectStatus(created, 201);
    weekId = created.body.id;
    expect(created.body.ranges).toHaveLength(7);
    const renamed = await test.call('patch', `/api/v1/reference_weeks/${weekId}`, { token: f.tokens.mairieAdmin, body: { name: 'Horaires d’hiver 2027' } });
    expect(renamed.body).toMatchObject({ name: 'Horaires d’hiver 2027', ranges: created.body.ranges });
    const listed = await test.call('get', base, { token: f.tokens.etatCivil });
    expect(listed.body.data.map((w: { id: string }) => w.id)).toEqual([weekId]);
    expectProblem(await test.call('get', `/api/v1/reference_weeks/${weekId}`, { token: f.tokens.ccasAdmin }), 404);
  });

  it('creates one weekly plage per distinct range for the period, and the créneaux follow', async () => {
    const applied = await test.call('post', `/api/v1/reference_weeks/${weekId}/apply`, {
      token: f.tokens.mairieAdmin, body: { agent_id: f.basicEtatCivil, lieu_id: f.hotelDeVille, first_day: '2027-01-04', until: '2027-03-31' },
    });
    expectStatus(applied, 201);
    expect(applied.body.data.map((p: Record<string, unknown>) => [p.recurrence, p.start_time, p.end_time, p.motif_ids, p.until])).toEqual([
      ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', '09:00', '12:00', [f.cni], '2027-03-31'],
      ['FREQ=WEEKLY;BYDAY=TU,TH', '14:00', '17:00', [f.cni, f.mariage], '2027-03-31'],
    ]);
    expect(applied.body.data.every((p: Record<string, unknown>) => p.title === 'Horaires d’hiver 2027' && p.agent_id === f.basicEtatCivil)).toBe(true);
    const creneaux = await test.call('get', `/api/v1/organisations/${f.mairie}/creneaux?motif_id=${f.mariage}&from=2027-01-04&to=2027-01-10`, { token: f.tokens.mairieAdmin });
    expect(creneaux.body.data.map((slot: { starts_at: string }) => slot.starts_at)).toEqual([
      '2027-01-05T14:00:00+01:00', '2027-01-05T14:45:00+01:00', '2027-01-05T15:30:00+01:00', '2027-01-05T16:15:00+01:00',
      '2027-01-07T14:00:00+01:00', '2027-01-07T14:45:00+01:00', '2027-01-07T15:30:00+01:00', '2027-01-07T16:15:00+01:00',
    ]);
    // Applied again over the same period, the new plages overlap the first ones: allowed, with warnings.
    const again = await test.call('post', `/api/v1/reference_weeks/${weekId}/apply`, {
      token: f.tokens.mairieAdmin, body: { agent_id: f.basicEtatCivil, lieu_id: f.annexe, first_day: '2027-02-01', until: '2027-02-28' },
    });
    expectStatus(again, 201);
    expect(again.body.warnings.map((w: { code: string }) => w.code)).toContain('overlapping_plage');
  });

  it('refuses a period holding none of its days, an agent who cannot hold its motifs, or a writer without the right, writing nothing', async () => {
    const before = await fingerprint(test);
    const apply = (token: string, body: Record<string, unknown>) => test.call('post', `/api/v1/reference_weeks/${weekId}/apply`, {
      token, body: { agent_id: f.basicEtatCivil, lieu_id: f.hotelDeVille, first_day: '2027-01-09', until: '2027-01-10', ...body },
    });
    const weekend = await apply(f.tokens.mairieAdmin, {});
    expectProblem(weekend, 422);
    expect(errorPaths(weekend)).toEqual(['until']);
    expect(errorPaths(await apply(f.tokens.mairieAdmin, { first_day: '2027-01-11', until: '2027-01-04' }))).toEqual(['until']);
    const urbanisme = await apply(f.tokens.mairieAdmin, { agent_id: f.basicUrbanisme, first_day: '2027-01-11', until: '2027-01-31' });
    expectProblem(urbanisme, 422);
    expect(errorPaths(urbanisme)).toEqual(['ranges.0.motif_ids.0', 'ranges.5.motif_ids.1']);
    expectProblem(await apply(f.tokens.etatCivil, { agent_id: f.mairieAdmin, first_day: '2027-01-11', until: '2027-01-31' }), 403);
    expect(await fingerprint(test)).toEqual(before);

    expectStatus(await test.call('delete', `/api/v1/reference_weeks/${weekId}`, { token: f.tokens.mairieAdmin }), 204);
    expect(await countRows(test, 'reference_weeks')).toEqual({ reference_weeks: 0 });
    expect((await countRows(test, 'plages_ouverture')).plages_ouverture).toBe(4);
  });
});

describe('purging plages that ended more than a year ago', () => {
  let test: TestPlatform;
  let f: AgendaFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: new Date('2025-01-06T08:00:00Z') });
    f = await agendaFixture(test);
  });
  afterAll(() => test?.stop());

  it('deletes the plages whose last occurrence is over a year old and keeps the others', async () => {
    const create = async (body: Record<string, unknown>) => {
      const response = await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, { token: f.tokens.mairieAdmin, body: plageBody(f, body) });
      expectStatus(response, 201);
      return response.body.id as string;
    };
    await create({ first_day: '2025-01-06', until: '2025-03-31' });
    const singleDay = await create({ first_day: '2025-04-01', recurrence: null, until: null });
    const counted = await create({ first_day: '2025-01-06', recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=30', until: null });
    const stillRunning = await create({ first_day: '2025-01-06', until: '2027-12-31' });

    // 30 Mondays from 6 January 2025 end on 28 July 2025.
    expect(await purgeEndedPlages(test.platform, new Date('2026-04-02T10:00:00Z'))).toBe(1);
    const remaining = async () => (await test.sql(`SELECT id FROM plages_ouverture`)).map((row) => row.id).sort();
    expect(await remaining()).toEqual([singleDay, counted, stillRunning].sort());
    expect(await purgeEndedPlages(test.platform, new Date('2026-07-31T00:00:00Z'))).toBe(2);
    expect(await remaining()).toEqual([stillRunning]);
  });
});
