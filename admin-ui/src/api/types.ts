/** What the platform answers (API.md); request bodies are typed by the schemas the forms load. */

export type AccessLevel = 'basic' | 'admin' | 'intervenant';

export interface Agent {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  territorial_admin: boolean;
  roles: { organisation_id: string; access_level: AccessLevel }[];
  service_ids: string[];
  invitation_pending: boolean;
  last_seen_at: string | null;
  inactive: boolean;
}

export interface Organisation {
  id: string;
  name: string;
  slug: string;
  phone_number: string | null;
  email: string | null;
  website: string | null;
  opening_hours: string | null;
  territory_id: string;
}

export interface Service {
  id: string;
  name: string;
}

export interface Motif {
  id: string;
  organisation_id: string;
  name: string;
  service_id: string;
  default_duration_in_min: number;
  location_type: string;
  bookable_by: 'agents' | 'agents_and_prescripteurs' | 'everyone';
  color: string;
  [field: string]: unknown;
}

export interface Lieu {
  id: string;
  organisation_id: string;
  name: string;
  address: string;
  street: string | null;
  postcode: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  phone_number: string | null;
  availability: 'enabled' | 'disabled' | 'single_use';
}

/** A free créneau of "Trouver un RDV" (GET .../creneaux): times with the territory's offset. */
/** An usager as lists show them (the fiche's standard fields). */
export interface UsagerSummary {
  id: string;
  first_name: string;
  last_name: string;
  birth_date?: string | null;
  phone_number?: string | null;
  email?: string | null;
}

export interface Creneau {
  starts_at: string;
  ends_at: string;
  agent_id: string;
  lieu_id: string;
  motif_id: string;
}

export interface ConfigVersion<D = Record<string, unknown>> {
  key: string;
  version: number;
  document: D;
  author_agent_id: string | null;
  created_at: string | null;
}

export function agentName(agent: Pick<Agent, 'first_name' | 'last_name' | 'email'>): string {
  return [agent.first_name, agent.last_name].filter(Boolean).join(' ') || agent.email || '—';
}
