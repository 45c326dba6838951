import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One change of one record (an usager, later an rdv): who, when, which fields, from what to what. */
@Entity('record_versions')
export class RecordVersion {
  /** bigserial: read as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  /** `user`, `rdv`... */
  @Column({ type: 'text' }) model!: string;
  @Column({ type: 'uuid' }) record_id!: string;
  /** `created`, `updated`, `merged`, `removed_from_organisation`, `anonymised`... */
  @Column({ type: 'text' }) event!: string;
  /** The fields that changed (custom ones as `custom_fields.<name>`), in the fiche's order, with their values before and after. */
  @Column({ type: 'jsonb' }) changes!: FieldChange[];
  @Column({ type: 'uuid', nullable: true }) author_agent_id!: string | null;
  @Column({ type: 'timestamptz' }) created_at!: Date;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** Field → its value before and after: how domain code builds a version. */
export type FieldChanges = Record<string, { from: unknown; to: unknown }>;
