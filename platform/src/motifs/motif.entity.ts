import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { AppError } from '../errors';

export const LOCATION_TYPES = ['public_office', 'phone', 'home', 'visio'] as const;
export const BOOKABLE_BY = ['agents', 'agents_and_prescripteurs', 'everyone'] as const;

/** One of a motif's options (« Liste d'options »): each booking picks one; it may last another time than the motif. */
export interface MotifOption {
  label: string;
  duration_in_min: number | null;
}

/** The reason for an appointment: duration, modality, service, online booking rules, instructions. */
@Entity('motifs')
export class Motif {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) organisation_id!: string;
  /** A service slug of the territory's enabled services. */
  @Column({ type: 'text' }) service_id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'integer' }) default_duration_in_min!: number;
  @Column({ type: 'text' }) location_type!: (typeof LOCATION_TYPES)[number];
  @Column({ type: 'text' }) bookable_by!: (typeof BOOKABLE_BY)[number];
  /** Seconds. */
  @Column({ type: 'integer' }) min_public_booking_delay!: number;
  /** Seconds. */
  @Column({ type: 'integer' }) max_public_booking_delay!: number;
  /** The booking delays bind agents too (seed 004); an organisation admin may still force. */
  @Column({ type: 'boolean' }) booking_delays_for_agents!: boolean;
  @Column({ type: 'boolean' }) collectif!: boolean;
  @Column({ type: 'text' }) color!: string;
  @Column({ type: 'text', nullable: true }) restriction_for_rdv!: string | null;
  @Column({ type: 'text', nullable: true }) instruction_for_rdv!: string | null;
  @Column({ type: 'boolean' }) rdvs_editable_by_user!: boolean;
  @Column({ type: 'boolean' }) rdvs_cancellable_by_user!: boolean;
  @Column({ type: 'integer' }) user_cancellation_deadline_in_hours!: number;
  /** Slots step by the duration unless set. */
  @Column({ type: 'integer', nullable: true }) slot_step_in_min!: number | null;
  @Column({ type: 'integer' }) buffer_after_in_min!: number;
  /** Opened by an admin to the Secrétariat: its agents may hold it in their plages. */
  @Column({ type: 'boolean' }) for_secretariat!: boolean;
  @Column({ type: 'text', nullable: true }) category!: string | null;
  /** When not empty, every booking picks one (seed 004). */
  @Column({ type: 'jsonb', default: [] }) options!: MotifOption[];
  @Column({ type: 'timestamptz', nullable: true }) deleted_at!: Date | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}

/** What a new motif gets when the body does not say. */
export const MOTIF_DEFAULTS: Partial<Motif> = {
  bookable_by: 'agents',
  min_public_booking_delay: 30 * 60,
  max_public_booking_delay: 90 * 24 * 3600,
  booking_delays_for_agents: false,
  collectif: false,
  color: '#1565c0',
  rdvs_editable_by_user: false,
  rdvs_cancellable_by_user: true,
  user_cancellation_deadline_in_hours: 4,
  slot_step_in_min: null,
  buffer_after_in_min: 0,
  for_secretariat: false,
  options: [],
};

/**
 * The option a booking picks by its label: required when the motif has options, refused
 * when it has none (`path` names the field).
 */
export function chosenOption(motif: Pick<Motif, 'options'>, label: string | null | undefined, path = 'motif_option'): MotifOption | null {
  if (motif.options.length === 0) {
    if (label != null) throw AppError.invalidField(path, 'is only for a motif with options');
    return null;
  }
  if (label == null) throw AppError.invalidField(path, `is required: one of ${motif.options.map((option) => option.label).join(', ')}`);
  const option = motif.options.find((candidate) => candidate.label === label);
  if (!option) throw AppError.invalidField(path, 'is not an option of this motif');
  return { label: option.label, duration_in_min: option.duration_in_min ?? null };
}

/** The motif as a booking with this option sees it: lasting the option's duration when it has one. */
export function timedByOption<M extends Pick<Motif, 'default_duration_in_min'>>(motif: M, option: MotifOption | null): M {
  return option?.duration_in_min ? { ...motif, default_duration_in_min: option.duration_in_min } : motif;
}
