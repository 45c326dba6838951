import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('outbox_events')
export class OutboxEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid', nullable: true }) organisation_id!: string | null;
  /** The record's kind, in the webhook's vocabulary: rdv, motif, lieu, agent, ... */
  @Column({ type: 'text' }) model!: string;
  @Column({ type: 'text' }) event!: 'created' | 'updated' | 'destroyed';
  @Column({ type: 'text' }) record_id!: string;
  @Column({ type: 'jsonb' }) payload!: Record<string, unknown>;
  @Column({ type: 'uuid', nullable: true }) actor_agent_id!: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) occurred_at!: Date;
  @Column({ type: 'timestamptz', nullable: true }) dispatched_at!: Date | null;
  /** The request that recorded it (X-Request-Id): its consumers' jobs log under the same id. */
  @Column({ type: 'text', nullable: true }) request_id!: string | null;
}
