/**
 * `ctx.core`: what plugins read of the core, in their context's territory (row-level
 * security on), through the reads the API uses. Ids that are not uuids, or name
 * nothing in the territory, answer null or nothing: another territory's rows do not exist here.
 */
import { In, IsNull } from 'typeorm';
import { Agent } from '../agents/agent.entity';
import { isoInZone } from '../agenda/iso';
import { issueRdvLink } from '../booking/links';
import { rdvIdsByUsagerField, usagersCustomFields } from '../booking/lookups';
import { Participation, PENDING } from '../booking/rdv.entity';
import { loadRdvRecords, RdvRecord } from '../booking/rdvs';
import { isCancelled } from '../booking/status-rules';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { isUuid } from '../http/ids';
import { listLieux } from '../lieux/reads';
import { Motif } from '../motifs/motif.entity';
import { rdvAdminUrl } from '../notifications/calendar-feed';
import { Organisation } from '../organisations/organisation.entity';
import type { Platform } from '../platform';
import { isoWriter, loadSearchSettings, searchCreneaux, SearchMotif, searchWindow } from '../scheduling/search';
import type { SearchScope } from '../scheduling/snapshot';
import { effectiveSettings, PluginDocument } from './config';
import type { CoreCreneau, CoreCreneauxSearch, CoreMotif, CoreRdv, PluginCore } from './sdk';
import { partnerRoutesPath } from './paths';

/** An rdv lasts at most 12 hours (a constraint of the rdvs table): so does a créneau asked for. */
const MAX_DURATION_IN_MIN = 12 * 60;
/** An agent's rdvs read at once (an initial sync over months): more is a bug, not an agenda. */
const MAX_AGENT_RDVS = 5000;
/** Matches no agent: a plugin searching as an agent sees the whole organisation, as its admins do. */
const NO_AGENT = '00000000-0000-0000-0000-000000000000';

function withQuery(url: string, query: Record<string, string>): string {
  const search = new URLSearchParams(query).toString();
  return search ? `${url}?${search}` : url;
}

/** Uuids only: anything else names nothing (and must not reach SQL as a uuid). */
function uuidsIn(ids: readonly string[] | undefined): string[] | undefined {
  return ids?.filter(isUuid);
}

export function coreMotif(motif: Motif): CoreMotif {
  return {
    id: motif.id, organisation_id: motif.organisation_id, name: motif.name, service_id: motif.service_id,
    category: motif.category, default_duration_in_min: motif.default_duration_in_min, location_type: motif.location_type,
    bookable_by: motif.bookable_by, collectif: motif.collectif,
  };
}

/** Rdvs with their usagers' fiches, times in the territory's zone. */
async function coreRdvs(records: RdvRecord[], timeZone: string): Promise<CoreRdv[]> {
  const fiches = await usagersCustomFields([...new Set(records.flatMap((record) => record.participations.map((p) => p.user_id)))]);
  return records.map(({ rdv, agentIds, participations }) => {
    // Active participants first, each group oldest first (the order they were loaded in).
    const ordered = [...participations.filter((p) => !isCancelled(p.status)), ...participations.filter((p) => isCancelled(p.status))];
    return {
      id: rdv.id, organisation_id: rdv.organisation_id, motif_id: rdv.motif_id, motif_option: rdv.motif_option?.label ?? null, lieu_id: rdv.lieu_id,
      starts_at: isoInZone(rdv.starts_at.getTime(), timeZone),
      ends_at: isoInZone(rdv.ends_at.getTime(), timeZone),
      status: rdv.status,
      cancelled: rdv.status === PENDING || isCancelled(rdv.status),
      agent_ids: agentIds,
      usagers: ordered.map((p) => ({
        id: p.user_id, participation_id: p.id, first_name: p.first_name, last_name: p.last_name,
        participation_status: p.status, custom_fields: fiches.get(p.user_id) ?? {},
      })),
      custom_fields: rdv.custom_fields ?? {},
    };
  });
}

/** A search as asked, checked: its window, and the motif's duration replaced when asked. */
interface CheckedSearch {
  motifId: string;
  lieuIds: Set<string> | null;
  from: string;
  to: string;
  durationInMin: number | null;
  audience: 'public' | 'agent';
}

function checkSearch(search: CoreCreneauxSearch): CheckedSearch {
  const { durationInMin } = search;
  if (durationInMin !== undefined && !(Number.isInteger(durationInMin) && durationInMin >= 1 && durationInMin <= MAX_DURATION_IN_MIN)) {
    throw AppError.invalidField('durationInMin', `must be an integer from 1 to ${MAX_DURATION_IN_MIN}`);
  }
  return {
    motifId: search.motifId,
    lieuIds: search.lieuIds ? new Set(search.lieuIds) : null,
    from: search.from,
    to: search.to,
    durationInMin: durationInMin ?? null,
    audience: search.audience ?? 'public',
  };
}

/**
 * Searches of one window and audience, in one search of the engine: one snapshot for
 * all their motifs' organisations (as the API's territory-wide search), each motif's
 * créneaux cut to the lieux asked. A motif unknown here, or not bookable online by
 * the public, has none.
 */
async function searchTogether(platform: Platform, searches: CheckedSearch[]): Promise<CoreCreneau[][]> {
  const { from, to, audience } = searches[0];
  const settings = await loadSearchSettings(platform.schemas);
  const window = searchWindow(from, to, settings.timeZone);
  const found = await tx().findBy(Motif, { id: In(searches.map((s) => s.motifId).filter(isUuid)), deleted_at: IsNull() });
  const searchable = new Map<string, SearchMotif>(found
    .filter((motif) => audience === 'agent' || motif.bookable_by === 'everyone')
    .map((motif) => [motif.id, motif]));
  const asked = searches.filter((search) => searchable.has(search.motifId));
  if (asked.length === 0) return searches.map(() => []);

  // The duration asked makes créneaux that long: stepping by it (unless the motif has a step), fewer fit.
  const motifs = asked.map((search) => {
    const motif = searchable.get(search.motifId)!;
    return search.durationInMin === null ? motif : { ...motif, default_duration_in_min: search.durationInMin };
  });
  const organisationIds = [...new Set(motifs.map((motif) => motif.organisation_id))];
  const scope: SearchScope = {
    organisationIds,
    motifIds: [...new Set(motifs.map((motif) => motif.id))],
    searcher: audience === 'agent' ? { agentId: NO_AGENT, services: [], wholeOrganisationIds: organisationIds } : null,
  };
  const slotsByMotif = await searchCreneaux({ motifs, scope, audience, now: platform.clock.now().getTime(), settings }, window);
  const iso = isoWriter(settings.timeZone);
  const answers = new Map(asked.map((search, index) => {
    const slots = search.lieuIds ? slotsByMotif[index].filter((slot) => search.lieuIds!.has(slot.lieuId)) : slotsByMotif[index];
    return [search, slots.map((slot) => ({
      starts_at: iso(slot.startsAt), ends_at: iso(slot.endsAt), agent_id: slot.agentId, lieu_id: slot.lieuId, motif_id: slot.motifId,
    }))];
  }));
  return searches.map((search) => answers.get(search) ?? []);
}

/**
 * Gathers the créneaux searches a plugin starts together (`Promise.all` over lieux or
 * motifs) and runs those of one window and audience as one search of the engine.
 */
function creneauxBatcher(platform: Platform, inTerritory: <T>(work: () => Promise<T>) => Promise<T>) {
  let pending: { search: CheckedSearch; resolve: (slots: CoreCreneau[]) => void; reject: (error: unknown) => void }[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    const groups = new Map<string, typeof batch>();
    for (const entry of batch) {
      const key = `${entry.search.from}/${entry.search.to}/${entry.search.audience}`;
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    for (const group of groups.values()) {
      inTerritory(() => searchTogether(platform, group.map((entry) => entry.search))).then(
        (answers) => group.forEach((entry, index) => entry.resolve(answers[index])),
        (error) => group.forEach((entry) => entry.reject(error)),
      );
    }
  };
  return async (search: CoreCreneauxSearch): Promise<CoreCreneau[]> => {
    const checked = checkSearch(search);
    return new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ search: checked, resolve, reject });
    });
  };
}

/** The core as a plugin reads it in one territory; `pluginDocument` reads the plugin's settings document there. */
export function createPluginCore(
  platform: Platform,
  pluginName: string,
  territoryId: string,
  pluginDocument: () => Promise<PluginDocument>,
): PluginCore {
  const inTerritory = <T>(work: () => Promise<T>) => platform.db.tenant(territoryId, work);
  let timeZone: Promise<string> | undefined;
  const zone = () => (timeZone ??= inTerritory(async () => (await loadSearchSettings(platform.schemas)).timeZone));
  // Publishing thousands of créneaux names a few organisations: their slugs are read once, in
  // one query (links built concurrently must not send concurrent queries on one transaction).
  let slugs: Promise<Map<string, string>> | undefined;
  const slugOf = async (organisationId: string) => {
    slugs ??= inTerritory(async () => new Map((await tx().find(Organisation, { select: { id: true, slug: true } })).map(({ id, slug }) => [id, slug])));
    const slug = (await slugs).get(organisationId);
    if (!slug) throw AppError.notFound('Organisation');
    return slug;
  };

  return {
    timeZone: zone,
    organisations: () => inTerritory(async () => {
      const document = await pluginDocument();
      const organisations = await tx().find(Organisation, { order: { name: 'ASC', id: 'ASC' } });
      return organisations.map(({ id, name, slug }) => ({ id, name, slug, plugin_enabled: effectiveSettings(document, id).enabled }));
    }),
    lieux: (filter = {}) => inTerritory(() => listLieux({ organisationIds: uuidsIn(filter.organisationIds), ids: uuidsIn(filter.ids) })),
    motifs: (filter = {}) => inTerritory(async () => {
      const motifs = await tx().find(Motif, {
        where: {
          deleted_at: IsNull(),
          ...(filter.organisationIds ? { organisation_id: In(uuidsIn(filter.organisationIds)!) } : {}),
          ...(filter.ids ? { id: In(uuidsIn(filter.ids)!) } : {}),
          ...(filter.categories ? { category: In(filter.categories) } : {}),
        },
        order: { name: 'ASC', id: 'ASC' },
      });
      return motifs.map(coreMotif);
    }),
    rdv: async (id) => {
      if (!isUuid(id)) return null;
      const [rdv] = await inTerritory(async () => coreRdvs(await loadRdvRecords([id]), await zone()));
      return rdv ?? null;
    },
    agent: async (id) => {
      if (!isUuid(id)) return null;
      const agent = await inTerritory(() => tx().findOneBy(Agent, { id, deleted_at: IsNull() }));
      return agent && { id: agent.id, first_name: agent.first_name, last_name: agent.last_name, email: agent.email };
    },
    rdvsOfAgent: ({ agentId, endsAfter }) => inTerritory(async () => {
      if (!isUuid(agentId)) return [];
      const rows: { id: string }[] = await tx().query(
        `SELECT r.id FROM rdvs r JOIN rdv_agents a ON a.rdv_id = r.id WHERE a.agent_id = $1 AND r.ends_at > $2
          ORDER BY r.starts_at, r.id LIMIT ${MAX_AGENT_RDVS}`, [agentId, endsAfter]);
      const byId = new Map((await coreRdvs(await loadRdvRecords(rows.map((row) => row.id)), await zone())).map((rdv) => [rdv.id, rdv]));
      return rows.map((row) => byId.get(row.id)!);
    }),
    rdvsByUsagerField: ({ field, values, endsAfter }) => inTerritory(async () =>
      coreRdvs(await loadRdvRecords(await rdvIdsByUsagerField(field, values, endsAfter)), await zone())),
    creneaux: creneauxBatcher(platform, inTerritory),
    links: {
      async publicCreneau({ organisationId, motifId, lieuId, startsAt }) {
        const slug = await slugOf(organisationId);
        return `${platform.config.publicUrl}/public/organisations/${slug}/motifs/${motifId}?lieu_id=${encodeURIComponent(lieuId)}&starts_at=${encodeURIComponent(startsAt)}`;
      },
      manageParticipation: (participationId) => inTerritory(async () => {
        // A link is only issued for a participation of this territory.
        const participation = isUuid(participationId) ? await tx().findOneBy(Participation, { id: participationId }) : null;
        if (!participation) throw AppError.notFound('Participation');
        return issueRdvLink(platform, participationId);
      }),
      adminRdv: (rdvId) => rdvAdminUrl(platform, rdvId),
      adminAccount: (query = {}) => withQuery(`${platform.config.publicUrl}/admin/account`, query),
      publicOrganisation: (slug) => `${platform.config.publicUrl}/public/organisations/${encodeURIComponent(slug)}`,
      partnerRoutes: () => `${platform.config.publicUrl}${partnerRoutesPath(pluginName)}`,
    },
  };
}
