/**
 * Receipts make notifications exactly-once. Each message has a key (its source
 * event, channel and recipient), unique per territory. Before sending, a worker
 * claims the receipt: it moves from `pending` to `sending` for a lease, in one
 * UPDATE that only one worker can win. After the send it settles: `sent`,
 * `failed` (refused for good, or out of attempts), or back to `pending` to be
 * retried. A duplicate delivery of the event finds the receipt settled (nothing
 * to do) or held by another worker (try again later). Only a worker that dies
 * between the send and the settle can leave a message to be sent twice, once
 * its lease ran out.
 */
import { currentTerritoryId, tx } from '../db/database';
import { NotificationReceipt } from './receipt.entity';
import type { NotificationChannel } from './templates';

/** Longer than the slowest send (SMTP gives up after 50 s, SMS providers after 60 s). */
export const RECEIPT_LEASE_MS = 2 * 60_000;

export interface ReceiptTarget {
  dedupeKey: string;
  rdvId: string | null;
  event: string;
  channel: NotificationChannel;
  recipientType: 'user' | 'agent' | 'prescripteur';
  recipientId: string | null;
  /** Masked. */
  recipient: string;
}

export type Claim = { state: 'claimed'; receipt: NotificationReceipt } | { state: 'settled' } | { state: 'held' };

function insertValues(target: ReceiptTarget, status: 'pending' | 'skipped', reason: string | null, now: Date): unknown[] {
  return [
    currentTerritoryId(), target.dedupeKey, target.rdvId, target.event, target.channel,
    target.recipientType, target.recipientId, target.recipient, status, reason, now,
  ];
}

const INSERT = `
  INSERT INTO notification_receipts
    (territory_id, dedupe_key, rdv_id, event, channel, recipient_type, recipient_id, recipient, status, reason, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
  ON CONFLICT (territory_id, dedupe_key) DO NOTHING`;

/** Records a message that will not be sent (no email, a landline...); a receipt already there is left as it is. */
export async function recordSkipped(target: ReceiptTarget, reason: string, now: Date): Promise<void> {
  await tx().query(INSERT, insertValues(target, 'skipped', reason, now));
}

/** Takes the message for sending, unless it is settled or another worker holds it. Commit before sending. */
export async function claimReceipt(target: ReceiptTarget, now: Date): Promise<Claim> {
  await tx().query(INSERT, insertValues(target, 'pending', null, now));
  const [claimed]: NotificationReceipt[] = await tx().query(
    // A SELECT around the UPDATE: drivers answer an UPDATE with [rows, count] but a SELECT with its rows.
    `WITH claimed AS (
       UPDATE notification_receipts
          SET status = 'sending', attempts = attempts + 1, locked_until = $3, updated_at = $2
        WHERE territory_id = $4 AND dedupe_key = $1
          AND (status = 'pending' OR (status = 'sending' AND locked_until < $2))
        RETURNING *)
     SELECT * FROM claimed`,
    [target.dedupeKey, now, new Date(now.getTime() + RECEIPT_LEASE_MS), currentTerritoryId()],
  );
  if (claimed) return { state: 'claimed', receipt: claimed };
  const [current] = await tx().query(`SELECT status FROM notification_receipts WHERE territory_id = $1 AND dedupe_key = $2`, [
    currentTerritoryId(),
    target.dedupeKey,
  ]);
  return current.status === 'sending' ? { state: 'held' } : { state: 'settled' };
}

export type Outcome =
  | { status: 'sent'; providerMessageId: string }
  | { status: 'failed'; reason: string }
  /** Failed this time; another attempt will come. */
  | { status: 'pending'; reason: string };

export async function settleReceipt(receiptId: string, outcome: Outcome, now: Date): Promise<void> {
  await tx().query(
    `UPDATE notification_receipts
        SET status = $2, reason = $3, provider_message_id = $4, sent_at = $5, locked_until = NULL, updated_at = $6
      WHERE id = $1`,
    [
      receiptId,
      outcome.status,
      outcome.status === 'sent' ? null : outcome.reason,
      outcome.status === 'sent' ? outcome.providerMessageId : null,
      outcome.status === 'sent' ? now : null,
      now,
    ],
  );
}

/** c*****@example.org: enough for an agent to recognise the address, not to read it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}${'*'.repeat(Math.max(at - 1, 3))}${email.slice(at)}`;
}
