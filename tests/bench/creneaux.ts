/**
 * Créneaux bench: a 7-day "Trouver un RDV" over one organisation and over the
 * whole territory, and next availability, through HTTP on a département-scale
 * territory; searches per second with 16 concurrent clients; and how the
 * search compares with PostgreSQL reading the same window's rows (plages,
 * absences, rdvs, closures), in the same kind of tenant transaction. PostgreSQL when
 * DATABASE_URL is set (a fresh database, dropped after), else the embedded
 * engine in a temporary folder (removed after).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { localDaysWindow } from '../../platform/src/agenda/time';
import { ManualClock } from '../../platform/src/clock';
import { readConfig } from '../../platform/src/config';
import { Database, tx } from '../../platform/src/db/database';
import { createApp } from '../../platform/src/http/app';
import { SchemaRegistry } from '../../platform/src/http/schemas';
import type { Platform } from '../../platform/src/platform';
import { LOAD_QUERIES, loadParameters, loadWindow, SearchScope } from '../../platform/src/scheduling/snapshot';
import { createTestDatabase } from '../support/database';
import { runClients } from './http-client';
import { BenchFigure, BenchSection, percentile } from './report';
import { addDays, BENCH_PASSWORD, buildTerritory, BenchTerritory, mondayInWeeks, ORGANISATIONS } from './territory';

/** Monday 2 March 2026, 08:00 in Paris. */
const NOW = new Date('2026-03-02T07:00:00Z');
const TIME_ZONE = 'Europe/Paris';
/** Searches run over the coming weeks, organisation after organisation. */
const WEEKS = 8;
const CLIENTS = 16;
const SAMPLES = { organisation: 400, territory: 160, nextAvailability: 400, throughput: 1_600, loading: 400 };
const MOTIF_KINDS = ['cni', 'acte', 'mariage', 'permis', 'accueil'] as const;

interface Answer {
  status: number;
  body: string;
}

interface BenchServer {
  platform: Platform;
  port: number;
  call(method: string, target: string, options?: { token?: string; body?: unknown }): Promise<Answer>;
  close(): Promise<void>;
}

/** The platform on a fresh database, listening on loopback, and a keep-alive client for it. */
async function startServer(): Promise<BenchServer> {
  const database = await createTestDatabase();
  const embeddedDir = database.url ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-bench-'));
  const db = await Database.open({
    url: database.url,
    embeddedDataDir: embeddedDir && path.join(embeddedDir, 'pglite'),
    poolSize: CLIENTS + 4,
  });
  const platform: Platform = { config: readConfig({}), db, clock: new ManualClock(NOW), schemas: new SchemaRegistry() };
  const server = createApp(platform).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  return {
    platform,
    port,
    call: (method, target, options = {}) => new Promise<Answer>((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] = 'application/json';
      const request = http.request({ host: '127.0.0.1', port, path: target, method, headers, agent }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      request.end(body);
    }),
    async close() {
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
      await database.drop();
      if (embeddedDir) fs.rmSync(embeddedDir, { recursive: true, force: true });
    },
  };
}

/** The bench's searches by index, going through organisations, weeks (from `now`) and motifs in turn. */
export function searchPaths(territory: BenchTerritory, now = NOW) {
  const organisation = (index: number) => territory.organisations[index % ORGANISATIONS];
  const week = (index: number) => mondayInWeeks(now, index % WEEKS);
  const allCni = territory.organisations.map((o) => o.motifs.cni).join(',');
  return {
    organisation(index: number) {
      const from = week(Math.floor(index / ORGANISATIONS));
      return `/api/v1/organisations/${organisation(index).id}/creneaux?motif_id=${organisation(index).motifs.cni}&from=${from}&to=${addDays(from, 6)}`;
    },
    territory(index: number) {
      const from = week(index);
      return `/api/v1/creneaux?motif_ids=${allCni}&from=${from}&to=${addDays(from, 6)}`;
    },
    nextAvailability(index: number) {
      const kind = MOTIF_KINDS[Math.floor(index / ORGANISATIONS) % MOTIF_KINDS.length];
      return `/api/v1/organisations/${organisation(index).id}/next_availability?motif_id=${organisation(index).motifs[kind]}`;
    },
  };
}

/** The first `count` paths of a search, by index. */
export function pathsOf(count: number, pathOf: (index: number) => string): string[] {
  return Array.from({ length: count }, (_, index) => pathOf(index));
}

/**
 * The plages of a search's window, as a loader reading them every time would ask
 * (the search keeps them, with absences and closures, per organisation and agenda
 * version instead, see AgendaKeeper).
 */
const WINDOW_PLAGES = `
  SELECT p.organisation_id, p.agent_id, p.lieu_id, array_to_string(p.motif_ids, ',') AS motif_ids, p.first_day::text AS first_day,
         p.start_time, p.end_time, p.recurrence, p.until::text AS until, p.exdates::text[] AS exdates
    FROM plages_ouverture p JOIN lieux l ON l.id = p.lieu_id AND l.deleted_at IS NULL
   WHERE p.organisation_id = ANY($1::uuid[]) AND p.motif_ids && $2::uuid[] AND p.first_day <= $4::date AND p.last_day >= $3::date
     AND EXISTS (SELECT 1 FROM agent_roles r WHERE r.agent_id = p.agent_id AND r.organisation_id = p.organisation_id)
     AND (p.organisation_id = ANY($5::uuid[]) OR p.agent_id = $6
          OR EXISTS (SELECT 1 FROM agent_services s WHERE s.agent_id = p.agent_id AND s.service_slug = ANY($7::text[])))`;

/** The closures of a search's window, as a loader reading them every time would ask. */
const WINDOW_CLOSURES = `
  SELECT organisation_id, lieu_id, first_day::text AS first_day, end_day::text AS end_day
    FROM closures WHERE organisation_id = ANY($1::uuid[]) AND first_day <= $3::date AND end_day >= $2::date`;

/**
 * Milliseconds PostgreSQL takes to read a search's window, alone: its plages, then
 * its agents' absences and rdvs (the loader's own statements) and its closures, in
 * a tenant transaction, timed around the queries only.
 */
async function loadingTimes(platform: Platform, territory: BenchTerritory, count: number, scopeOf: (index: number) => { scope: SearchScope; from: string }): Promise<number[]> {
  const samples = [];
  for (let index = 0; index < count; index++) {
    const { scope, from } = scopeOf(index);
    const load = loadWindow(localDaysWindow(from, addDays(from, 6), TIME_ZONE));
    samples.push(await platform.db.tenant(territory.territoryId, async () => {
      const started = performance.now();
      const { searcher } = scope;
      const plages: { agent_id: string; organisation_id: string }[] = await tx().query(WINDOW_PLAGES, [
        scope.organisationIds, scope.motifIds, load.firstDate, load.lastDate, searcher!.wholeOrganisationIds, searcher!.agentId, searcher!.services,
      ]);
      const agentIds = [...new Set(plages.map((plage) => plage.agent_id))];
      const organisationIds = [...new Set(plages.map((plage) => plage.organisation_id))];
      await tx().query(LOAD_QUERIES.absences, loadParameters.absences(agentIds, load));
      await tx().query(LOAD_QUERIES.rdvs, loadParameters.rdvs(agentIds, load));
      await tx().query(WINDOW_CLOSURES, [organisationIds, load.firstDate, load.lastDate]);
      return performance.now() - started;
    }));
  }
  return samples;
}

async function measure(server: BenchServer, territory: BenchTerritory, token: string): Promise<BenchFigure[]> {
  const paths = searchPaths(territory);
  const allOrganisations = territory.organisations.map((o) => o.id);
  const services = ['secretariat'];
  const adminScope = (organisationIds: string[], motifIds: string[]): SearchScope => ({
    organisationIds, motifIds, searcher: { agentId: territory.adminAgentId, services, wholeOrganisationIds: organisationIds },
  });

  const run = (count: number, pathOf: (index: number) => string, clients = 1) =>
    runClients(server.port, token, pathsOf(count, pathOf), clients);
  // A first pass over every organisation and week: expansions are not cached yet.
  const cold = (await run(ORGANISATIONS * WEEKS, paths.organisation)).latencies;
  await run(WEEKS, paths.territory);
  await run(ORGANISATIONS * MOTIF_KINDS.length, paths.nextAvailability);

  const organisationRun = await run(SAMPLES.organisation, paths.organisation);
  const organisation = organisationRun.latencies;
  const territoryRun = await run(SAMPLES.territory, paths.territory);
  const territoryWide = territoryRun.latencies;
  const next = (await run(SAMPLES.nextAvailability, paths.nextAvailability)).latencies;
  const concurrent = await run(SAMPLES.throughput, paths.organisation, CLIENTS);
  const perSecond = (SAMPLES.throughput / concurrent.elapsed) * 1000;
  const organisationLoading = await loadingTimes(server.platform, territory, SAMPLES.loading, (index) => {
    const o = territory.organisations[index % ORGANISATIONS];
    return { scope: adminScope([o.id], [o.motifs.cni]), from: mondayInWeeks(NOW, Math.floor(index / ORGANISATIONS) % WEEKS) };
  });
  const territoryLoading = await loadingTimes(server.platform, territory, SAMPLES.territory, (index) => ({
    scope: adminScope(allOrganisations, territory.organisations.map((o) => o.motifs.cni)),
    from: mondayInWeeks(NOW, index % WEEKS),
  }));

  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const ms = (name: string, value: number, target?: number): BenchFigure =>
    ({ name, value, unit: 'ms', ...(target === undefined ? {} : { target: { value: target, better: 'lower' as const } }) });
  return [
    ms('7-day search, one organisation: p50', percentile(organisation, 50)),
    ms('7-day search, one organisation: p95', percentile(organisation, 95), 25),
    ms('7-day search, one organisation, cold expansion cache: p95', percentile(cold, 95)),
    { name: '7-day search, one organisation: créneaux per answer (mean)', value: mean(organisationRun.sizes), unit: 'créneaux' },
    ms(`7-day search, all ${ORGANISATIONS} organisations: p50`, percentile(territoryWide, 50)),
    ms(`7-day search, all ${ORGANISATIONS} organisations: p95`, percentile(territoryWide, 95), 25),
    { name: `7-day search, all ${ORGANISATIONS} organisations: créneaux found (mean)`, value: mean(territoryRun.found), unit: 'créneaux' },
    { name: `7-day search, all ${ORGANISATIONS} organisations: créneaux listed, first 10 per lieu (mean)`, value: mean(territoryRun.sizes), unit: 'créneaux' },
    ms('next availability: p50', percentile(next, 50)),
    ms('next availability: p95', percentile(next, 95), 50),
    { name: `7-day searches per second, ${CLIENTS} concurrent clients`, value: perSecond, unit: 'searches/s' },
    ms("PostgreSQL reading the window's rows, one organisation: p50", percentile(organisationLoading, 50)),
    { name: "search / PostgreSQL reading the window's rows, one organisation (p50s)", value: percentile(organisation, 50) / percentile(organisationLoading, 50), unit: '×', target: { value: 2, better: 'lower' } },
    ms(`PostgreSQL reading the window's rows, all ${ORGANISATIONS} organisations: p50`, percentile(territoryLoading, 50)),
    { name: `search / PostgreSQL reading the window's rows, all ${ORGANISATIONS} organisations (p50s)`, value: percentile(territoryWide, 50) / percentile(territoryLoading, 50), unit: '×', target: { value: 2, better: 'lower' } },
  ];
}

export const creneauxSection: BenchSection = {
  name: 'créneaux',
  async run() {
    const server = await startServer();
    try {
      const started = performance.now();
      const territory = await buildTerritory(server.platform, NOW);
      console.log(`  territory built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(territory.counts)}`);
      const signIn = await server.call('POST', '/api/v1/auth/sign_in', { body: { email: territory.adminEmail, password: BENCH_PASSWORD } });
      if (signIn.status !== 200) throw new Error(`sign in: ${signIn.status} ${signIn.body}`);
      return await measure(server, territory, JSON.parse(signIn.body).token);
    } finally {
      await server.close();
    }
  },
};
