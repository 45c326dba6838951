import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The operator, above territories. Created from ADMIN_EMAIL / ADMIN_PASSWORD. */
@Entity('platform_admins')
export class PlatformAdmin {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) email!: string;
  @Column({ type: 'text', select: false }) password_hash!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}

/** A bearer token; only its SHA-256 is stored. */
@Entity('api_tokens')
export class ApiToken {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) token_hash!: string;
  @Column({ type: 'uuid', nullable: true }) agent_id!: string | null;
  @Column({ type: 'uuid', nullable: true }) platform_admin_id!: string | null;
  /** A session opened through ProConnect: its id token, sealed, that ends ProConnect's session at sign-out. */
  @Column({ type: 'text', nullable: true, select: false }) proconnect_id_token!: string | null;
  @Column({ type: 'timestamptz' }) expires_at!: Date;
  @Column({ type: 'timestamptz', nullable: true }) revoked_at!: Date | null;
  /** Moved forward (a minute at most behind) as the session is used: an idle one is refused. */
  @Column({ type: 'timestamptz' }) last_used_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}
