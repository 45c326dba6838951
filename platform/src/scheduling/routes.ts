/**
 * "Trouver un RDV" routes: créneaux and next availability for agents (in one
 * organisation, or across the territory), créneaux for the public portal.
 */
import type { Context } from 'koa';
import { route } from '../http/route';
import { requireMember } from '../organisations/policy';
import { bookableByAudience, publicOrganisation } from '../organisations/public-routes';
import {
  agentMotif,
  agentMotifs,
  agentScope,
  checkAgents,
  checkLieu,
  creneauxBody,
  findNextAvailability,
  loadSearchSettings,
  firstPerLieu,
  publicMotif,
  readIdList,
  readPerLieu,
  searchCreneaux,
  searchWindow,
  withOption,
} from './search';

/** A handler's answer already written as JSON text. */
function jsonBody(koa: Context, text: string): string {
  koa.type = 'application/json';
  return text;
}

export const schedulingRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/creneaux', tag: 'creneaux', access: 'agent',
    summary: 'Free créneaux of a motif from one day to another (?motif_id=&from=&to=[&lieu_id=][&agent_ids=a,b]), across the agents and lieux the searcher may book',
    async handle({ actor, params, query, platform, koa }) {
      requireMember(actor, params.org);
      const motif = await agentMotif(actor, query.motif_id, params.org);
      const lieuId = await checkLieu(params.org, query.lieu_id, false);
      const agentIds = await checkAgents(actor, params.org, readIdList(query.agent_ids, 'agent_ids'));
      const settings = await loadSearchSettings(platform.schemas);
      const window = searchWindow(query.from, query.to, settings.timeZone);
      const scope = { ...agentScope(actor, [params.org], [motif.id]), lieuId, agentIds };
      const [slots] = await searchCreneaux({ motifs: [motif], scope, audience: 'agent', now: platform.clock.now().getTime(), settings }, window);
      return jsonBody(koa, creneauxBody(slots, settings.timeZone));
    },
  }),
  route({
    method: 'get', path: '/api/v1/organisations/:org/next_availability', tag: 'creneaux', access: 'agent',
    summary: 'The first free créneau of a motif within 6 months (?motif_id=[&lieu_id=]); starts_at is null when there is none',
    async handle({ actor, params, query, platform }) {
      requireMember(actor, params.org);
      const motif = await agentMotif(actor, query.motif_id, params.org);
      const lieuId = await checkLieu(params.org, query.lieu_id, false);
      const settings = await loadSearchSettings(platform.schemas);
      const scope = { ...agentScope(actor, [params.org], [motif.id]), lieuId };
      return findNextAvailability({ motifs: [motif], scope, audience: 'agent', now: platform.clock.now().getTime(), settings });
    },
  }),
  route({
    method: 'get', path: '/api/v1/creneaux', tag: 'creneaux', access: 'agent',
    summary: "Where and when several motifs, each in its own organisation, are free (?motif_ids=a,b&from=&to=[&per_lieu=10]): e.g. one kind of appointment "
      + "across the territory's mairies. One créneau per start time and lieu, naming the first free agent, sorted by start; of each lieu its first "
      + 'per_lieu (10 by default, at most 200), and in meta.creneaux_by_lieu how many each lieu has: the organisation\'s search with lieu_id lists them all',
    async handle({ actor, query, platform, koa }) {
      const motifIds = readIdList(query.motif_ids, 'motif_ids');
      const perLieu = readPerLieu(query.per_lieu);
      if (!motifIds) return { data: [], meta: { per_lieu: perLieu, creneaux_by_lieu: {} } };
      const motifs = await agentMotifs(actor, motifIds, (index) => `motif_ids.${index}`);
      const settings = await loadSearchSettings(platform.schemas);
      const window = searchWindow(query.from, query.to, settings.timeZone);
      const organisationIds = [...new Set(motifs.map((motif) => motif.organisation_id))];
      const scope = agentScope(actor, organisationIds, motifIds);
      const slotsByMotif = await searchCreneaux({ motifs, scope, audience: 'agent', now: platform.clock.now().getTime(), settings }, window);
      const { kept, countByLieu } = firstPerLieu(slotsByMotif, perLieu);
      return jsonBody(koa, creneauxBody(kept, settings.timeZone, { per_lieu: perLieu, creneaux_by_lieu: Object.fromEntries(countByLieu) }));
    },
  }),
  route({
    method: 'get', path: '/api/public/organisations/:slug/creneaux', tag: 'public', access: 'public',
    summary: 'Créneaux an usager (or a prescripteur, ?prescripteur=1) may book online: one per start time and lieu, booking delays applied (?motif_id=&from=&to=[&lieu_id=][&motif_option=], an option lasting its own duration)',
    async handle({ params, query, platform, koa }) {
      const organisation = await publicOrganisation(platform, params.slug);
      return platform.db.tenant(organisation.territoryId, async () => {
        const motif = withOption(await publicMotif(organisation.id, query.motif_id, bookableByAudience(query)), query.motif_option);
        const lieuId = await checkLieu(organisation.id, query.lieu_id, true);
        const settings = await loadSearchSettings(platform.schemas);
        const window = searchWindow(query.from, query.to, settings.timeZone);
        const scope = { organisationIds: [organisation.id], motifIds: [motif.id], lieuId, searcher: null };
        const [slots] = await searchCreneaux({ motifs: [motif], scope, audience: 'public', now: platform.clock.now().getTime(), settings }, window);
        return jsonBody(koa, creneauxBody(slots, settings.timeZone));
      });
    },
  }),
  route({
    method: 'get', path: '/api/public/organisations/:slug/next_availability', tag: 'public', access: 'public',
    summary: 'The first créneau an usager (or a prescripteur, ?prescripteur=1) may book online within 6 months (?motif_id=[&lieu_id=]); starts_at is null when there is none',
    async handle({ params, query, platform }) {
      const organisation = await publicOrganisation(platform, params.slug);
      return platform.db.tenant(organisation.territoryId, async () => {
        const motif = withOption(await publicMotif(organisation.id, query.motif_id, bookableByAudience(query)), query.motif_option);
        const lieuId = await checkLieu(organisation.id, query.lieu_id, true);
        const settings = await loadSearchSettings(platform.schemas);
        const scope = { organisationIds: [organisation.id], motifIds: [motif.id], lieuId, searcher: null };
        return findNextAvailability({ motifs: [motif], scope, audience: 'public', now: platform.clock.now().getTime(), settings });
      });
    },
  }),
];
