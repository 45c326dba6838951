import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_TENANT_DIR } from '../../../platform/src/bootstrap';
import { applyTenant } from '../../../platform/src/tenancy/apply';
import { exportTenant } from '../../../platform/src/tenancy/export';
import { demoIds, TestPlatform } from '../../support/platform';
import { expectProblem, fingerprint, lieuBody } from './helpers';

/** What France Titres (ANTS) needs of a meeting point, as a lieu gives it. */
const SAUMUR = { street: '1 place de la Mairie', postcode: '49400', city: 'Saumur', latitude: 47.2597, longitude: -0.0769 };
const STRUCTURED = ['street', 'postcode', 'city', 'latitude', 'longitude'] as const;

/** Lieux keep a one-line address and gain a structured one with coordinates (all optional). */
describe('lieux: structured address and coordinates', () => {
  let test: TestPlatform;
  let demo: Awaited<ReturnType<typeof demoIds>>;
  let admin: string;
  let lieuxPath: string;
  const folders: string[] = [];

  beforeAll(async () => {
    test = await TestPlatform.start({ now: new Date('2026-12-07T09:00:00Z') });
    demo = await demoIds(test);
    admin = await test.signIn('admin.mairie@demo.test');
    lieuxPath = `/api/v1/organisations/${demo.mairie}/lieux`;
  });
  afterAll(async () => {
    await test?.stop();
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });

  const stored = async (id: string) => (await test.sql(
    `SELECT address, street, postcode, city, latitude, longitude FROM lieux WHERE id = $1`, [id]))[0];
  const create = async (body: Record<string, unknown>) => {
    const response = await test.call('post', lieuxPath, { token: admin, body });
    expect(response.status).toBe(201);
    return response.body;
  };

  /** Calls, checks the 422 problem and that no table changed; answers the errors' paths. */
  async function refused(method: 'post' | 'patch', requestPath: string, body: unknown): Promise<string[]> {
    const before = await fingerprint(test);
    const response = await test.call(method, requestPath, { token: admin, body });
    expectProblem(response, 422);
    expect(await fingerprint(test)).toEqual(before);
    return (response.body.errors as { path: string }[]).map((error) => error.path).sort();
  }

  it('gives the demo lieux their structured addresses and coordinates', async () => {
    const list = await test.call('get', lieuxPath, { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.data.find((lieu: { name: string }) => lieu.name === 'Hôtel de ville')).toMatchObject({
      address: '1 place de la Mairie, 71000 Val-Fleuri',
      street: '1 place de la Mairie', postcode: '71000', city: 'Val-Fleuri', latitude: 46.3066, longitude: 4.8319,
    });
    const missing = await test.sql(`SELECT name FROM lieux WHERE street IS NULL OR postcode IS NULL OR city IS NULL OR latitude IS NULL`);
    expect(missing).toEqual([]);
  });

  it('creates, reads and changes a lieu with them', async () => {
    const created = await create({ ...lieuBody('Mairie de Saumur'), ...SAUMUR });
    expect(created).toMatchObject({ name: 'Mairie de Saumur', address: lieuBody('').address, ...SAUMUR });
    const read = await test.call('get', `/api/v1/lieux/${created.id}`, { token: admin });
    expect(read.body).toEqual(created);
    expect(await stored(created.id)).toEqual({ address: lieuBody('').address, ...SAUMUR });

    // A change of one part leaves the others; the coordinates move together.
    const moved = await test.call('patch', `/api/v1/lieux/${created.id}`, { token: admin, body: { street: '2 rue Molière', latitude: 47.26, longitude: -0.08 } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ ...SAUMUR, street: '2 rue Molière', latitude: 47.26, longitude: -0.08 });
    expect(await stored(created.id)).toEqual({ address: lieuBody('').address, ...SAUMUR, street: '2 rue Molière', latitude: 47.26, longitude: -0.08 });

    const cleared = await test.call('patch', `/api/v1/lieux/${created.id}`, { token: admin, body: { street: null, latitude: null, longitude: null } });
    expect(cleared.status).toBe(200);
    expect(await stored(created.id)).toMatchObject({ street: null, postcode: '49400', city: 'Saumur', latitude: null, longitude: null });
  });

  it('keeps lieux without them working: the one-line address is enough, the rest reads null', async () => {
    const created = await create(lieuBody('Salle des fêtes'));
    expect(Object.fromEntries(STRUCTURED.map((name) => [name, created[name]]))).toEqual({ street: null, postcode: null, city: null, latitude: null, longitude: null });
    const renamed = await test.call('patch', `/api/v1/lieux/${created.id}`, { token: admin, body: { name: 'Salle polyvalente' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Salle polyvalente', street: null, latitude: null });
  });

  it('accepts the postcodes of every département and of overseas, and the extreme coordinates', async () => {
    const { id } = await create(lieuBody('Antenne'));
    for (const [postcode, latitude, longitude] of [['01000', -90, -180], ['20000', 90, 180], ['97411', -21.3393, 55.4781], ['98800', -22.2758, 166.458], ['95000', 0, 0]] as const) {
      const changed = await test.call('patch', `/api/v1/lieux/${id}`, { token: admin, body: { postcode, latitude, longitude } });
      expect({ postcode, status: changed.status }).toEqual({ postcode, status: 200 });
      expect(await stored(id)).toMatchObject({ postcode, latitude, longitude });
    }
  });

  describe('refuses bad values with 422 naming the field, writing nothing', () => {
    let lieuPath: string;
    beforeAll(async () => {
      lieuPath = `/api/v1/lieux/${(await create({ ...lieuBody('Point de rendez-vous'), ...SAUMUR })).id}`;
    });
    const cases: [string, Record<string, unknown>, string[]][] = [
      ['a postcode of 4 digits', { postcode: '7100' }, ['postcode']],
      ['a postcode of 6 digits', { postcode: '710000' }, ['postcode']],
      ['a postcode of no département (00, 99)', { postcode: '00100' }, ['postcode']],
      ['a postcode past overseas', { postcode: '99000' }, ['postcode']],
      ['a postcode with spaces or letters', { postcode: '71 000' }, ['postcode']],
      ['a Corsican INSEE code', { postcode: '2A004' }, ['postcode']],
      ['a latitude above 90', { latitude: 90.5, longitude: 4 }, ['latitude']],
      ['a longitude below -180', { latitude: 46, longitude: -180.01 }, ['longitude']],
      ['a latitude without longitude', { latitude: 46.3 }, ['longitude']],
      ['a longitude without latitude', { longitude: 4.8 }, ['latitude']],
      ['a latitude with a null longitude', { latitude: 46.3, longitude: null }, ['longitude']],
      ['a null latitude with a longitude', { latitude: null, longitude: 4.8 }, ['latitude']],
      ['a null latitude alone (the longitude would stay)', { latitude: null }, ['longitude']],
      ['coordinates as text', { latitude: '46.3', longitude: '4.8' }, ['latitude', 'longitude']],
      ['a postcode as a number', { postcode: 71000 }, ['postcode']],
      ['a street and a city of other types', { street: 12, city: true }, ['city', 'street']],
      ['blank street and city', { street: '   ', city: '' }, ['city', 'city', 'street']],
      ['a street over 200 characters', { street: `${'1 rue '.padEnd(201, 'x')}` }, ['street']],
      ['a city over 100 characters', { city: 'V'.repeat(101) }, ['city']],
      ['a street of 100 000 characters', { street: 'x'.repeat(100_000) }, ['street']],
    ];

    it.each(cases)('%s', async (_what, fields, paths) => {
      expect(await refused('post', lieuxPath, { ...lieuBody('Refusé'), ...fields })).toEqual(paths);
      expect(await refused('patch', lieuPath, fields)).toEqual(paths);
    });

    it('keeps the table whole whatever writes: a lone coordinate or one out of range is refused by PostgreSQL too', async () => {
      const [lieu] = await test.sql(`SELECT id FROM lieux WHERE name = 'Point de rendez-vous'`);
      await expect(test.sql(`UPDATE lieux SET latitude = NULL WHERE id = $1`, [lieu.id])).rejects.toThrow(/lieux_coordinates/);
      await expect(test.sql(`UPDATE lieux SET longitude = 200 WHERE id = $1`, [lieu.id])).rejects.toThrow(/lieux_coordinates/);
      expect(await stored(lieu.id)).toMatchObject({ latitude: SAUMUR.latitude, longitude: SAUMUR.longitude });
    });
  });

  describe('in tenant files', () => {
    const mairieLieux = (dir: string) => path.join(dir, 'organisations/mairie-val-fleuri/lieux.json');
    function demoCopy(editLieux: (lieux: Record<string, unknown>[]) => Record<string, unknown>[]): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-lieux-'));
      folders.push(dir);
      fs.cpSync(DEMO_TENANT_DIR, dir, { recursive: true });
      fs.writeFileSync(mairieLieux(dir), JSON.stringify(editLieux(JSON.parse(fs.readFileSync(mairieLieux(dir), 'utf8')))));
      return dir;
    }
    const territoryId = async () => (await test.sql(`SELECT territory_id FROM organisations WHERE id = $1`, [demo.mairie]))[0].territory_id as string;

    it('exports them, and applies a folder that changes and adds them', async () => {
      const files = await test.db.tenant(await territoryId(), () => exportTenant(test.platform));
      expect(files.organisations['mairie-val-fleuri'].lieux).toContainEqual(expect.objectContaining({
        name: 'Mairie annexe des Tilleuls', street: '12 rue des Tilleuls', postcode: '71000', city: 'Val-Fleuri', latitude: 46.3124, longitude: 4.8197,
      }));

      const dir = demoCopy((lieux) => [
        ...lieux.map((lieu) => (lieu.name === 'Hôtel de ville' ? { ...lieu, latitude: 46.307, longitude: 4.832 } : lieu)),
        { name: 'Antenne de Saint-Pierre', address: '5 rue Marius et Ary Leblond, 97410 Saint-Pierre', street: '5 rue Marius et Ary Leblond', postcode: '97410', city: 'Saint-Pierre', latitude: -21.3393, longitude: 55.4781 },
      ]);
      const report = await applyTenant(test.platform, dir);
      expect(report).toMatchObject({ created: 1, updated: 1 });
      const rows = await test.sql(`SELECT name, street, postcode, city, latitude, longitude FROM lieux WHERE name IN ('Hôtel de ville', 'Antenne de Saint-Pierre') ORDER BY name`);
      expect(rows).toEqual([
        { name: 'Antenne de Saint-Pierre', street: '5 rue Marius et Ary Leblond', postcode: '97410', city: 'Saint-Pierre', latitude: -21.3393, longitude: 55.4781 },
        { name: 'Hôtel de ville', street: '1 place de la Mairie', postcode: '71000', city: 'Val-Fleuri', latitude: 46.307, longitude: 4.832 },
      ]);
    });

    it('refuses a lieu with a latitude and no longitude, naming the file and the field, writing nothing', async () => {
      const before = await fingerprint(test);
      const dir = demoCopy((lieux) => [...lieux, { name: 'Sans longitude', address: '3 rue Haute, 71000 Val-Fleuri', latitude: 46.3 }]);
      const refusal = await applyTenant(test.platform, dir).catch((error) => error);
      expect(refusal.message).toMatch(/organisations\/mairie-val-fleuri\/lieux\.json/);
      expect(refusal.errors).toEqual([{ path: '2.longitude', message: 'is required' }]);
      expect(await fingerprint(test)).toEqual(before);
    });
  });
});
