/** One field-level problem, as the platform reports it (`custom_fields.nir`, `fields.2.name`). */
export interface FieldError {
  path: string;
  message: string;
}

/** application/problem+json */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}

export interface ListBody<T> {
  data: T[];
  meta: { page: number; per_page: number; total_count: number };
}

/** A refused or failed request; `status` 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

interface ApiSettings {
  token(): string | null;
  onSessionExpired(): void;
}

let settings: ApiSettings = { token: () => null, onSessionExpired: () => undefined };

export function configureApi(value: ApiSettings): void {
  settings = value;
}

type Query = Record<string, string | number | undefined>;

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** Calls the platform's API (`/api/v1/...` paths); resolves to the JSON body, or undefined for 204. */
export async function request<T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = settings.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError({ status: 0, title: 'network' });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const problem: Problem = body && typeof body === 'object' ? { ...(body as Problem), status: response.status } : { status: response.status };
  // Only a request that carried a token can find its session expired; a wrong password is a 401 too.
  if (response.status === 401 && token) settings.onSessionExpired();
  throw new ApiError(problem);
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: (path: string, query?: Query) => request<void>('DELETE', path, { query }),
};
