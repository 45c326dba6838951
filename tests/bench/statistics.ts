/**
 * Statistics and exports bench (issue 20): a territory's year of statistics over 150,000
 * rdvs (with their participations, agents' time and 300,000 notification receipts) through
 * the API, and the .xlsx export of 50,000 of them, timed with the process's memory sampled
 * meanwhile. The database is PostgreSQL when DATABASE_URL is set, else the embedded one.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildExport } from '../../platform/src/exports/build';
import { NOW } from '../integration/booking/helpers';
import { TestPlatform } from '../support/platform';
import { percentile, type BenchFigure, type BenchSection } from './report';

const RDVS = 150_000;
const EXPORTED = 50_000;
const USAGERS = 20_000;
const YEAR = { from: '2026-01-01', to: '2026-12-31' };
const MB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
/** V8's collector, reachable once --expose-gc is set at run time. */
const collectGarbage = runInNewContext('gc') as () => void;

/** A year of the demo mairie's rdvs (2026), written in SQL as booking writes them; agents' times never overlap. */
export async function fillYear(test: TestPlatform): Promise<void> {
  const [{ id: mairie, territory_id: territoryId }] = await test.sql(`SELECT id, territory_id FROM organisations WHERE slug = 'mairie-val-fleuri'`);
  const motifs = (await test.sql(`SELECT id FROM motifs WHERE organisation_id = $1 ORDER BY name`, [mairie])).map((row) => row.id);
  const agents = (await test.sql(`SELECT agent_id FROM agent_roles WHERE organisation_id = $1 ORDER BY agent_id`, [mairie])).map((row) => row.agent_id);
  const [{ id: lieu }] = await test.sql(`SELECT id FROM lieux WHERE organisation_id = $1 LIMIT 1`, [mairie]);
  // Each agent's rdvs last 5 minutes, one every `step` seconds, so that the year holds them all.
  const step = Math.floor((364 * 86_400 * agents.length) / RDVS);
  if (step < 300) throw new Error(`${agents.length} agents cannot take ${RDVS} rdvs of 5 minutes in a year`);
  await test.sql(
    `INSERT INTO users (territory_id, first_name, last_name, email, birth_date, address)
     SELECT $1, 'Usager', 'N' || n, 'bench' || n || '@example.fr', date '1950-01-01' + (n % 25000), n || ' rue des Lilas, 75011 Paris'
       FROM generate_series(1, $2) AS n`, [territoryId, USAGERS]);
  // Rdv n: agent n mod A, in each agent's own line through the year.
  await test.sql(
    `WITH r AS (
       INSERT INTO rdvs (territory_id, organisation_id, motif_id, lieu_id, starts_at, ends_at, status, created_by, created_by_agent_id, created_at, updated_at, context)
       SELECT $1, $2, ($3::uuid[])[1 + n % cardinality($3::uuid[])], $4,
              timestamptz '2026-01-01T07:00:00Z' + (n / cardinality($5::uuid[])) * $8 * interval '1 second',
              timestamptz '2026-01-01T07:05:00Z' + (n / cardinality($5::uuid[])) * $8 * interval '1 second',
              (ARRAY['seen','seen','seen','seen','seen','seen','seen','noshow','excused','revoked'])[1 + n % 10],
              (ARRAY['agent','agent','user','prescripteur'])[1 + n % 4],
              ($5::uuid[])[1 + n % cardinality($5::uuid[])],
              timestamptz '2026-01-01T07:00:00Z' + (n / cardinality($5::uuid[])) * $8 * interval '1 second' - (n % 40) * interval '1 day',
              now(), CASE WHEN n % 50 = 0 THEN '=1+1 rappel' ELSE NULL END
         FROM generate_series(0, $6 - 1) AS n
       RETURNING id, starts_at, ends_at, status, created_by_agent_id, created_at),
     ra AS (
       INSERT INTO rdv_agents (territory_id, rdv_id, agent_id, starts_at, ends_at, active)
       SELECT $1, r.id, r.created_by_agent_id, r.starts_at, r.ends_at, r.status NOT IN ('excused', 'revoked') FROM r),
     u AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM users WHERE territory_id = $1 AND email LIKE 'bench%'),
     p AS (
       INSERT INTO participations (territory_id, rdv_id, user_id, status, created_by)
       SELECT $1, r.id, u.id, r.status, 'agent' FROM r JOIN u ON u.k = 1 + (extract(epoch FROM r.starts_at)::bigint / 60) % $7)
     INSERT INTO notification_receipts (territory_id, dedupe_key, rdv_id, event, channel, recipient_type, recipient, status, created_at)
     SELECT $1, r.id || ':' || c.channel, r.id, 'rdv_created', c.channel, 'user', 'b*****@example.fr',
            CASE WHEN c.channel = 'sms' AND abs(hashtext(r.id::text)) % 20 = 0 THEN 'failed' ELSE 'sent' END, r.created_at
       FROM r CROSS JOIN (VALUES ('email'), ('sms')) AS c(channel)`,
    [territoryId, mairie, motifs, lieu, agents, RDVS, USAGERS, step]);
  await test.db.maintenance('VACUUM ANALYZE');
}

async function yearOfStatistics(test: TestPlatform, token: string): Promise<BenchFigure> {
  const ask = async () => {
    const started = performance.now();
    const response = await test.call('get', `/api/v1/territories/current/statistics?from=${YEAR.from}&to=${YEAR.to}`, { token });
    if (response.status !== 200) throw new Error(`statistics: ${response.status} ${JSON.stringify(response.body)}`);
    const total = Object.values(response.body.rdvs_by_status as Record<string, number>).reduce((sum, count) => sum + count, 0);
    if (total !== RDVS) throw new Error(`statistics counted ${total} rdvs, not ${RDVS}`);
    return performance.now() - started;
  };
  await ask();
  const samples: number[] = [];
  for (let run = 0; run < 5; run++) samples.push(await ask());
  console.log(`  statistics: ${samples.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  return { name: `a territory's year of statistics (${RDVS.toLocaleString('en')} rdvs), median of 5`, value: percentile(samples, 50), unit: 'ms', target: { value: 500, better: 'lower' } };
}

/** The export built in this process (as the worker would), the memory sampled every 50 ms. */
async function exportOf50k(test: TestPlatform, token: string): Promise<BenchFigure[]> {
  const [{ starts_at: last }] = await test.sql(`SELECT starts_at FROM rdvs ORDER BY starts_at OFFSET $1 LIMIT 1`, [EXPORTED - 1]);
  const before = new Date(last.getTime() + 1).toISOString();
  const requested = await test.call('post', '/api/v1/territories/current/exports', { token, body: { kind: 'rdvs', filters: { starts_before: before } } });
  if (requested.status !== 202) throw new Error(`export: ${requested.status} ${JSON.stringify(requested.body)}`);
  const [{ territory_id: territoryId }] = await test.sql(`SELECT territory_id FROM exports WHERE id = $1`, [requested.body.id]);
  // Live memory: collected before each sample, so that garbage not yet collected does not count.
  const memory = () => {
    collectGarbage();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const baseline = memory();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, memory())), 2_000);
  const started = performance.now();
  await buildExport(test.platform, territoryId, requested.body.id);
  const elapsed = performance.now() - started;
  clearInterval(sampler);
  const [row] = await test.sql(`SELECT status, row_count, byte_size FROM exports WHERE id = $1`, [requested.body.id]);
  if (row.status !== 'ready' || row.row_count !== EXPORTED) throw new Error(`export: ${JSON.stringify(row)}`);
  console.log(`  export: ${row.row_count} rows, ${(Number(row.byte_size) / MB).toFixed(1)} MB of .xlsx in ${(elapsed / 1000).toFixed(1)} s`);
  return [
    { name: `exporting ${EXPORTED.toLocaleString('en')} rdvs as .xlsx`, value: elapsed / 1000, unit: 's', target: { value: 20, better: 'lower' } },
    { name: 'live memory taken while exporting (JS heap and buffers after collection, peak over start)', value: (peak - baseline) / MB, unit: 'MB', target: { value: 50, better: 'lower' } },
  ];
}

export const statisticsSection: BenchSection = {
  name: 'statistics and exports',
  async run() {
    const test = await TestPlatform.start({ now: NOW });
    try {
      const started = performance.now();
      await fillYear(test);
      console.log(`  ${RDVS} rdvs written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const token = await test.signIn('territoire@demo.test');
      return [await yearOfStatistics(test, token), ...(await exportOf50k(test, token))];
    } finally {
      await test.stop();
    }
  },
};
