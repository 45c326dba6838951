import { type Query, requestJson } from '@shared/http';

export { ApiError, type FieldError, type Problem } from '@shared/http';

export interface PostOptions {
  /** Sent as `Idempotency-Key`: the server answers a repeated attempt with the first one's result. */
  idempotencyKey?: string;
}

/** The platform's public API; calls resolve to the JSON body, or undefined for 204. */
export const api = {
  get: <T>(path: string, query?: Query) => requestJson<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown, { idempotencyKey }: PostOptions = {}) =>
    requestJson<T>('POST', path, { body, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} }),
};
