import type { Context } from 'koa';
import { hashToken } from '../auth/secrets';
import { tx } from '../db/database';
import { AppError } from '../errors';
import type { Platform } from '../platform';

/** Wrong guesses allowed on one secret before a pause. */
export const MAX_FAILURES = 5;
export const PAUSE_MS = 15 * 60_000;

/** Refusals that count as a wrong guess (made by `wrongGuess`). */
const wrongGuesses = new WeakSet<AppError>();

/** The refusal of a wrong secret (letters, code): counted by the AttemptCounter guarding the request. */
export function wrongGuess(path: string, message: string): AppError {
  const error = new AppError('forbidden', message, [{ path, message: 'does not match' }]);
  wrongGuesses.add(error);
  return error;
}

/**
 * Counts wrong guesses on a secret (the letters of a self-service link, a
 * confirmation code) in PostgreSQL, so that every API process sees the same
 * count: after MAX_FAILURES, the secret is paused for PAUSE_MS, right guesses
 * included (429 with Retry-After). `subject` names the secret (`rdv_link:<token>`);
 * only its hash is stored.
 */
export class AttemptCounter {
  private readonly key: string;

  constructor(
    private readonly platform: Platform,
    subject: string,
  ) {
    this.key = hashToken(subject);
  }

  /**
   * Runs an attempt unless the secret is paused. A wrong guess it throws is
   * counted in a transaction of its own (the attempt's own rolls back with its
   * refusal); a success forgets the earlier wrong guesses.
   */
  async guard<T>(koa: Context, attempt: () => Promise<T>): Promise<T> {
    await this.assertOpen(koa);
    try {
      const result = await attempt();
      await this.reset();
      return result;
    } catch (error) {
      if (error instanceof AppError && wrongGuesses.has(error)) await this.recordFailure();
      throw error;
    }
  }

  private async assertOpen(koa: Context): Promise<void> {
    const [row] = await this.platform.db.system(() =>
      tx().query(`SELECT locked_until FROM access_attempts WHERE key = $1`, [this.key]));
    const lockedUntil = row?.locked_until ? new Date(row.locked_until).getTime() : 0;
    const waitMs = lockedUntil - this.platform.clock.now().getTime();
    if (waitMs > 0) {
      koa.set('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new AppError('too_many', `Too many wrong attempts: try again in ${Math.ceil(waitMs / 60_000)} minutes`);
    }
  }

  /** The MAX_FAILURES-th wrong guess pauses the secret and starts a new count. */
  private async recordFailure(): Promise<void> {
    const now = this.platform.clock.now();
    await this.platform.db.system(() =>
      tx().query(
        `INSERT INTO access_attempts AS a (key, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2)
         ON CONFLICT (key) DO UPDATE
            SET failures = CASE WHEN a.failures + 1 >= $3 THEN 0 ELSE a.failures + 1 END,
                locked_until = CASE WHEN a.failures + 1 >= $3 THEN $4::timestamptz ELSE a.locked_until END,
                updated_at = $2`,
        [this.key, now, MAX_FAILURES, new Date(now.getTime() + PAUSE_MS)],
      ));
  }

  private async reset(): Promise<void> {
    await this.platform.db.system(() => tx().query(`DELETE FROM access_attempts WHERE key = $1`, [this.key]));
  }
}
