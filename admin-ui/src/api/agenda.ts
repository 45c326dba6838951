/** The agenda screen's records (GET /organisations/:org/agenda, plages d'ouverture, absences). */

interface Occurrence {
  /** The local day the occurrence starts on: what an exdate names to skip it. */
  day: string;
  starts_at: string;
  ends_at: string;
  recurring: boolean;
  title: string | null;
}

export interface PlageOccurrence extends Occurrence {
  plage_ouverture_id: string;
  lieu: { id: string; name: string };
  motifs: { id: string; name: string }[];
}

export interface AbsenceOccurrence extends Occurrence {
  absence_id: string;
}

export interface AgendaRdv {
  id: string;
  starts_at: string;
  ends_at: string;
  status: string;
  motif: { id: string; name: string };
  collectif: boolean;
  name: string | null;
  usager_names: string[];
}

export interface AgentAgenda {
  agent_id: string;
  time_zone: string;
  can_write_plages: boolean;
  can_write_absences: boolean;
  plages: PlageOccurrence[];
  absences: AbsenceOccurrence[];
  rdvs: AgendaRdv[];
  holidays: { date: string; name: string }[];
  closures: { id: string; first_day: string; end_day: string; lieu_name: string | null; reason: string | null }[];
}

/** The time part plages and absences share, as the API spells it. */
export interface AgendaTimes {
  first_day: string;
  start_time: string;
  end_time: string;
  recurrence: string | null;
  until: string | null;
  exdates: string[];
}

export interface PlageOuverture extends AgendaTimes {
  id: string;
  agent_id: string;
  lieu_id: string;
  motif_ids: string[];
  title: string | null;
}

export interface Absence extends AgendaTimes {
  id: string;
  agent_id: string;
  title: string | null;
  end_day: string | null;
}

/** What saving or deleting a plage tells besides the record. */
export interface PlageOutcome {
  warnings?: { code: string; message: string }[];
  rdvs_outside_plages?: number;
  unscheduled_rdv_ids?: string[];
}
