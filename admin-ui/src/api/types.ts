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
  /** Where the invitation of an agent yet to choose a password stands. */
  invitation: { status: 'pending' | 'expired' | 'revoked'; sent_at: string; expires_at: string } | null;
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
  /** « Liste d'options »: when not empty, each booking picks one. */
  options?: MotifOption[];
  [field: string]: unknown;
}

/** One of a motif's options; a duration replaces the motif's for the rdvs that pick it. */
export interface MotifOption {
  label: string;
  duration_in_min: number | null;
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
  /** A lieu used once: its only day (YYYY-MM-DD); hidden from lists after it. */
  single_use_day: string | null;
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

/** The statuses of an rdv (API.md); `waiting` is no status but an expected rdv whose usager arrived. */
export type RdvStatus = 'unknown' | 'seen' | 'noshow' | 'excused' | 'revoked';

export interface RdvParticipation {
  id: string;
  user_id: string;
  first_name: string;
  last_name: string;
  status: RdvStatus;
  created_by: 'agent' | 'user' | 'prescripteur';
  created_at: string;
}

/** An rdv as the agent API answers it (GET /api/v1/rdvs/:id); times with the territory's offset. */
export interface Rdv {
  id: string;
  organisation_id: string;
  motif_id: string;
  /** The label of the motif's option chosen at booking, if the motif has options. */
  motif_option: string | null;
  lieu_id: string | null;
  starts_at: string;
  ends_at: string;
  duration_in_min: number;
  status: RdvStatus;
  collectif: boolean;
  name: string | null;
  max_participants_count: number | null;
  users_count: number;
  context: string | null;
  custom_fields: Record<string, unknown>;
  agent_ids: string[];
  user_ids: string[];
  participations: RdvParticipation[];
  created_by: 'agent' | 'user' | 'prescripteur';
  created_by_agent_id: string | null;
  cancelled_at: string | null;
  arrived_at: string | null;
  /** Sent back with a change: a change made meanwhile by someone else refuses it. */
  lock_version: number;
  created_at: string;
  updated_at: string;
  /** What an agent's forced change went over. */
  warnings?: { code: string; message: string }[];
}

/** One change in a record's history (GET /api/v1/rdvs/:id/versions). */
export interface RecordVersion {
  id: string;
  event: string;
  created_at: string;
  author: { id: string; first_name: string | null; last_name: string | null } | null;
  changes: { field: string; from: unknown; to: unknown }[];
}

/** What became of one notification (GET /api/v1/rdvs/:id/receipts). */
export interface NotificationReceipt {
  id: string;
  event: string;
  channel: 'email' | 'sms';
  recipient_type: 'user' | 'agent' | 'prescripteur';
  recipient_id: string | null;
  /** Masked. */
  recipient: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  reason: string | null;
  attempts: number;
  created_at: string;
  sent_at: string | null;
}
