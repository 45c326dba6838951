import { api, ListBody } from '../../api/client';
import { Agent, agentName, Lieu, Motif } from '../../api/types';

/** What "Trouver un RDV" names in one organisation: its motifs the agent may book, lieux and agents. */
export interface OrganisationDirectory {
  motifs: Motif[];
  lieux: Lieu[];
  agents: Agent[];
}

const PER_PAGE = { per_page: 200 };

/**
 * Loads each organisation's directory once for a screen. The API lists only what the agent
 * may see (a basic agent: their services' motifs and colleagues); collectif motifs are left
 * out: a session is joined from its rdv, not booked anew from a créneau.
 */
export function directoryLoader(): (organisationId: string) => Promise<OrganisationDirectory> {
  const cache = new Map<string, Promise<OrganisationDirectory>>();
  return (organisationId) => {
    let loaded = cache.get(organisationId);
    if (!loaded) {
      const base = `/api/v1/organisations/${organisationId}`;
      loaded = Promise.all([
        api.get<ListBody<Motif>>(`${base}/motifs`, PER_PAGE),
        api.get<ListBody<Lieu>>(`${base}/lieux`, PER_PAGE),
        api.get<ListBody<Agent>>(`${base}/agents`, PER_PAGE),
      ]).then(([motifs, lieux, agents]) => ({
        motifs: motifs.data.filter((motif) => !motif.collectif),
        lieux: lieux.data,
        agents: agents.data,
      }));
      loaded.catch(() => cache.delete(organisationId));
      cache.set(organisationId, loaded);
    }
    return loaded;
  };
}

export function agentLabel(agents: Agent[], agentId: string): string {
  const agent = agents.find((candidate) => candidate.id === agentId);
  return agent ? agentName(agent) : '—';
}
