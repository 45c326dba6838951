import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const LOCATION_TYPES = ['public_office', 'phone', 'home', 'visio'] as const;
export const BOOKABLE_BY = ['agents', 'agents_and_prescripteurs', 'everyone'] as const;

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
  @Column({ type: 'timestamptz', nullable: true }) deleted_at!: Date | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}

/** What a new motif gets when the body does not say. */
export const MOTIF_DEFAULTS: Partial<Motif> = {
  bookable_by: 'agents',
  min_public_booking_delay: 30 * 60,
  max_public_booking_delay: 90 * 24 * 3600,
  collectif: false,
  color: '#1565c0',
  rdvs_editable_by_user: false,
  rdvs_cancellable_by_user: true,
  user_cancellation_deadline_in_hours: 4,
  slot_step_in_min: null,
  buffer_after_in_min: 0,
  for_secretariat: false,
};
