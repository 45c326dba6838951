import type { Context } from 'koa';
import { hashToken } from '../auth/secrets';
import { tx } from '../db/database';
import { AppError } from '../errors';
import type { Platform } from '../platform';

/** Wrong guesses allowed on one secret before a pause. */
export const MAX_FAILURES = 5;
export const PAUSE_MS = 15 * 60_000;
/** What a guess refused because others are in flight is told to wait, in seconds. */
const IN_FLIGHT_RETRY_S = 5;

/** Refusals that count as a wrong guess (made by `wrongGuess`). */
const wrongGuesses = new WeakSet<AppError>();

/** The refusal of a wrong secret (letters, code): counted by the AttemptCounter guarding the request. */
export function wrongGuess(path: string, message: string): AppError {
  return countedAsWrongGuess(new AppError('forbidden', message, [{ path, message: 'does not match' }]));
}

/** Marks a refusal (a wrong password's 401...) as a wrong guess the guarding counters count. */
export function countedAsWrongGuess(error: AppError): AppError {
  wrongGuesses.add(error);
  return error;
}

/** How many wrong guesses a counter allows before it pauses its subject, and for how long. */
export interface AttemptLimits {
  maxFailures: number;
  pauseMs: number;
}

/**
 * Counts wrong guesses on a secret (the letters of a self-service link, a
 * confirmation code, an agent's password, or all guesses from one address) in
 * PostgreSQL, so that every API process sees the same count: after
 * `limits.maxFailures` (MAX_FAILURES by default), the subject is paused for
 * `limits.pauseMs`, right guesses included (429 with Retry-After). `subject`
 * names it (`rdv_link:<token>`); only its hash is stored.
 */
export class AttemptCounter {
  private readonly key: string;

  constructor(
    private readonly platform: Platform,
    subject: string,
    private readonly limits: AttemptLimits = { maxFailures: MAX_FAILURES, pauseMs: PAUSE_MS },
  ) {
    this.key = hashToken(subject);
  }

  /**
   * Runs an attempt unless the secret is paused. The attempt is counted before it is
   * evaluated, in one atomic statement, so parallel requests cannot try more than
   * `maxFailures` guesses between two pauses. A wrong guess keeps its count (in a
   * transaction of its own: the attempt's own rolls back with its refusal), the
   * `maxFailures`-th pauses the subject; a right one forgets the count; any other
   * refusal gives its place back.
   */
  async guard<T>(koa: Context, attempt: () => Promise<T>): Promise<T> {
    await this.reserve(koa);
    let outcome: 'right' | 'wrong' | 'other' = 'other';
    try {
      const result = await attempt();
      outcome = 'right';
      return result;
    } catch (error) {
      if (error instanceof AppError && wrongGuesses.has(error)) outcome = 'wrong';
      throw error;
    } finally {
      await this.settle(outcome);
    }
  }

  /**
   * Counts a request that is never "right" (asking for a password link): the
   * `maxFailures`-th pauses the subject, and while paused it is refused (429).
   */
  async spend(koa: Context): Promise<void> {
    await this.reserve(koa);
    await this.settle('wrong');
  }

  private async reserve(koa: Context): Promise<void> {
    const now = this.platform.clock.now();
    const [row] = await this.platform.db.system(() =>
      tx().query(
        `INSERT INTO access_attempts AS a (key, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2)
         ON CONFLICT (key) DO UPDATE
            SET failures = CASE WHEN a.locked_until > $2 THEN a.failures ELSE a.failures + 1 END, updated_at = $2
         RETURNING failures, locked_until`,
        [this.key, now],
      ));
    const waitMs = (row.locked_until ? new Date(row.locked_until).getTime() : 0) - now.getTime();
    if (waitMs > 0) {
      koa.set('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new AppError('too_many', `Too many wrong attempts: try again in ${Math.ceil(waitMs / 60_000)} minutes`);
    }
    if (row.failures > this.limits.maxFailures) {
      // Guesses already in flight use up what is left before a pause.
      await this.settle('other');
      koa.set('Retry-After', String(IN_FLIGHT_RETRY_S));
      throw new AppError('too_many', 'Too many attempts at once: try again in a moment');
    }
  }

  private async settle(outcome: 'right' | 'wrong' | 'other'): Promise<void> {
    const now = this.platform.clock.now();
    await this.platform.db.system(async () => {
      if (outcome === 'right') {
        await tx().query(`DELETE FROM access_attempts WHERE key = $1`, [this.key]);
      } else if (outcome === 'other') {
        await tx().query(`UPDATE access_attempts SET failures = greatest(failures - 1, 0) WHERE key = $1`, [this.key]);
        // Nothing counted and no pause in force: the secret is as if never tried.
        await tx().query(`DELETE FROM access_attempts WHERE key = $1 AND failures = 0 AND (locked_until IS NULL OR locked_until <= $2)`, [this.key, now]);
      } else {
        await tx().query(
          `UPDATE access_attempts
              SET locked_until = CASE WHEN failures >= $2 THEN $3::timestamptz ELSE locked_until END,
                  failures = CASE WHEN failures >= $2 THEN 0 ELSE failures END,
                  updated_at = $4
            WHERE key = $1`,
          [this.key, this.limits.maxFailures, new Date(now.getTime() + this.limits.pauseMs), now],
        );
      }
    });
  }
}
