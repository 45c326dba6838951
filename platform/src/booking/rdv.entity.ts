import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { MotifOption } from '../motifs/motif.entity';

/** The statuses agents and the API speak of (GLOSSARY: statut). */
export const RDV_STATUSES = ['unknown', 'seen', 'noshow', 'excused', 'revoked'] as const;
export type RdvStatus = (typeof RDV_STATUSES)[number];
/**
 * An online booking whose usager has not confirmed their email yet: it holds the
 * agent's time for a few minutes (see booking/holds.ts) and is no rdv for anyone else.
 */
export const PENDING = 'pending';
export type StoredRdvStatus = RdvStatus | typeof PENDING;
/** Statuses that take the agents' time; excused and revoked free it. A pending hold takes it too. */
export const ACTIVE_STATUSES: readonly StoredRdvStatus[] = [PENDING, 'unknown', 'seen', 'noshow'];
export const CANCELLED_STATUSES: readonly RdvStatus[] = ['excused', 'revoked'];
/** A collectif session is held, seen or cancelled by the service as a whole; usagers excuse themselves one by one. */
export const COLLECTIF_STATUSES: readonly RdvStatus[] = ['unknown', 'seen', 'revoked'];

export type CreatedBy = 'agent' | 'user' | 'prescripteur';

@Entity('rdvs')
export class Rdv {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) organisation_id!: string;
  @Column({ type: 'uuid' }) motif_id!: string;
  @Column({ type: 'uuid', nullable: true }) lieu_id!: string | null;
  @Column({ type: 'timestamptz' }) starts_at!: Date;
  @Column({ type: 'timestamptz' }) ends_at!: Date;
  @Column({ type: 'text' }) status!: StoredRdvStatus;
  @Column({ type: 'boolean' }) collectif!: boolean;
  @Column({ type: 'text', nullable: true }) name!: string | null;
  @Column({ type: 'integer', nullable: true }) max_participants_count!: number | null;
  @Column({ type: 'text', nullable: true }) context!: string | null;
  @Column({ type: 'jsonb', default: {} }) custom_fields!: Record<string, unknown>;
  /** The motif's option chosen at booking, as it was then (the motif's list may change later). */
  @Column({ type: 'jsonb', nullable: true }) motif_option!: MotifOption | null;
  @Column({ type: 'text' }) created_by!: CreatedBy;
  @Column({ type: 'uuid', nullable: true }) created_by_agent_id!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) cancelled_at!: Date | null;
  /** Salle d'attente: when an agent marked the usager as arrived. */
  @Column({ type: 'timestamptz', nullable: true }) arrived_at!: Date | null;
  /** Rises with each change the usager is told about (iCalendar SEQUENCE). */
  @Column({ type: 'integer' }) sequence!: number;
  /** Rises with every change recorded in the rdv's history: an edit names the version it started from. */
  @Column({ type: 'integer', default: 0 }) lock_version!: number;
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
  /** Booked with `force` by an agent over another rdv: exempt from the no-overlap constraint. */
  @Column({ type: 'boolean' }) overbooked!: boolean;
}

/** Who booked on whose behalf, as a prescripteur gives it. */
export interface PrescripteurIdentity {
  first_name: string;
  last_name: string;
  email: string;
  phone_number?: string | null;
}

/** Ties an usager to an rdv, with their own status (each usager of a collectif session has one). */
@Entity('participations')
export class Participation {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) rdv_id!: string;
  @Column({ type: 'uuid' }) user_id!: string;
  @Column({ type: 'text' }) status!: RdvStatus;
  @Column({ type: 'text' }) created_by!: CreatedBy;
  @Column({ type: 'uuid', nullable: true }) created_by_agent_id!: string | null;
  @Column({ type: 'jsonb', nullable: true }) prescripteur!: PrescripteurIdentity | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}

/** An online booking awaiting its confirmation code (booking/holds.ts). */
@Entity('rdv_holds')
export class RdvHold {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  /** The pending rdv, or the collectif session whose seat is held; null once an expired hold freed it. */
  @Column({ type: 'uuid', nullable: true }) rdv_id!: string | null;
  @Column({ type: 'boolean' }) seat!: boolean;
  @Column({ type: 'text' }) booked_by!: 'user' | 'prescripteur';
  /** The usager's fiche as typed; written to `users` only once confirmed, then erased here. */
  @Column({ type: 'jsonb', nullable: true }) user_data!: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) prescripteur!: PrescripteurIdentity | null;
  @Column({ type: 'text' }) confirmation_email!: string;
  @Column({ type: 'text' }) code_hash!: string;
  @Column({ type: 'timestamptz' }) expires_at!: Date;
  @Column({ type: 'timestamptz', nullable: true }) confirmed_at!: Date | null;
  /** The booker's network (IPv4 address, IPv6 /64) for its quotas; null from a private or loopback address. */
  @Column({ type: 'text', nullable: true }) client_network!: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}

/** A self-service link sent to one usager of one rdv; only the token's hash is stored. */
@Entity('rdv_links')
export class RdvLink {
  @PrimaryColumn({ type: 'text' }) token_hash!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'uuid' }) participation_id!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}
