import { DateTime } from 'luxon';
import { ref } from 'vue';
import { api, type ListBody } from '../api/client';
import { agentName, type Agent, type Lieu, type Motif, type Rdv } from '../api/types';
import { describeError } from './errors';

const ALL = { per_page: 200 };

/**
 * What rdv lists name by id in one organisation: its motifs (collectif ones too), lieux and
 * the agents the signed-in agent sees; with the labels the lists show.
 */
export function useRdvDirectory(organisationId: string) {
  const motifs = ref<Motif[]>([]);
  const lieux = ref<Lieu[]>([]);
  const agents = ref<Agent[]>([]);
  const problem = ref<string | null>(null);
  const base = `/api/v1/organisations/${organisationId}`;
  const loaded = Promise.all([
    api.get<ListBody<Motif>>(`${base}/motifs`, ALL),
    api.get<ListBody<Lieu>>(`${base}/lieux`, ALL),
    api.get<ListBody<Agent>>(`${base}/agents`, ALL),
  ]).then(([m, l, a]) => {
    motifs.value = m.data;
    lieux.value = l.data;
    agents.value = a.data;
  }).catch((error) => {
    problem.value = describeError(error);
  });

  const motifName = (id: string) => motifs.value.find((motif) => motif.id === id)?.name ?? '—';
  const lieuName = (id: string | null) => (id ? lieux.value.find((lieu) => lieu.id === id)?.name ?? '—' : '—');
  const agentNames = (ids: string[]) => ids.map((id) => {
    const agent = agents.value.find((candidate) => candidate.id === id);
    return agent ? agentName(agent) : '—';
  }).join(', ');

  return { motifs, lieux, agents, problem, loaded, motifName, lieuName, agentNames };
}

export type RdvDirectory = ReturnType<typeof useRdvDirectory>;

/** The usagers of an rdv as lists name them ("Camille Martin, Sacha Petit"), or the session's name. */
export function rdvUsagers(rdv: Rdv): string {
  const names = rdv.participations.filter((p) => !['excused', 'revoked'].includes(p.status)).map((p) => `${p.first_name} ${p.last_name}`);
  return names.join(', ') || rdv.name || '—';
}

/** An instant the API answered with the territory's offset, read as agents there read it. */
export function wallTime(iso: string): DateTime {
  return DateTime.fromISO(iso, { setZone: true }).setLocale('fr');
}

/** Arrivals this tab marked itself (Salle d'attente): the agent who marks one needs no alert about it. */
export const arrivalsMarkedHere = new Set<string>();

/** The status an agent reads: an expected rdv whose usager came is in the waiting room. */
export function rdvStatusKey(rdv: Pick<Rdv, 'status' | 'arrived_at'>): string {
  return rdv.status === 'unknown' && rdv.arrived_at ? 'waiting' : rdv.status;
}
