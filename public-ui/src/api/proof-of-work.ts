import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/sha';

/**
 * Past a threshold (many bookings from a network, or an organisation flooded), the
 * platform answers a booking 428 with a proof-of-work challenge (ALTCHA). The portal
 * solves it in the page, with the browser's SHA-256 (a few hundred milliseconds,
 * nothing to click), and sends the proof in the header the answer names.
 */
export interface ChallengeProblem {
  challenge: Challenge;
  proof_header: string;
}

export function isChallenge(problem: unknown): problem is ChallengeProblem {
  const body = problem as Partial<ChallengeProblem> | null;
  return typeof body?.proof_header === 'string' && typeof body.challenge?.parameters === 'object';
}

/** The header that proves the work, or null when the challenge could not be solved (in time). */
export async function solvedProof({ challenge, proof_header: header }: ChallengeProblem): Promise<Record<string, string> | null> {
  const solution = await solveChallenge({ challenge, deriveKey, timeout: 30_000 });
  if (!solution) return null;
  return { [header]: btoa(JSON.stringify({ challenge, solution })) };
}
