import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/*
 * Dates are `YYYY-MM-DD` strings and times `HH:MM` strings in the territory's zone,
 * as the API spells them; `last_day` is derived on write (see agenda/definitions.ts).
 */

/**
 * What plages and absences share: an agent's time, one day or recurring in the territory's
 * zone. Not a table of its own: each entity below gets these columns.
 */
abstract class AgentTimeDefinition {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) agent_id!: string;
  @Column({ type: 'text', nullable: true }) title!: string | null;
  @Column({ type: 'date' }) first_day!: string;
  @Column({ type: 'text' }) start_time!: string;
  @Column({ type: 'text' }) end_time!: string;
  @Column({ type: 'text', nullable: true }) recurrence!: string | null;
  @Column({ type: 'date', nullable: true }) until!: string | null;
  @Column({ type: 'date', array: true, default: [] }) exdates!: string[];
  @Column({ type: 'date' }) last_day!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}

/** An agent's opening hours at a lieu for some motifs, maybe recurring. */
@Entity('plages_ouverture')
export class PlageOuverture extends AgentTimeDefinition {
  @Column({ type: 'uuid' }) organisation_id!: string;
  @Column({ type: 'uuid' }) lieu_id!: string;
  @Column({ type: 'uuid', array: true }) motif_ids!: string[];
}

/** An agent's unavailability (indisponibilité), in every organisation, maybe over several days or recurring. */
@Entity('absences')
export class Absence extends AgentTimeDefinition {
  @Column({ type: 'date', nullable: true }) end_day!: string | null;
}

/** Days an organisation (or one of its lieux when `lieu_id` is set) is closed: no créneaux. */
@Entity('closures')
export class Closure {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) organisation_id!: string;
  @Column({ type: 'uuid', nullable: true }) lieu_id!: string | null;
  @Column({ type: 'date' }) first_day!: string;
  @Column({ type: 'date' }) end_day!: string;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening of a reference week: a weekday, a time range and the motifs it serves. */
export interface ReferenceWeekRange {
  weekday: Weekday;
  start_time: string;
  end_time: string;
  motif_ids: string[];
}

/** 6tzen's semaine de référence: a named weekly template of opening hours, applied to an agent and lieu for a period. */
@Entity('reference_weeks')
export class ReferenceWeek {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) organisation_id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb' }) ranges!: ReferenceWeekRange[];
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}
