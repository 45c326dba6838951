/**
 * A département-scale territory for the bench, written with multi-row INSERTs
 * (not through the API): 20 organisations, 300 agents, 64 lieux (with structured
 * addresses and coordinates, as ANTS lists them), 100 motifs (the CNI ones of category cni),
 * 2,000 recurring plages, their rdvs from two weeks back to three months ahead at
 * realistic occupancy (`occupancyOn`), 5,000 absences and a few closures.
 * Deterministic: the same seed gives the same territory.
 */
import crypto from 'node:crypto';
import { expandOccurrences, seriesEndDay } from '../../platform/src/agenda/recurrence';
import { formatDay, parseDay, utcDayOf, wallToUtc, weekdayOf } from '../../platform/src/agenda/time';
import { hashPassword } from '../../platform/src/auth/secrets';
import { ConfigStore } from '../../platform/src/configuration/store';
import { tx } from '../../platform/src/db/database';
import type { Platform } from '../../platform/src/platform';

export const ORGANISATIONS = 20;
const AGENTS_PER_ORGANISATION = 15;
const PLAGES_PER_ORGANISATION = 100;
const ABSENCES = 5_000;
const TIME_ZONE = 'Europe/Paris';
export const BENCH_PASSWORD = 'bench-password-2026';
/** The granularity at which an agent's time is marked taken: every motif's duration is a multiple. */
const STEP_MS = 5 * 60_000;

/**
 * The share of a plage's créneaux booked, by day from today: the past two weeks and the
 * next four nearly full (80–95 %, as a town hall's titres d'identité are), then emptier.
 */
function occupancyOn(dayFromToday: number, next: () => number): number {
  if (dayFromToday < 0) return 0.85;
  if (dayFromToday < 28) return 0.8 + 0.15 * next();
  if (dayFromToday < 56) return 0.4;
  return 0.1;
}

export type MotifKind = 'cni' | 'acte' | 'mariage' | 'permis' | 'accueil';

const MOTIFS: Record<MotifKind, { name: string; service: string; duration: number; bookableBy: string; buffer: number; category: string | null }> = {
  cni: { name: "Carte d'identité", service: 'titres_identite', duration: 20, bookableBy: 'everyone', buffer: 0, category: 'cni' },
  acte: { name: "Acte d'état civil", service: 'etat_civil', duration: 15, bookableBy: 'everyone', buffer: 0, category: null },
  mariage: { name: 'Mariage — constitution du dossier', service: 'etat_civil', duration: 45, bookableBy: 'agents', buffer: 0, category: null },
  permis: { name: 'Permis de construire — conseil', service: 'urbanisme', duration: 30, bookableBy: 'agents_and_prescripteurs', buffer: 0, category: null },
  accueil: { name: 'Premier accueil social', service: 'social', duration: 30, bookableBy: 'everyone', buffer: 10, category: null },
};
const KINDS_OF_SERVICE: Record<string, MotifKind[]> = {
  titres_identite: ['cni'], etat_civil: ['acte', 'mariage'], urbanisme: ['permis'], social: ['accueil'], secretariat: [],
};
/** An organisation's agents by index: their services (index 0 is its admin, 14 its Secrétariat). */
const SERVICES_BY_INDEX: string[][] = [
  ...Array.from({ length: 6 }, () => ['etat_civil', 'titres_identite']),
  ...Array.from({ length: 3 }, () => ['etat_civil']),
  ...Array.from({ length: 2 }, () => ['urbanisme']),
  ...Array.from({ length: 3 }, () => ['social']),
  ['secretariat'],
];
const HALF_DAYS = [['08:30', '12:00'], ['09:00', '12:30'], ['13:30', '17:00'], ['14:00', '16:30']];
const WEEKDAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR'];

export interface BenchOrganisation {
  id: string;
  slug: string;
  lieuIds: string[];
  /** Its admin agent's email (index 0, who also serves titres d'identité and état civil): signs in with BENCH_PASSWORD. */
  agentEmail: string;
  motifs: Record<MotifKind, string>;
}

export interface BenchTerritory {
  territoryId: string;
  organisations: BenchOrganisation[];
  adminAgentId: string;
  adminEmail: string;
  counts: Record<string, number>;
}

/** mulberry32: small, fast and reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Multi-row INSERTs of at most `batch` rows (PostgreSQL takes 65,535 parameters per statement). */
async function insertRows(table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const batch = Math.floor(60_000 / columns.length);
  for (let first = 0; first < rows.length; first += batch) {
    const slice = rows.slice(first, first + batch);
    const values = slice.map((_, row) => `(${columns.map((__, column) => `$${row * columns.length + column + 1}`).join(', ')})`);
    await tx().query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, slice.flat());
  }
}

export async function buildTerritory(platform: Platform, now: Date): Promise<BenchTerritory> {
  const next = random(20261130);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const today = utcDayOf(now.getTime());
  const territoryId = crypto.randomUUID();
  const adminEmail = `admin-${territoryId.slice(0, 8)}@bench.test`;
  const organisations: BenchOrganisation[] = [];
  const rows: Record<string, unknown[][]> = {
    organisations: [], lieux: [], motifs: [], agents: [], agent_roles: [], agent_services: [],
    plages_ouverture: [], rdvs: [], rdv_agents: [], absences: [], closures: [],
  };

  interface PlannedAgent { id: string; organisation: BenchOrganisation; kinds: MotifKind[]; homeLieu: string; second?: BenchOrganisation }
  const agents: PlannedAgent[] = [];
  let adminAgentId = '';

  for (let o = 0; o < ORGANISATIONS; o++) {
    const organisation: BenchOrganisation = {
      id: crypto.randomUUID(), slug: `bench-${territoryId.slice(0, 8)}-commune-${o + 1}`, lieuIds: [],
      agentEmail: `agent-${o + 1}-${territoryId.slice(0, 8)}@bench.test`, motifs: {} as Record<MotifKind, string>,
    };
    organisations.push(organisation);
    rows.organisations.push([organisation.id, territoryId, `Mairie de Commune ${o + 1}`, organisation.slug]);
    // 64 lieux: four for the first four organisations, three for the others.
    for (let l = 0; l < (o < 4 ? 4 : 3); l++) {
      const lieuId = crypto.randomUUID();
      organisation.lieuIds.push(lieuId);
      // A structured address and coordinates, as ANTS lists a meeting point.
      const postcode = String(71000 + o * 10);
      rows.lieux.push([lieuId, territoryId, organisation.id, `Lieu ${l + 1} de Commune ${o + 1}`, `${l + 1} place de la Mairie, ${postcode} Commune ${o + 1}`,
        `${l + 1} place de la Mairie`, postcode, `Commune ${o + 1}`, 46 + o * 0.02 + l * 0.003, 4.5 + o * 0.02 - l * 0.003]);
    }
    for (const [kind, motif] of Object.entries(MOTIFS) as [MotifKind, (typeof MOTIFS)[MotifKind]][]) {
      organisation.motifs[kind] = crypto.randomUUID();
      rows.motifs.push([organisation.motifs[kind], territoryId, organisation.id, motif.service, motif.name, motif.duration, 'public_office', motif.bookableBy, motif.buffer, motif.category]);
    }
  }

  const passwordHash = await hashPassword(BENCH_PASSWORD);
  organisations.forEach((organisation, o) => {
    SERVICES_BY_INDEX.forEach((services, index) => {
      const id = crypto.randomUUID();
      const isTerritorialAdmin = o === 0 && index === AGENTS_PER_ORGANISATION - 1;
      if (isTerritorialAdmin) adminAgentId = id;
      const email = isTerritorialAdmin ? adminEmail : index === 0 ? organisation.agentEmail : null;
      rows.agents.push([id, territoryId, email, `Agent ${index + 1}`, `Commune ${o + 1}`,
        email ? passwordHash : null, isTerritorialAdmin, crypto.randomBytes(18).toString('base64url')]);
      rows.agent_roles.push([territoryId, id, organisation.id, index === 0 ? 'admin' : 'basic']);
      for (const service of services) rows.agent_services.push([territoryId, id, service]);
      const kinds = services.flatMap((service) => KINDS_OF_SERVICE[service]);
      if (kinds.length === 0) return;
      // One social worker per organisation also holds a permanence in the next one: busy across organisations.
      const second = index === 13 ? organisations[(o + 1) % ORGANISATIONS] : undefined;
      if (second) rows.agent_roles.push([territoryId, id, second.id, 'basic']);
      agents.push({ id, organisation, kinds, homeLieu: organisation.lieuIds[index % organisation.lieuIds.length], second });
    });
  });

  type PlageRow = [string, string, string, string, string, string[], string, string, string, string, string, string, string[], string];

  // 2,000 recurring plages: 100 per organisation over its 14 agents with motifs, a half-day each.
  for (const organisation of organisations) {
    const staff = agents.filter((agent) => agent.organisation === organisation);
    for (let p = 0; p < PLAGES_PER_ORGANISATION; p++) {
      const agent = staff[p % staff.length];
      const slot = Math.floor(p / staff.length);
      const weekday = WEEKDAY_CODES[slot % 5];
      const [startTime, endTime] = HALF_DAYS[(Math.floor(slot / 5) % 2) * 2 + (next() < 0.5 ? 0 : 1)];
      const shape = next();
      const recurrence = shape < 0.7 ? `FREQ=WEEKLY;BYDAY=${weekday}`
        : shape < 0.85 ? `FREQ=WEEKLY;INTERVAL=2;BYDAY=${weekday}`
          : shape < 0.95 ? `FREQ=WEEKLY;BYDAY=${weekday},${WEEKDAY_CODES[(slot + 2) % 5]}`
            : `FREQ=MONTHLY;BYDAY=${1 + Math.floor(next() * 4)}${weekday}`;
      const firstDay = formatDay(today - 7 - Math.floor(next() * 300));
      const until = formatDay(today + 120 + Math.floor(next() * 420));
      const exdates = next() < 0.1 ? [formatDay(today + 7 + Math.floor(next() * 50))] : [];
      const lieuId = next() < 0.8 ? agent.homeLieu : pick(organisation.lieuIds);
      const lastDay = seriesEndDay({ firstDay, startTime, endTime, recurrence, until, exdates })!;
      rows.plages_ouverture.push([crypto.randomUUID(), territoryId, organisation.id, agent.id, lieuId,
        agent.kinds.map((kind) => organisation.motifs[kind]), `Permanence ${weekday}`, firstDay, startTime, endTime, recurrence, until, exdates, lastDay]);
    }
  }

  // Rdvs as agendas fill: on each plage's occurrences, on the grid of the motif its half-day
  // serves, at the occupancy of its week (see OCCUPANCY); an agent's rdvs never overlap.
  const plageRows = rows.plages_ouverture;
  const busy = new Set<string>();
  const agentsById = new Map(agents.map((agent) => [agent.id, agent]));
  const generationWindow = { start: wallToUtc(TIME_ZONE, today - 14, 0), end: wallToUtc(TIME_ZONE, today + 91, 0) };
  for (const [, , organisationId, agentId, lieuId, , , firstDay, startTime, endTime, recurrence, until, exdates] of plageRows as PlageRow[]) {
    const agent = agentsById.get(agentId)!;
    const home = organisations.find((organisation) => organisation.id === organisationId)!;
    for (const occurrence of expandOccurrences({ firstDay, startTime, endTime, recurrence, until, exdates }, TIME_ZONE, generationWindow)) {
      const kind = pick(agent.kinds);
      const duration = MOTIFS[kind].duration * 60_000;
      const occupancy = occupancyOn(utcDayOf(occurrence.start) - today, next);
      // A permanence held for the next organisation: some of its rdvs are that one's.
      const organisation = agent.second && next() < 0.3 ? agent.second : home;
      for (let startsAt = occurrence.start; startsAt + duration <= occurrence.end; startsAt += duration) {
        if (next() >= occupancy) continue;
        const steps = Array.from({ length: duration / STEP_MS }, (_, step) => `${agent.id}/${startsAt + step * STEP_MS}`);
        if (steps.some((step) => busy.has(step))) continue;
        steps.forEach((step) => busy.add(step));
        const endsAt = startsAt + duration;
        const past = startsAt < now.getTime();
        const draw = next();
        const status = past ? (draw < 0.85 ? 'seen' : draw < 0.9 ? 'noshow' : 'excused') : draw < 0.95 ? 'unknown' : 'excused';
        const rdvId = crypto.randomUUID();
        rows.rdvs.push([rdvId, territoryId, organisation.id, organisation.motifs[kind], organisation === home ? lieuId : organisation.lieuIds[0], new Date(startsAt), new Date(endsAt), status, 'agent']);
        rows.rdv_agents.push([territoryId, rdvId, agent.id, new Date(startsAt), new Date(endsAt), status !== 'excused']);
      }
    }
  }

  // 5,000 absences: mostly one day or a few, some every Wednesday afternoon for a while.
  for (let a = 0; a < ABSENCES; a++) {
    const agent = agents[a % agents.length];
    const shape = next();
    const first = today - 60 + Math.floor(next() * 180);
    const [startTime, endTime] = pick([['08:00', '12:00'], ['13:00', '18:00'], ['08:00', '18:00']]);
    let absence: [string, string | null, string, string, string | null, string | null];
    if (shape < 0.65) absence = [formatDay(first), null, startTime, endTime, null, null];
    else if (shape < 0.9) absence = [formatDay(first), formatDay(first + 1 + Math.floor(next() * 4)), '08:00', '18:00', null, null];
    else absence = [formatDay(first), null, '13:00', '18:00', 'FREQ=WEEKLY;BYDAY=WE', formatDay(first + 120)];
    const [firstDay, endDay, start, end, recurrence, until] = absence;
    const lastDay = seriesEndDay({ firstDay, endDay, startTime: start, endTime: end, recurrence, until })!;
    rows.absences.push([crypto.randomUUID(), territoryId, agent.id, 'Absence', firstDay, endDay, start, end, recurrence, until, lastDay]);
  }

  // Each organisation closes one day, and one of its lieux another, in the coming weeks.
  for (const organisation of organisations) {
    const closed = today + 3 + Math.floor(next() * 50);
    rows.closures.push([crypto.randomUUID(), territoryId, organisation.id, null, formatDay(closed), formatDay(closed), 'Fermeture exceptionnelle']);
    const lieuClosed = formatDay(today + 3 + Math.floor(next() * 50));
    rows.closures.push([crypto.randomUUID(), territoryId, organisation.id, pick(organisation.lieuIds), lieuClosed, lieuClosed, 'Travaux']);
  }

  await platform.db.system(async () => {
    await tx().query(`INSERT INTO territories (id, name, timezone) VALUES ($1, $2, $3)`, [territoryId, `Bench ${territoryId.slice(0, 8)}`, TIME_ZONE]);
    await insertRows('organisations', ['id', 'territory_id', 'name', 'slug'], rows.organisations);
    await insertRows('lieux', ['id', 'territory_id', 'organisation_id', 'name', 'address', 'street', 'postcode', 'city', 'latitude', 'longitude'], rows.lieux);
    await insertRows('motifs', ['id', 'territory_id', 'organisation_id', 'service_id', 'name', 'default_duration_in_min', 'location_type', 'bookable_by', 'buffer_after_in_min', 'category'], rows.motifs);
    await insertRows('agents', ['id', 'territory_id', 'email', 'first_name', 'last_name', 'password_hash', 'territorial_admin', 'calendar_uid'], rows.agents);
    await insertRows('agent_roles', ['territory_id', 'agent_id', 'organisation_id', 'access_level'], rows.agent_roles);
    await insertRows('agent_services', ['territory_id', 'agent_id', 'service_slug'], rows.agent_services);
    await insertRows('plages_ouverture', ['id', 'territory_id', 'organisation_id', 'agent_id', 'lieu_id', 'motif_ids', 'title', 'first_day', 'start_time', 'end_time', 'recurrence', 'until', 'exdates', 'last_day'], rows.plages_ouverture);
    await insertRows('rdvs', ['id', 'territory_id', 'organisation_id', 'motif_id', 'lieu_id', 'starts_at', 'ends_at', 'status', 'created_by'], rows.rdvs);
    await insertRows('rdv_agents', ['territory_id', 'rdv_id', 'agent_id', 'starts_at', 'ends_at', 'active'], rows.rdv_agents);
    await insertRows('absences', ['id', 'territory_id', 'agent_id', 'title', 'first_day', 'end_day', 'start_time', 'end_time', 'recurrence', 'until', 'last_day'], rows.absences);
    await insertRows('closures', ['id', 'territory_id', 'organisation_id', 'lieu_id', 'first_day', 'end_day', 'reason'], rows.closures);
  });
  await platform.db.tenant(territoryId, () =>
    new ConfigStore(platform.schemas).write('services', { enabled: ['etat_civil', 'titres_identite', 'urbanisme', 'social', 'secretariat'] }, null));
  // As autovacuum would leave it: statistics gathered, visibility maps set (VACUUM runs outside a transaction).
  await platform.db.maintenance('VACUUM ANALYZE');

  const counts = Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, list.length]));
  return { territoryId, organisations, adminAgentId, adminEmail, counts };
}

/** The Monday on or after `now`'s day, plus `weeks` weeks, as `YYYY-MM-DD`. */
export function mondayInWeeks(now: Date, weeks: number): string {
  const today = utcDayOf(now.getTime());
  return formatDay(today + ((7 - weekdayOf(today)) % 7) + 7 * weeks);
}

export function addDays(date: string, days: number): string {
  return formatDay(parseDay(date)! + days);
}

