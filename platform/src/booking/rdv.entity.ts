import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const RDV_STATUSES = ['unknown', 'seen', 'noshow', 'excused', 'revoked'] as const;
export type RdvStatus = (typeof RDV_STATUSES)[number];
/** Statuses that take the agents' time; excused and revoked free it. */
export const ACTIVE_STATUSES: readonly RdvStatus[] = ['unknown', 'seen', 'noshow'];

@Entity('rdvs')
export class Rdv {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) organisation_id!: string;
  @Column({ type: 'uuid' }) motif_id!: string;
  @Column({ type: 'uuid', nullable: true }) lieu_id!: string | null;
  @Column({ type: 'timestamptz' }) starts_at!: Date;
  @Column({ type: 'timestamptz' }) ends_at!: Date;
  @Column({ type: 'text' }) status!: RdvStatus;
  @Column({ type: 'boolean' }) collectif!: boolean;
  @Column({ type: 'text', nullable: true }) name!: string | null;
  @Column({ type: 'integer', nullable: true }) max_participants_count!: number | null;
  @Column({ type: 'text', nullable: true }) context!: string | null;
  @Column({ type: 'jsonb', default: {} }) custom_fields!: Record<string, unknown>;
  @Column({ type: 'text' }) created_by!: 'agent' | 'user' | 'prescripteur';
  @Column({ type: 'uuid', nullable: true }) created_by_agent_id!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) cancelled_at!: Date | null;
  /** Rises with each change the usager is told about (iCalendar SEQUENCE). */
  @Column({ type: 'integer' }) sequence!: number;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}

/** The time an rdv takes in one agent's agenda; PostgreSQL refuses overlaps (see the Rdvs migration). */
@Entity('rdv_agents')
export class RdvAgent {
  @Column({ type: 'uuid' }) territory_id!: string;
  @PrimaryColumn({ type: 'uuid' }) rdv_id!: string;
  @PrimaryColumn({ type: 'uuid' }) agent_id!: string;
  @Column({ type: 'timestamptz' }) starts_at!: Date;
  @Column({ type: 'timestamptz' }) ends_at!: Date;
  @Column({ type: 'boolean' }) active!: boolean;
  /** Booked with `force` by an agent: exempt from the no-overlap constraint. */
  @Column({ type: 'boolean' }) overbooked!: boolean;
}
