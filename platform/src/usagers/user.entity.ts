import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** An usager: the citizen who has appointments. Their fiche belongs to organisations through user_profiles. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  @Column({ type: 'text' }) first_name!: string;
  @Column({ type: 'text' }) last_name!: string;
  @Column({ type: 'text', nullable: true }) birth_name!: string | null;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  /** As typed by the agent or the usager; searched by its digits. */
  @Column({ type: 'text', nullable: true }) phone_number!: string | null;
  /** YYYY-MM-DD. */
  @Column({ type: 'date', nullable: true }) birth_date!: string | null;
  @Column({ type: 'text', nullable: true }) address!: string | null;
  @Column({ type: 'boolean', default: true }) notify_by_email!: boolean;
  @Column({ type: 'boolean', default: true }) notify_by_sms!: boolean;
  /** Every value ever given, those of hidden or removed fields included: the form decides what shows. */
  @Column({ type: 'jsonb', default: {} }) custom_fields!: Record<string, unknown>;
  /** Maintained by usagers/search.ts. */
  @Column({ type: 'text', select: false, default: '' }) search_text!: string;
  @Column({ type: 'timestamptz' }) created_at!: Date;
  @Column({ type: 'timestamptz' }) updated_at!: Date;
  @Column({ type: 'timestamptz', nullable: true }) deleted_at!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) anonymised_at!: Date | null;
  /** Set when the fiche shows the identity FranceConnect certified: first name, birth name and birth date stay so. */
  @Column({ type: 'timestamptz', nullable: true }) franceconnect_identity_at!: Date | null;
}

/** Ties an usager's fiche to an organisation: its agents see and manage it. */
@Entity('user_profiles')
export class UserProfile {
  @Column({ type: 'uuid' }) territory_id!: string;
  @PrimaryColumn({ type: 'uuid' }) user_id!: string;
  @PrimaryColumn({ type: 'uuid' }) organisation_id!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
}

/** The standard fields of the fiche, as stored (api/user.json's properties but custom_fields). */
export const USER_STANDARD_FIELDS = [
  'first_name', 'last_name', 'birth_name', 'email', 'phone_number', 'birth_date', 'address', 'notify_by_email', 'notify_by_sms',
] as const;
export type UserStandardField = (typeof USER_STANDARD_FIELDS)[number];
