import { ApiError, type Query, requestJson } from '@shared/http';

export { ApiError, type FieldError, type Problem } from '@shared/http';

export interface ListBody<T> {
  data: T[];
  meta: { page: number; per_page: number; total_count: number };
}

interface ApiSettings {
  token(): string | null;
  onSessionExpired(): void;
}

let settings: ApiSettings = { token: () => null, onSessionExpired: () => undefined };

export function configureApi(value: ApiSettings): void {
  settings = value;
}

/** Calls the platform's API (`/api/v1/...` paths) as the signed-in agent; resolves to the JSON body, or undefined for 204. */
async function request<T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
  const token = settings.token();
  try {
    return await requestJson<T>(method, path, { ...options, headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (error) {
    // Only a request that carried a token can find its session expired; a wrong password is a 401 too.
    if (token && error instanceof ApiError && error.status === 401) settings.onSessionExpired();
    throw error;
  }
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: <T = void>(path: string, query?: Query) => request<T>('DELETE', path, { query }),
};
