import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const LIEU_AVAILABILITIES = ['enabled', 'disabled', 'single_use'] as const;

/** A place where appointments happen. */
@Entity('lieux')
export class Lieu {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) organisation_id!: string;
  @Column({ type: 'text' }) name!: string;
  /** The address on one line, as notifications and screens show it. */
  @Column({ type: 'text' }) address!: string;
  /** The structured address and coordinates France Titres (ANTS) needs of a meeting point. */
  @Column({ type: 'text', nullable: true }) street!: string | null;
  @Column({ type: 'text', nullable: true }) postcode!: string | null;
  @Column({ type: 'text', nullable: true }) city!: string | null;
  @Column({ type: 'double precision', nullable: true }) latitude!: number | null;
  @Column({ type: 'double precision', nullable: true }) longitude!: number | null;
  @Column({ type: 'text', nullable: true }) phone_number!: string | null;
  @Column({ type: 'text' }) availability!: (typeof LIEU_AVAILABILITIES)[number];
  /** The day of a lieu used once (`single_use`): its plages give créneaux that day only, and it is hidden after. */
  @Column({ type: 'date', nullable: true }) single_use_day!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) deleted_at!: Date | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}

export const LIEU_DEFAULTS: Partial<Lieu> = {
  availability: 'enabled', single_use_day: null, phone_number: null, street: null, postcode: null, city: null, latitude: null, longitude: null,
};
