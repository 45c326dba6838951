import { Database, tx } from '../db/database';

const MAX_ERROR_LENGTH = 2_000;

export interface JobFailure {
  territoryId: string;
  /** `plugin-webhooks`, ... */
  consumer: string;
  /** `event` for an event's handler, else the job's name. */
  job: string;
  eventId: string | null;
  attempt: number;
  /** No attempt is left. */
  final: boolean;
  error: string;
}

/**
 * Keeps a failed attempt for admins; for an event, also on its receipt, which a last
 * failure settles as `failed` so that the record's later events go on.
 */
export async function recordJobFailure(db: Database, failure: JobFailure): Promise<void> {
  const error = failure.error.slice(0, MAX_ERROR_LENGTH) || 'Unknown error';
  await db.system(async () => {
    await tx().query(
      `INSERT INTO job_failures (territory_id, consumer, job, event_id, attempt, final, error) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [failure.territoryId, failure.consumer, failure.job, failure.eventId, failure.attempt, failure.final, error],
    );
    if (failure.eventId) {
      await tx().query(
        `UPDATE consumer_receipts
            SET attempts = $3, last_error = $4, updated_at = now(),
                status = CASE WHEN $5 THEN 'failed' ELSE status END,
                settled_at = CASE WHEN $5 THEN now() ELSE settled_at END
          WHERE event_id = $1 AND consumer = $2 AND status = 'pending'`,
        [failure.eventId, failure.consumer, failure.attempt, error, failure.final],
      );
    }
  });
}

export interface FailureRow {
  id: string;
  job: string;
  event_id: string | null;
  attempt: number;
  final: boolean;
  error: string;
  created_at: Date;
}

/** A consumer's failures in the current tenant transaction's territory, newest first. */
export async function listJobFailures(consumer: string, page: { page: number; per_page: number }): Promise<[FailureRow[], number]> {
  const rows: FailureRow[] = await tx().query(
    `SELECT id::text AS id, job, event_id::text AS event_id, attempt, final, error, created_at FROM job_failures
      WHERE consumer = $1 ORDER BY job_failures.id DESC LIMIT $2 OFFSET $3`,
    [consumer, page.per_page, (page.page - 1) * page.per_page],
  );
  const [{ count }] = await tx().query(`SELECT count(*)::int AS count FROM job_failures WHERE consumer = $1`, [consumer]);
  return [rows, count];
}
