import type { WEEKDAYS } from '../composables/days';

/** The records of the agenda's settings: exceptional closures, reference weeks, public holidays. */

/** A fermeture exceptionnelle: whole days (`first_day`..`end_day`, both included) of the organisation or one lieu. */
export interface Closure {
  id: string;
  organisation_id: string;
  lieu_id: string | null;
  first_day: string;
  end_day: string;
  reason: string | null;
}

export type Weekday = (typeof WEEKDAYS)[number];

export interface ReferenceWeekRange {
  weekday: Weekday;
  start_time: string;
  end_time: string;
  motif_ids: string[];
}

export interface ReferenceWeek {
  id: string;
  organisation_id: string;
  name: string;
  ranges: ReferenceWeekRange[];
}

/** What applying a reference week created (its plages d'ouverture) and what the agent should know. */
export interface AppliedReferenceWeek {
  data: { id: string; title: string | null; start_time: string; end_time: string; recurrence: string | null; first_day: string; until: string | null }[];
  warnings: { code: string; message: string }[];
}

export interface PublicHoliday {
  date: string;
  name: string;
  reopened: boolean;
}

/** The `holidays` configuration document. */
export interface HolidaysDocument {
  zone: string;
  /** Days of the week the territory does not work (`monday` … `sunday`). */
  closed_weekdays?: string[];
  reopened: string[];
}
