/**
 * Créneaux bench: "Trouver un RDV" as agents and usagers meet it. The compiled server runs
 * in a process of its own, as `npm start` runs it (events pipeline in it), on a
 * département-scale territory whose agendas are as full as a town hall's (see
 * territory.ts); the load comes from this process. Figures:
 * - idle (one client at a time): 7-day searches over one organisation, over all of them,
 *   on the public portal, and next availability;
 * - under 16 concurrent clients: a mix of agents' and public searches over every motif and
 *   eight weeks, next availabilities and territory-wide searches, with agents' bookings
 *   (Idempotency-Key) landing meanwhile so the agendas the search keeps change as they
 *   would; searches per second, and each kind's latencies as its clients waited for them;
 * - how the idle search compares with PostgreSQL reading the same window's rows;
 * - the race of 50 agents' bookings for one créneau over two server processes (on PostgreSQL).
 * PostgreSQL when DATABASE_URL is set (a fresh database, dropped after), else the embedded
 * engine in a temporary folder (removed after). The server reads this machine's clock, so
 * the territory is built around today.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { localDaysWindow } from '../../platform/src/agenda/time';
import { systemClock } from '../../platform/src/clock';
import { readConfig } from '../../platform/src/config';
import { Database, tx } from '../../platform/src/db/database';
import { SchemaRegistry } from '../../platform/src/http/schemas';
import type { Platform } from '../../platform/src/platform';
import { LOAD_QUERIES, loadParameters, loadWindow, SearchScope } from '../../platform/src/scheduling/snapshot';
import { createTestDatabase } from '../support/database';
import { BenchRequest, ClientRun, runRequests } from './http-client';
import { BenchFigure, BenchSection, percentile } from './report';
import { buildServer, startServerProcess, stopServerProcess } from './server-process';
import { addDays, BENCH_PASSWORD, buildTerritory, BenchTerritory, mondayInWeeks, MotifKind, ORGANISATIONS } from './territory';

const TIME_ZONE = 'Europe/Paris';
/** Searches run over the coming weeks. */
const WEEKS = 8;
const CLIENTS = 16;
const RACERS = 50;
const SAMPLES = { organisation: 400, territory: 160, public: 400, nextAvailability: 400, mixed: 3_000, loading: 400 };
const MOTIF_KINDS: readonly MotifKind[] = ['cni', 'acte', 'mariage', 'permis', 'accueil'];
/** What usagers may book online (the others are agents' or prescripteurs'). */
const PUBLIC_KINDS: readonly MotifKind[] = ['cni', 'acte', 'accueil'];

type Kind = 'agent search' | 'public search' | 'next availability' | 'territory search' | 'agent booking';

/** Of 20 calls of the mix: what each is. */
const MIX: readonly Kind[] = [
  ...Array<Kind>(8).fill('agent search'), ...Array<Kind>(7).fill('public search'),
  'next availability', 'next availability', 'territory search', 'agent booking', 'agent booking',
];

/** The bench's searches by index, going through organisations, weeks (from `now`) and motifs in turn. */
export function searchPaths(territory: BenchTerritory, now: Date) {
  const organisation = (index: number) => territory.organisations[index % ORGANISATIONS];
  const week = (index: number) => mondayInWeeks(now, Math.floor(index / ORGANISATIONS) % WEEKS);
  const kind = (index: number, kinds: readonly MotifKind[]) => kinds[Math.floor(index / (ORGANISATIONS * WEEKS)) % kinds.length];
  const allCni = territory.organisations.map((o) => o.motifs.cni).join(',');
  return {
    organisation(index: number, kinds: readonly MotifKind[] = ['cni']) {
      const from = week(index);
      return `/api/v1/organisations/${organisation(index).id}/creneaux?motif_id=${organisation(index).motifs[kind(index, kinds)]}&from=${from}&to=${addDays(from, 6)}`;
    },
    public(index: number) {
      const from = week(index);
      return `/api/public/organisations/${organisation(index).slug}/creneaux?motif_id=${organisation(index).motifs[kind(index, PUBLIC_KINDS)]}&from=${from}&to=${addDays(from, 6)}`;
    },
    territory(index: number) {
      const from = mondayInWeeks(now, index % WEEKS);
      return `/api/v1/creneaux?motif_ids=${allCni}&from=${from}&to=${addDays(from, 6)}`;
    },
    nextAvailability(index: number) {
      return `/api/v1/organisations/${organisation(index).id}/next_availability?motif_id=${organisation(index).motifs[MOTIF_KINDS[Math.floor(index / ORGANISATIONS) % MOTIF_KINDS.length]]}`;
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

/** The territorial admin's reading of the window's rows, one organisation and all of them (p50s), from `now`. */
async function windowReading(platform: Platform, territory: BenchTerritory, now: Date): Promise<{ organisation: number; territory: number }> {
  const allOrganisations = territory.organisations.map((o) => o.id);
  const adminScope = (organisationIds: string[], motifIds: string[]): SearchScope => ({
    organisationIds, motifIds, searcher: { agentId: territory.adminAgentId, services: ['secretariat'], wholeOrganisationIds: organisationIds },
  });
  const organisation = await loadingTimes(platform, territory, SAMPLES.loading, (index) => {
    const o = territory.organisations[index % ORGANISATIONS];
    return { scope: adminScope([o.id], [o.motifs.cni]), from: mondayInWeeks(now, Math.floor(index / ORGANISATIONS) % WEEKS) };
  });
  const wide = await loadingTimes(platform, territory, SAMPLES.territory, (index) => ({
    scope: adminScope(allOrganisations, territory.organisations.map((o) => o.motifs.cni)),
    from: mondayInWeeks(now, index % WEEKS),
  }));
  return { organisation: percentile(organisation, 50), territory: percentile(wide, 50) };
}

interface Creneau { starts_at: string; ends_at: string; agent_id: string; lieu_id: string; motif_id: string }

/**
 * Bookings for the mix's agents, of créneaux found before it in weeks 5 to 8 (less full):
 * each agent's that overlap none already chosen, each for an usager of its own, spread
 * over the organisations.
 */
async function creneauxToBook(port: number, territory: BenchTerritory, tokens: string[], now: Date, count: number): Promise<BenchRequest[]> {
  const searches: BenchRequest[] = territory.organisations.flatMap((organisation, o) => [4, 5, 6, 7].map((week) => {
    const from = mondayInWeeks(now, week);
    return { path: `/api/v1/organisations/${organisation.id}/creneaux?motif_id=${organisation.motifs.acte}&from=${from}&to=${addDays(from, 6)}`, token: tokens[o] };
  }));
  const bodies = await answersOf(port, searches);
  const chosen: BenchRequest[][] = territory.organisations.map(() => []);
  const taken = new Map<string, [number, number][]>();
  bodies.forEach((body, index) => {
    const o = Math.floor(index / 4);
    for (const creneau of (JSON.parse(body).data as Creneau[])) {
      const span: [number, number] = [Date.parse(creneau.starts_at), Date.parse(creneau.ends_at)];
      const agentSpans = taken.get(creneau.agent_id) ?? [];
      if (agentSpans.some(([start, end]) => start < span[1] && span[0] < end)) continue;
      agentSpans.push(span);
      taken.set(creneau.agent_id, agentSpans);
      chosen[o].push({
        method: 'POST', path: `/api/v1/organisations/${territory.organisations[o].id}/rdvs`, token: tokens[o], expect: [201],
        headers: { 'idempotency-key': crypto.randomUUID() },
        body: { motif_id: creneau.motif_id, lieu_id: creneau.lieu_id, starts_at: creneau.starts_at, agent_ids: [creneau.agent_id] },
      });
    }
  });
  // Round robin over the organisations: bookings land everywhere, not one agenda after another.
  const spread: BenchRequest[] = [];
  for (let round = 0; spread.length < count; round++) {
    const before = spread.length;
    for (const list of chosen) if (list[round] && spread.length < count) spread.push(list[round]);
    if (spread.length === before) throw new Error(`only ${spread.length} créneaux to book, ${count} needed`);
  }
  // Each booking for an usager of its own: one person is never in two places at once.
  for (const [index, booking] of spread.entries()) {
    const usager = await createUsager(port, booking.path.split('/')[4], booking.token!, `Bench ${index + 1}`);
    booking.body = { ...(booking.body as object), user_ids: [usager] };
  }
  return spread;
}

/** The bodies of GETs made one at a time (the worker keeps only sizes). */
async function answersOf(port: number, requests: BenchRequest[]): Promise<string[]> {
  const bodies: string[] = [];
  for (const request of requests) {
    const answer = await fetch(`http://127.0.0.1:${port}${request.path}`, { headers: { authorization: `Bearer ${request.token}` } });
    if (answer.status !== 200) throw new Error(`${request.path} answered ${answer.status}`);
    bodies.push(await answer.text());
  }
  return bodies;
}

async function signIn(port: number, email: string): Promise<string> {
  const answer = await fetch(`http://127.0.0.1:${port}/api/v1/auth/sign_in`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: BENCH_PASSWORD }),
  });
  if (answer.status !== 200) throw new Error(`sign in of ${email}: ${answer.status} ${await answer.text()}`);
  return ((await answer.json()) as { token: string }).token;
}

/** The mix's calls, in order, and what each is. */
function mixedWorkload(territory: BenchTerritory, now: Date, tokens: string[], adminToken: string, bookings: BenchRequest[]): { requests: BenchRequest[]; kinds: Kind[] } {
  const paths = searchPaths(territory, now);
  const counters = new Map<Kind, number>();
  const requests: BenchRequest[] = [];
  const kinds: Kind[] = [];
  for (let index = 0; index < SAMPLES.mixed; index++) {
    const kind = MIX[index % MIX.length];
    const n = counters.get(kind) ?? 0;
    counters.set(kind, n + 1);
    kinds.push(kind);
    // Each organisation's searches are its own agent's; territory-wide ones the territorial admin's.
    if (kind === 'agent search') requests.push({ path: paths.organisation(n, MOTIF_KINDS), token: tokens[n % ORGANISATIONS] });
    else if (kind === 'public search') requests.push({ path: paths.public(n) });
    else if (kind === 'next availability') requests.push({ path: paths.nextAvailability(n), token: tokens[n % ORGANISATIONS] });
    else if (kind === 'territory search') requests.push({ path: paths.territory(n), token: adminToken });
    else requests.push(bookings[n]);
  }
  return { requests, kinds };
}

/**
 * RACERS agents' bookings of one créneau at once, spread over the server processes (two on
 * PostgreSQL, sharing it as API processes do; one on the embedded engine, which has one
 * user), and the agent's rdvs at that time counted afterwards through the API.
 */
async function race(ports: number[], territory: BenchTerritory, token: string, now: Date): Promise<BenchFigure[]> {
  const organisation = territory.organisations[0];
  const from = mondayInWeeks(now, 6);
  const [creneau] = JSON.parse((await answersOf(ports[0], [{
    path: `/api/v1/organisations/${organisation.id}/creneaux?motif_id=${organisation.motifs.acte}&from=${from}&to=${addDays(from, 6)}`, token,
  }]))[0]).data.slice(-1) as Creneau[];
  const usager = await createUsager(ports[0], organisation.id, token, 'Course');
  const booking = (): BenchRequest => ({
    method: 'POST', path: `/api/v1/organisations/${organisation.id}/rdvs`, token, expect: [201, 409],
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { motif_id: creneau.motif_id, lieu_id: creneau.lieu_id, starts_at: creneau.starts_at, agent_ids: [creneau.agent_id], user_ids: [usager] },
  });
  const share = RACERS / ports.length;
  const runs = await Promise.all(ports.map((port) => runRequests(port, Array.from({ length: share }, booking), share)));
  const statuses = runs.flatMap((run) => run.statuses);
  const day = creneau.starts_at.slice(0, 10);
  const listed = JSON.parse((await answersOf(ports[0], [{
    path: `/api/v1/organisations/${organisation.id}/rdvs?agent_id=${creneau.agent_id}&starts_after=${day}&starts_before=${addDays(day, 1)}`, token,
  }]))[0]).data as { starts_at: string; status: string }[];
  const written = listed.filter((rdv) => Date.parse(rdv.starts_at) === Date.parse(creneau.starts_at)).length;
  const where = `${ports.length} server process${ports.length > 1 ? 'es' : ''}`;
  return [
    { name: `race of ${RACERS} agents' bookings for one créneau over ${where}: answered 201`, value: statuses.filter((status) => status === 201).length, unit: 'bookings', target: { value: 1, better: 'lower' } },
    { name: `race of ${RACERS} agents' bookings for one créneau over ${where}: rdvs written`, value: written, unit: 'rdvs', target: { value: 1, better: 'lower' } },
  ];
}

async function createUsager(port: number, organisationId: string, token: string, lastName: string): Promise<string> {
  const created = await fetch(`http://127.0.0.1:${port}/api/v1/organisations/${organisationId}/users`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ first_name: 'Usager', last_name: lastName }),
  });
  if (created.status !== 201) throw new Error(`usager in ${organisationId}: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { id: string }).id;
}

const ms = (name: string, value: number, target?: number): BenchFigure =>
  ({ name, value, unit: 'ms', ...(target === undefined ? {} : { target: { value: target, better: 'lower' as const } }) });

async function measure(ports: number[], territory: BenchTerritory, now: Date, reading: { organisation: number; territory: number }): Promise<BenchFigure[]> {
  const [port] = ports;
  const adminToken = await signIn(port, territory.adminEmail);
  const tokens: string[] = [];
  for (const organisation of territory.organisations) tokens.push(await signIn(port, organisation.agentEmail));
  const paths = searchPaths(territory, now);
  const idle = (count: number, pathOf: (index: number) => string, token: string | null = adminToken) =>
    runRequests(port, pathsOf(count, pathOf).map((path) => ({ path, token })));

  // A first pass over every organisation and week: the server's caches fill as they would in a day's first hour.
  const cold = (await idle(ORGANISATIONS * WEEKS, (index) => paths.organisation(index))).latencies;
  await idle(WEEKS, paths.territory);
  await idle(ORGANISATIONS * WEEKS, paths.public, null);
  await idle(ORGANISATIONS * MOTIF_KINDS.length, paths.nextAvailability);

  const organisationRun = await idle(SAMPLES.organisation, (index) => paths.organisation(index));
  const territoryRun = await idle(SAMPLES.territory, paths.territory);
  const publicRun = await idle(SAMPLES.public, paths.public, null);
  const nextRun = await idle(SAMPLES.nextAvailability, paths.nextAvailability);

  const bookingCount = MIX.filter((kind) => kind === 'agent booking').length * (SAMPLES.mixed / MIX.length);
  const bookings = await creneauxToBook(port, territory, tokens, now, bookingCount);
  const { requests, kinds } = mixedWorkload(territory, now, tokens, adminToken, bookings);
  const mixed = await runRequests(port, requests, CLIENTS);
  const latenciesOf = (run: ClientRun, which: (kind: Kind) => boolean) => run.latencies.filter((_, index) => which(kinds[index]));
  const searches = latenciesOf(mixed, (kind) => kind !== 'agent booking');
  const booked = latenciesOf(mixed, (kind) => kind === 'agent booking');

  const raced = await race(ports, territory, tokens[0], now);

  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const idleOrganisation = organisationRun.latencies;
  const idleTerritory = territoryRun.latencies;
  return [
    ms('idle: 7-day search, one organisation: p50', percentile(idleOrganisation, 50)),
    ms('idle: 7-day search, one organisation: p95', percentile(idleOrganisation, 95), 8),
    ms('idle: 7-day search, one organisation, first pass (caches filling): p95', percentile(cold, 95)),
    { name: 'idle: 7-day search, one organisation: créneaux per answer (mean)', value: mean(organisationRun.sizes), unit: 'créneaux' },
    ms(`idle: 7-day search, all ${ORGANISATIONS} organisations: p50`, percentile(idleTerritory, 50)),
    ms(`idle: 7-day search, all ${ORGANISATIONS} organisations: p95`, percentile(idleTerritory, 95), 15),
    { name: `idle: 7-day search, all ${ORGANISATIONS} organisations: créneaux found (mean)`, value: mean(territoryRun.found), unit: 'créneaux' },
    ms('idle: public 7-day search: p95', percentile(publicRun.latencies, 95)),
    ms('idle: next availability: p95', percentile(nextRun.latencies, 95)),
    { name: `${CLIENTS} clients, mixed: searches per second`, value: (searches.length / mixed.elapsed) * 1000, unit: 'searches/s', target: { value: 1_000, better: 'higher' } },
    ms(`${CLIENTS} clients, mixed: search p50`, percentile(searches, 50)),
    ms(`${CLIENTS} clients, mixed: search p95`, percentile(searches, 95), 40),
    ms(`${CLIENTS} clients, mixed: search p99`, percentile(searches, 99)),
    ...(['agent search', 'public search', 'next availability', 'territory search'] as const).map((kind) =>
      ms(`${CLIENTS} clients, mixed: ${kind} p95`, percentile(latenciesOf(mixed, (which) => which === kind), 95), kind === 'next availability' ? 50 : undefined)),
    ms(`${CLIENTS} clients, mixed: ${booked.length} agents' bookings landing meanwhile: p95`, percentile(booked, 95)),
    ms("PostgreSQL reading the window's rows, one organisation: p50", reading.organisation),
    { name: "idle search / PostgreSQL reading the window's rows, one organisation (p50s)", value: percentile(idleOrganisation, 50) / reading.organisation, unit: '×', target: { value: 1.3, better: 'lower' } },
    ms(`PostgreSQL reading the window's rows, all ${ORGANISATIONS} organisations: p50`, reading.territory),
    { name: `idle search / PostgreSQL reading the window's rows, all ${ORGANISATIONS} organisations (p50s)`, value: percentile(idleTerritory, 50) / reading.territory, unit: '×', target: { value: 1.3, better: 'lower' } },
    ...raced,
  ];
}

export const creneauxSection: BenchSection = {
  name: 'créneaux',
  async run() {
    buildServer();
    const now = new Date();
    const database = await createTestDatabase();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-bench-'));
    try {
      // Built, then read as PostgreSQL alone would, before the server opens the database (PGlite has one user).
      const db = await Database.open({ url: database.url, embeddedDataDir: path.join(dataDir, 'pglite') });
      let territory: BenchTerritory;
      let reading: { organisation: number; territory: number };
      try {
        const platform: Platform = { config: readConfig({}), db, clock: systemClock, schemas: new SchemaRegistry() };
        const started = performance.now();
        territory = await buildTerritory(platform, now);
        console.log(`  territory built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(territory.counts)}`);
        reading = await windowReading(platform, territory, now);
      } finally {
        await db.close();
      }
      const env = { DATA_DIR: dataDir, SEED_DEMO: 'false', ...(database.url ? { DATABASE_URL: database.url } : {}) };
      const servers = [await startServerProcess(env)];
      try {
        // A second API process on the same PostgreSQL, for the race.
        if (database.url) servers.push(await startServerProcess(env));
        return await measure(servers.map((server) => server.port), territory, now, reading);
      } finally {
        for (const { server } of servers) await stopServerProcess(server);
      }
    } finally {
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
