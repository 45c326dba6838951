import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { NotificationChannel } from './templates';

export const RECEIPT_STATUSES = ['pending', 'sending', 'sent', 'failed', 'skipped'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/**
 * What became of one notification: sent, failed (with why), skipped (no email,
 * a landline...), or still in flight (pending between attempts, sending while a
 * worker holds it until `locked_until`). Shown with the rdv.
 */
@Entity('notification_receipts')
export class NotificationReceipt {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) territory_id!: string;
  /** Source event (outbox event or reminder), channel and recipient: unique per territory. */
  @Column({ type: 'text' }) dedupe_key!: string;
  @Column({ type: 'uuid', nullable: true }) rdv_id!: string | null;
  @Column({ type: 'text' }) event!: string;
  @Column({ type: 'text' }) channel!: NotificationChannel;
  @Column({ type: 'text' }) recipient_type!: 'user' | 'agent' | 'prescripteur';
  @Column({ type: 'uuid', nullable: true }) recipient_id!: string | null;
  /** Masked: c*****@example.org, +33******78. */
  @Column({ type: 'text' }) recipient!: string;
  @Column({ type: 'text' }) status!: ReceiptStatus;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ type: 'timestamptz', nullable: true }) locked_until!: Date | null;
  @Column({ type: 'text', nullable: true }) provider_message_id!: string | null;
  @Column({ type: 'timestamptz', default: () => 'now()' }) created_at!: Date;
  @Column({ type: 'timestamptz', default: () => 'now()' }) updated_at!: Date;
  @Column({ type: 'timestamptz', nullable: true }) sent_at!: Date | null;
}
