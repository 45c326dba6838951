import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One version of one configuration document of a territory; the highest version is in force. */
@Entity('territory_configs')
export class TerritoryConfig {
  @PrimaryColumn({ type: 'uuid' }) territory_id!: string;
  @PrimaryColumn({ type: 'text' }) key!: string;
  @PrimaryColumn({ type: 'integer' }) version!: number;
  @Column({ type: 'jsonb' }) document!: Record<string, unknown>;
  @Column({ type: 'uuid', nullable: true }) author_agent_id!: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}
