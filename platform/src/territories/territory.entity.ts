import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The tenant: a département, a city, a network. */
@Entity('territories')
export class Territory {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) name!: string;
  /** Its entry page's address in the public portal; set from the name when inserted (a trigger). */
  @Column({ type: 'text', insert: false }) slug!: string;
  @Column({ type: 'text' }) timezone!: string;
  /** Its agents sign in with ProConnect only (while the instance offers it): passwords are refused. */
  @Column({ type: 'boolean', default: false }) proconnect_required!: boolean;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
}
