import { AppError } from '../errors';

export interface Page {
  page: number;
  per_page: number;
}

export interface ListBody<T> {
  data: T[];
  meta: { page: number; per_page: number; total_count: number };
}

function positiveInteger(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) {
    throw new AppError('malformed', `${name} must be a positive integer`, [{ path: name, message: 'must be a positive integer' }]);
  }
  return Math.min(Number(raw), max);
}

/** `?page=&per_page=`: default 50, at most 200. */
export function readPage(query: Record<string, string | undefined>): Page {
  return {
    page: positiveInteger(query.page, 'page', 1, 1_000_000),
    per_page: positiveInteger(query.per_page, 'per_page', 50, 200),
  };
}

export function listBody<T>(data: T[], page: Page, total: number): ListBody<T> {
  return { data, meta: { page: page.page, per_page: page.per_page, total_count: total } };
}
