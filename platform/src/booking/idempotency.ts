import crypto from 'node:crypto';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { ApiRequest, Reply } from '../http/route';
import { secretBoxFor } from '../plugins/secrets';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const KEY_PATTERN = /^[\x21-\x7e]{8,200}$/;

/** Where a sealed answer belongs (the territory is in the scope's row): copied to another key, it does not open. */
function answerPlace(scope: string, key: string): string {
  return `idempotency:${currentTerritoryId()}:${scope}:${key}`;
}

/**
 * Runs a creation once per `Idempotency-Key`: a form submitted twice gets the
 * first submission's answer (status and body, with `Idempotent-Replayed: true`)
 * and nothing is written twice. Keys live 24 hours, per territory and `scope`
 * (the route and who calls it); the same key with another body is refused.
 *
 * Call it inside the tenant transaction that does the work: the key's row is
 * inserted first, so a concurrent duplicate waits on it (the unique index) until
 * this transaction ends, then reads the stored answer. A refused request rolls the
 * key back with everything else, and a retry runs again.
 *
 * The stored answer is sealed with the instance's secret box: it may hold a
 * self-service link, which must not sit in clear in the database.
 */
export async function idempotent(
  request: ApiRequest,
  scope: string,
  defaultStatus: number,
  run: () => Promise<unknown>,
): Promise<unknown> {
  const key = request.koa.get('idempotency-key');
  if (!key) return run();
  if (!KEY_PATTERN.test(key)) {
    throw new AppError('malformed', 'The Idempotency-Key header must be 8 to 200 visible ASCII characters', [{ path: 'Idempotency-Key', message: 'is malformed' }]);
  }
  const now = request.platform.clock.now();
  const requestHash = crypto.createHash('sha256').update(`${request.koa.path}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
  const claimed: unknown[] = await tx().query(
    `INSERT INTO idempotency_keys AS k (territory_id, scope, key, request_hash, expires_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (territory_id, scope, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, expires_at = EXCLUDED.expires_at, status = NULL, response = NULL
      WHERE k.expires_at <= $6
     RETURNING key`,
    [currentTerritoryId(), scope, key, requestHash, new Date(now.getTime() + IDEMPOTENCY_TTL_MS), now],
  );
  if (claimed.length === 0) {
    const [first] = await tx().query(
      `SELECT request_hash, status, response FROM idempotency_keys WHERE territory_id = $1 AND scope = $2 AND key = $3`,
      [currentTerritoryId(), scope, key],
    );
    if (first.request_hash !== requestHash) {
      throw AppError.invalid('This Idempotency-Key was used for another request', [{ path: 'Idempotency-Key', message: 'was used for another request' }]);
    }
    request.koa.set('Idempotent-Replayed', 'true');
    // An answer stored before answers were sealed (within the last 24 hours of an upgrade) is an object.
    const answer = typeof first.response === 'string'
      ? JSON.parse(secretBoxFor(request.platform.config).open(first.response, answerPlace(scope, key)))
      : first.response;
    return new Reply(first.status, answer);
  }
  const result = await run();
  const reply = result instanceof Reply ? result : new Reply(result === undefined ? 204 : defaultStatus, result);
  await tx().query(
    `UPDATE idempotency_keys SET status = $4, response = $5 WHERE territory_id = $1 AND scope = $2 AND key = $3`,
    [currentTerritoryId(), scope, key, reply.status,
      JSON.stringify(secretBoxFor(request.platform.config).seal(JSON.stringify(reply.body ?? null), answerPlace(scope, key)))],
  );
  return reply;
}
