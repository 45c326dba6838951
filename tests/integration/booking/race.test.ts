import { TestPlatform } from '../../support/platform';
import { bookingFixture, BookingFixture, NOW, publicCreneaux } from './helpers';

const RACERS = 50;

/**
 * No double booking, whatever the concurrency: 50 usagers book the same créneau
 * at once. On PostgreSQL they go through two platforms (two pools, two servers:
 * two API processes) on one database; on the embedded engine, through one.
 * Exactly one gets the créneau, the others a 409.
 */
describe('fifty usagers racing for one créneau', () => {
  let first: TestPlatform;
  let platforms: TestPlatform[];
  let f: BookingFixture;

  beforeAll(async () => {
    first = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(first);
    platforms = process.env.DATABASE_URL ? [first, await TestPlatform.start({ now: NOW, sameDatabaseAs: first })] : [first];
  });
  afterAll(async () => {
    for (const platform of platforms.slice(1)) await platform.stop();
    await first?.stop();
  });

  it('gives the créneau to exactly one of them', async () => {
    const [slot] = await publicCreneaux(first, f.mairieSlug, f.cni, f.hotelDeVille, '2026-12-01');
    const answers = await Promise.all(Array.from({ length: RACERS }, (_, index) =>
      platforms[index % platforms.length].call('post', '/api/public/rdvs', {
        body: {
          motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: slot.starts_at,
          user: { first_name: 'Usager', last_name: `Numéro ${index}`, email: `usager${index}@example.fr` },
        },
      })));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(RACERS - 1);
    const taken = await first.sql(
      `SELECT r.status, ra.agent_id FROM rdvs r JOIN rdv_agents ra ON ra.rdv_id = r.id WHERE r.starts_at = $1 AND ra.active`, [slot.starts_at]);
    expect(taken).toEqual([{ status: 'pending', agent_id: f.basicEtatCivil }]);
    expect(await first.sql(`SELECT count(*)::int AS holds FROM rdv_holds`)).toEqual([{ holds: 1 }]);
  });
});
