import { ApiError, type Query, requestJson } from '@shared/http';

export { ApiError, type FieldError, type Problem } from '@shared/http';

export interface PostOptions {
  /** Sent as `Idempotency-Key`: the server answers a repeated attempt with the first one's result. */
  idempotencyKey?: string;
}

/** The signed-in usager's bearer token (espace usager), sent with every call while there is one. */
let usagerToken: () => string | null = () => null;

export function configureUsagerToken(token: () => string | null): void {
  usagerToken = token;
}

function authorization(): Record<string, string> {
  const token = usagerToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A POST; a 428 with a challenge (a booking while many are made) is solved and sent again once, unseen by the usager. */
async function post<T>(path: string, body?: unknown, { idempotencyKey }: PostOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...authorization(), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) };
  try {
    return await requestJson<T>('POST', path, { body, headers });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 428)) throw error;
    // The solver loads only when a challenge comes: an usager booking normally never downloads it.
    const { isChallenge, solvedProof } = await import('./proof-of-work');
    const proof = isChallenge(error.problem) ? await solvedProof(error.problem) : null;
    if (!proof) throw error;
    return requestJson<T>('POST', path, { body, headers: { ...headers, ...proof } });
  }
}

/** The platform's public API; calls resolve to the JSON body, or undefined for 204. */
export const api = {
  get: <T>(path: string, query?: Query) => requestJson<T>('GET', path, { query, headers: authorization() }),
  post,
  patch: <T>(path: string, body: unknown) => requestJson<T>('PATCH', path, { body, headers: authorization() }),
  delete: <T = void>(path: string) => requestJson<T>('DELETE', path, { headers: authorization() }),
};
