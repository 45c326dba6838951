import ExcelJS from 'exceljs';
import { exportsHousekeeping } from '../../../platform/src/exports/housekeeping';
import { EXPORT_LIFETIME_MS } from '../../../platform/src/exports/store';
import { devMailbox } from '../../../platform/src/notifications/mail';
import { waitFor } from '../../support/events';
import { ApiResponse, TestPlatform } from '../../support/platform';
import { BookingFixture, bookingFixture, expectStatus, NOW } from '../booking/helpers';
import { expectProblem } from '../foundation/helpers';
import { fastJobs, RunningPipeline, startPipeline } from '../notifications/pipeline';

/**
 * Exports (issue 20, seed 001 « Comment exporter une liste de rendez-vous ? »): built in
 * the background, read back here with exceljs as a spreadsheet would read them.
 */
describe('exports', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW, config: { jobs: fastJobs() } });
    f = await bookingFixture(test);
    pipeline = await startPipeline(test);
    // Booked on Monday 23 November 2026 at 10:15 in Paris.
    test.clock.set(new Date('2026-11-23T09:15:00Z'));
    const alix = await f.createUser(f.mairie, f.tokens.mairieAdmin, {
      first_name: '=HYPERLINK("http://evil.example")', last_name: 'Durand', birth_date: '2012-05-04', address: '3 rue des Lilas, 75011 Paris',
      custom_fields: { numero_allocataire: '1234567', situation_familiale: 'parent_isole' },
    });
    const book = async (body: Record<string, unknown>) => {
      const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, { token: f.tokens.mairieAdmin, body: { notify: false, force: true, ...body } });
      expectStatus(response, 201);
      return response.body.id as string;
    };
    await book({
      motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], user_ids: [alix, f.camille],
      starts_at: '2026-12-02T09:30:00+01:00', context: '+33 6 12 34 56 78 a rappelé', custom_fields: { orientation: 'Partenaire' },
    });
    await book({ motif_id: f.permis, agent_ids: [f.basicUrbanisme], user_ids: [f.camille], starts_at: '2026-12-03T14:00:00+01:00' });
    await book({ motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], user_ids: [f.camille], starts_at: '2026-12-10T09:00:00+01:00' });
    test.clock.set(NOW);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await test?.stop();
  });

  async function request(body: Record<string, unknown>, token = f.tokens.mairieAdmin, path = `/api/v1/organisations/${f.mairie}/exports`) {
    const response = await test.call('post', path, { token, body });
    expectStatus(response, 202);
    expect(response.body).toEqual({ id: expect.any(String), status: 'pending' });
    return response.body.id as string;
  }
  async function whenReady(id: string, token = f.tokens.mairieAdmin) {
    let answer: ApiResponse | undefined;
    await waitFor('the export', async () => {
      answer = await test.call('get', `/api/v1/exports/${id}`, { token });
      expectStatus(answer, 200);
      return answer.body.status === 'ready' || answer.body.status === 'failed';
    });
    return answer!.body;
  }
  async function download(id: string, token = f.tokens.mairieAdmin) {
    const response = await fetch(`${test.baseUrl}/api/v1/exports/${id}/download`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.worksheets[0];
    const headers = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    const rows = [];
    for (let index = 2; index <= sheet.rowCount; index++) {
      const values = sheet.getRow(index).values as unknown[];
      rows.push(Object.fromEntries(headers.map((header, column) => [header, values[column + 1] ?? null])));
    }
    return { headers, rows, sheet };
  }

  it("exports the filtered rdvs with the reference's columns, typed dates, the territory's fields, and formulas neutralised; the agent is emailed", async () => {
    const mailbox = devMailbox(test.platform)!;
    mailbox.clear();
    const id = await request({ kind: 'rdvs', filters: { starts_after: '2026-12-01', starts_before: '2026-12-07' } });
    const ready = await whenReady(id);
    expect(ready).toMatchObject({ status: 'ready', progress: 100, row_count: 2, download_url: `${test.baseUrl}/api/v1/exports/${id}/download` });

    const { headers, rows, sheet } = await download(id);
    expect(headers.slice(0, 21)).toEqual([
      'année', 'date prise rdv', 'heure prise rdv', 'origine', 'date rdv', 'heure rdv', 'service', 'motif', 'contexte', 'statut', 'lieu',
      'professionnel.le(s)', 'usager(s)', 'commune du premier responsable', 'au moins un usager mineur ?', 'résultat des notifications',
      'organisation', 'date(s) de naissance', 'code postal du premier responsable', 'créé par', 'e-mail(s) professionnel.le(s)',
    ]);
    expect(headers).toEqual(expect.arrayContaining(['Orienté par', 'usager : nom', 'usager : e-mail', "usager : Numéro d'allocataire CAF", 'usager : Situation familiale']));
    expect(rows).toHaveLength(2);
    const [cni, phone] = rows;
    // Dates and times are date cells holding Paris's wall time (09:30 on 2 December, booked 23 November at 10:15).
    expect(cni['date rdv']).toEqual(new Date('2026-12-02T09:30:00Z'));
    expect(cni['heure rdv']).toEqual(new Date('2026-12-02T09:30:00Z'));
    expect(cni['date prise rdv']).toEqual(new Date('2026-11-23T10:15:00Z'));
    expect(sheet.getRow(2).getCell(headers.indexOf('date rdv') + 1).numFmt).toBe('dd/mm/yyyy');
    expect(sheet.getRow(2).getCell(headers.indexOf('heure rdv') + 1).numFmt).toBe('hh:mm');
    expect(cni).toMatchObject({
      année: 2026, origine: 'agent', statut: 'à venir', lieu: 'Hôtel de ville', organisation: 'Mairie de Val-Fleuri',
      // Text that would run as a formula keeps a leading quote.
      contexte: "'+33 6 12 34 56 78 a rappelé",
      'usager(s)': `'=HYPERLINK("http://evil.example") Durand, Camille Martin`,
      'commune du premier responsable': 'Paris', 'code postal du premier responsable': '75011',
      'au moins un usager mineur ?': 'oui', 'date(s) de naissance': '04/05/2012',
      'Orienté par': 'Partenaire', 'usager : nom': 'Durand, Martin',
    });
    expect(cni['e-mail(s) professionnel.le(s)']).toBe('agent.etatcivil@demo.test');
    expect(phone).toMatchObject({ motif: 'Permis de construire — conseil', 'au moins un usager mineur ?': 'non', 'usager : e-mail': 'camille@example.fr' });
    // No cell holds a formula.
    sheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));

    const toAdmin = () => mailbox.messages().filter((entry) => (entry.message.to as { address: string }).address === 'admin.mairie@demo.test');
    await waitFor('the export email', () => toAdmin().length > 0);
    const told = toAdmin();
    expect(told.map((entry) => entry.message.subject)).toEqual(['Votre export est prêt : rendez-vous de Mairie de Val-Fleuri']);
    expect(told[0].message.text).toContain(`${test.baseUrl}/admin/exports`);
  });

  it('exports one row per participation, and lists the agent\'s exports in « Vos exports »', async () => {
    test.clock.advance(60_000);
    const id = await request({ kind: 'participations', filters: { motif_id: f.cni } });
    expect(await whenReady(id)).toMatchObject({ status: 'ready', row_count: 3 });
    const { rows } = await download(id);
    expect(rows.map((row) => [row['usager : prénom'], row['statut de la participation']])).toEqual([
      [`'=HYPERLINK("http://evil.example")`, 'à venir'], ['Camille', 'à venir'], ['Camille', 'à venir'],
    ]);
    expect(rows[0]["usager : Numéro d'allocataire CAF"]).toBe('1234567');
    expect(rows[0]['usager : date de naissance']).toEqual(new Date('2012-05-04T00:00:00Z'));
    const mine = await test.call('get', '/api/v1/exports', { token: f.tokens.mairieAdmin });
    expectStatus(mine, 200);
    expect(mine.body.data[0]).toMatchObject({ id, kind: 'participations', status: 'ready', organisation_name: 'Mairie de Val-Fleuri' });
    expect(mine.body.meta.total_count).toBe(2);
  });

  it("gives territorial admins the territory's rdvs, and nobody else the export", async () => {
    const id = await request({ kind: 'rdvs' }, f.tokens.territorialAdmin, '/api/v1/territories/current/exports');
    expect(await whenReady(id, f.tokens.territorialAdmin)).toMatchObject({ status: 'ready', row_count: 3 });
    for (const token of [f.tokens.mairieAdmin, f.tokens.etatCivil]) {
      expectProblem(await test.call('get', `/api/v1/exports/${id}`, { token }), 404);
      expectProblem(await test.call('get', `/api/v1/exports/${id}/download`, { token }), 404);
    }
    expect((await test.call('get', '/api/v1/exports', { token: f.tokens.etatCivil })).body.data).toEqual([]);
  });

  it('refuses basic agents, other organisations, unknown kinds and malformed filters, writing nothing', async () => {
    const before = await test.sql(`SELECT count(*)::int AS count FROM exports`);
    expectProblem(await test.call('post', `/api/v1/organisations/${f.mairie}/exports`, { token: f.tokens.etatCivil, body: { kind: 'rdvs' } }), 403);
    expectProblem(await test.call('post', `/api/v1/organisations/${f.mairie}/exports`, { token: f.tokens.ccasAdmin, body: { kind: 'rdvs' } }), 404);
    expectProblem(await test.call('post', '/api/v1/territories/current/exports', { token: f.tokens.mairieAdmin, body: { kind: 'rdvs' } }), 403);
    const kind = await test.call('post', `/api/v1/organisations/${f.mairie}/exports`, { token: f.tokens.mairieAdmin, body: { kind: 'agents' } });
    expectProblem(kind, 422);
    expect(kind.body.errors.map((error: { path: string }) => error.path)).toEqual(['kind']);
    const filter = await test.call('post', `/api/v1/organisations/${f.mairie}/exports`, { token: f.tokens.mairieAdmin, body: { kind: 'rdvs', filters: { motif_id: 'x' } } });
    expectProblem(filter, 400);
    expect(filter.body.errors).toEqual([{ path: 'motif_id', message: 'must be an id' }]);
    expect(await test.sql(`SELECT count(*)::int AS count FROM exports`)).toEqual(before);
  });

  it('deletes exports and their files once their time is over', async () => {
    const id = await request({ kind: 'rdvs' });
    await whenReady(id);
    expect((await test.sql(`SELECT count(*)::int AS count FROM export_chunks WHERE export_id = $1`, [id]))[0].count).toBeGreaterThan(0);
    test.clock.set(new Date(NOW.getTime() + EXPORT_LIFETIME_MS - 60_000));
    await exportsHousekeeping.run(test.platform);
    expect(await test.sql(`SELECT id FROM exports WHERE id = $1`, [id])).toHaveLength(1);
    test.clock.set(new Date(NOW.getTime() + EXPORT_LIFETIME_MS + 60_000));
    await exportsHousekeeping.run(test.platform);
    expect(await test.sql(`SELECT id FROM exports`)).toEqual([]);
    expect(await test.sql(`SELECT export_id FROM export_chunks`)).toEqual([]);
    // Signed in again: a session does not last a week.
    expectProblem(await test.call('get', `/api/v1/exports/${id}`, { token: await test.signIn('admin.mairie@demo.test') }), 404);
  });
});
