/**
 * Sending a batch of notifications exactly once (see receipts.ts): plan and
 * claim in one tenant transaction, send with no transaction open, settle in
 * another. A message refused for good fails at once; one that may work later
 * stays pending and the job is retried, until its last attempt marks it failed.
 */
import { AppError } from '../errors';
import { errorMessage } from '../logging';
import type { Platform } from '../platform';
import { claimReceipt, recordSkipped, settleReceipt, type Outcome, type ReceiptTarget } from './receipts';

export type Send = () => Promise<{ messageId: string }>;

export type Outgoing =
  | { target: ReceiptTarget; skip: string }
  /** `compose` runs in the planning transaction once the receipt is claimed (it may write, e.g. a self-service link). */
  | { target: ReceiptTarget; compose: () => Promise<Send> };

/**
 * How many times a message may be tried: its receipt counts the attempts (one
 * per claim), so a message that keeps failing is marked failed at the last one,
 * whichever job or duplicate delivery made it.
 */
export interface DeliveryRun {
  maxAttempts: number;
}

export interface DeliveryReport {
  sent: number;
  failed: number;
  skipped: number;
  /** To be sent by a later attempt (failed for now, or held by another worker). */
  retry: number;
}

interface Ready {
  receiptId: string;
  attempts: number;
  send: Send;
}

/** Refused for good (a 5xx SMTP answer, a 4xx from the SMS provider, an unrenderable text) vs. worth another try. */
function isPermanent(error: unknown): boolean {
  return error instanceof AppError && error.kind === 'invalid';
}

function failureOutcome(error: unknown, attempts: number, run: DeliveryRun): Outcome {
  const reason = errorMessage(error).slice(0, 500);
  if (isPermanent(error)) return { status: 'failed', reason };
  return attempts >= run.maxAttempts ? { status: 'failed', reason: `gave up after ${attempts} attempts: ${reason}` } : { status: 'pending', reason };
}

/**
 * Delivers what `plan` answers (it runs in the territory's transaction). Throws
 * AppError(unavailable) when some message must be tried again, so that the
 * queue retries the job; messages already settled are not sent again then.
 */
export async function deliver(
  platform: Platform,
  territoryId: string,
  plan: () => Promise<Outgoing[]>,
  run: DeliveryRun,
): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, failed: 0, skipped: 0, retry: 0 };
  const settled: Array<{ receiptId: string; outcome: Outcome }> = [];
  const ready: Ready[] = await platform.db.tenant(territoryId, async () => {
    const now = platform.clock.now();
    const claimed: Ready[] = [];
    for (const outgoing of await plan()) {
      if ('skip' in outgoing) {
        await recordSkipped(outgoing.target, outgoing.skip, now);
        report.skipped++;
        continue;
      }
      const claim = await claimReceipt(outgoing.target, now);
      if (claim.state === 'held') report.retry++;
      if (claim.state !== 'claimed') continue;
      try {
        claimed.push({ receiptId: claim.receipt.id, attempts: claim.receipt.attempts, send: await outgoing.compose() });
      } catch (error) {
        if (!isPermanent(error)) throw error;
        await settleReceipt(claim.receipt.id, { status: 'failed', reason: errorMessage(error) }, now);
        report.failed++;
      }
    }
    return claimed;
  });

  for (const { receiptId, attempts, send } of ready) {
    try {
      const { messageId } = await send();
      settled.push({ receiptId, outcome: { status: 'sent', providerMessageId: messageId } });
    } catch (error) {
      settled.push({ receiptId, outcome: failureOutcome(error, attempts, run) });
    }
  }
  if (settled.length > 0) {
    await platform.db.tenant(territoryId, async () => {
      const now = platform.clock.now();
      for (const { receiptId, outcome } of settled) await settleReceipt(receiptId, outcome, now);
    });
  }
  for (const { outcome } of settled) {
    if (outcome.status === 'sent') report.sent++;
    else if (outcome.status === 'failed') report.failed++;
    else report.retry++;
  }
  if (report.retry > 0) {
    const reasons = settled.flatMap(({ outcome }) => (outcome.status === 'pending' ? [outcome.reason] : []));
    throw new AppError('unavailable', `${report.retry} notification(s) to try again${reasons.length ? `: ${reasons[0]}` : ' (held by another worker)'}`);
  }
  return report;
}
