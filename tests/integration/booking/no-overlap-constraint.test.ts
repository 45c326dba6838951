import { demoIds, TestPlatform } from '../../support/platform';

/** PostgreSQL itself refuses two overlapping active rdvs in one agent's agenda. */
describe('the rdv_agents exclusion constraint', () => {
  let test: TestPlatform;
  let ids: Awaited<ReturnType<typeof demoIds>>;
  let motifId: string;

  beforeAll(async () => {
    test = await TestPlatform.start();
    ids = await demoIds(test);
    [{ id: motifId }] = await test.sql(`SELECT id FROM motifs WHERE organisation_id = $1 LIMIT 1`, [ids.mairie]);
  });
  afterAll(() => test.stop());

  async function book(agentId: string, startsAt: string, endsAt: string, options: { overbooked?: boolean } = {}): Promise<string> {
    const [{ territory_id }] = await test.sql(`SELECT territory_id FROM organisations WHERE id = $1`, [ids.mairie]);
    const [rdv] = await test.sql(
      `INSERT INTO rdvs (territory_id, organisation_id, motif_id, starts_at, ends_at, created_by)
       VALUES ($1, $2, $3, $4, $5, 'agent') RETURNING id`,
      [territory_id, ids.mairie, motifId, startsAt, endsAt],
    );
    await test.sql(
      `INSERT INTO rdv_agents (territory_id, rdv_id, agent_id, starts_at, ends_at, active, overbooked)
       VALUES ($1, $2, $3, $4, $5, true, $6)`,
      [territory_id, rdv.id, agentId, startsAt, endsAt, options.overbooked ?? false],
    );
    return rdv.id;
  }

  it('refuses an overlap (SQLSTATE 23P01) and accepts intervals that only touch', async () => {
    await book(ids.basicEtatCivil, '2030-01-07T09:00:00Z', '2030-01-07T09:30:00Z');
    await expect(book(ids.basicEtatCivil, '2030-01-07T09:15:00Z', '2030-01-07T09:45:00Z')).rejects.toMatchObject({ driverError: { code: '23P01' } });
    await expect(book(ids.basicEtatCivil, '2030-01-07T09:30:00Z', '2030-01-07T10:00:00Z')).resolves.toBeDefined();
    await expect(book(ids.mairieAdmin, '2030-01-07T09:15:00Z', '2030-01-07T09:45:00Z')).resolves.toBeDefined();
  });

  it('lets an agent overbook explicitly', async () => {
    await book(ids.secretariat, '2030-01-08T09:00:00Z', '2030-01-08T09:30:00Z');
    await expect(book(ids.secretariat, '2030-01-08T09:00:00Z', '2030-01-08T09:30:00Z', { overbooked: true })).resolves.toBeDefined();
  });

  it('frees the time when the rdv is cancelled and follows a move, through the trigger', async () => {
    const first = await book(ids.basicUrbanisme, '2030-01-09T09:00:00Z', '2030-01-09T09:30:00Z');
    await expect(book(ids.basicUrbanisme, '2030-01-09T09:00:00Z', '2030-01-09T09:30:00Z')).rejects.toBeDefined();
    await test.sql(`UPDATE rdvs SET status = 'excused' WHERE id = $1`, [first]);
    await expect(book(ids.basicUrbanisme, '2030-01-09T09:00:00Z', '2030-01-09T09:30:00Z')).resolves.toBeDefined();

    // Putting the cancelled rdv back is refused while its time is taken.
    await expect(test.sql(`UPDATE rdvs SET status = 'unknown' WHERE id = $1`, [first])).rejects.toMatchObject({ driverError: { code: '23P01' } });
    await test.sql(`UPDATE rdvs SET status = 'unknown', starts_at = '2030-01-09T10:00:00Z', ends_at = '2030-01-09T10:30:00Z' WHERE id = $1`, [first]);
    const [moved] = await test.sql(`SELECT starts_at, active FROM rdv_agents WHERE rdv_id = $1`, [first]);
    expect(new Date(moved.starts_at).toISOString()).toBe('2030-01-09T10:00:00.000Z');
    expect(moved.active).toBe(true);
  });

  it('refuses an rdv of more than 12 hours: the créneaux search reads busy time from 12 hours before its window', async () => {
    await expect(book(ids.mairieAdmin, '2030-01-10T06:00:00Z', '2030-01-10T18:00:00Z')).resolves.toBeDefined();
    await expect(book(ids.mairieAdmin, '2030-01-11T06:00:00Z', '2030-01-11T18:01:00Z')).rejects.toMatchObject({ driverError: { code: '23514' } });
  });
});
