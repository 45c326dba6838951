import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const ACCESS_LEVELS = ['basic', 'admin', 'intervenant'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

@Entity('agents')
export class Agent {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  /** null for an intervenant: an agenda with a name and no login. */
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column({ type: 'text', nullable: true }) first_name!: string | null;
  @Column({ type: 'text', nullable: true }) last_name!: string | null;
  @Column({ type: 'text', nullable: true, select: false }) password_hash!: string | null;
  @Column({ type: 'boolean', default: false }) territorial_admin!: boolean;
  @Column({ type: 'text', select: false }) calendar_uid!: string;
  @Column({ type: 'timestamptz', nullable: true }) last_seen_at!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) deleted_at!: Date | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}

/** An agent's access level in one organisation. */
@Entity('agent_roles')
export class AgentRole {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) agent_id!: string;
  @Column({ type: 'uuid' }) organisation_id!: string;
  @Column({ type: 'text' }) access_level!: AccessLevel;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}

/** The services an agent belongs to: they give the agent their motifs and colleagues. */
@Entity('agent_services')
export class AgentService {
  @Column({ type: 'uuid' }) territory_id!: string;
  @PrimaryColumn({ type: 'uuid' }) agent_id!: string;
  @PrimaryColumn({ type: 'text' }) service_slug!: string;
}

@Entity('invitations')
export class Invitation {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) agent_id!: string;
  @Column({ type: 'text' }) token_hash!: string;
  @Column({ type: 'uuid', nullable: true }) invited_by_agent_id!: string | null;
  @Column({ type: 'timestamptz' }) expires_at!: Date;
  @Column({ type: 'timestamptz', nullable: true }) accepted_at!: Date | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}
