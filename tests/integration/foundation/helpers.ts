import type { ApiResponse, TestPlatform } from '../../support/platform';

/** Whatever runs SQL as the owner: a TestPlatform, or a platform built by hand. */
export interface SqlRunner {
  sql<T = any>(query: string, parameters?: unknown[]): Promise<T[]>;
}

/** Tables whose content a refused request must leave as it was (sessions are written by signing in). */
const UNWATCHED_TABLES = ['migrations', 'typeorm_metadata', 'api_tokens'];

const watchedTables = new WeakMap<SqlRunner, Promise<string[]>>();

/**
 * Every row of every table, as row counts and order-free content hashes: two equal
 * fingerprints mean nothing was written in between. `last_seen_at` moves on any
 * authenticated call, so it is left out.
 */
export async function fingerprint(test: SqlRunner): Promise<Record<string, string>> {
  if (!watchedTables.has(test)) {
    watchedTables.set(test, test.sql<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND NOT (tablename = ANY($1)) ORDER BY tablename`,
      [UNWATCHED_TABLES],
    ).then((rows) => rows.map((row) => row.tablename)));
  }
  const tables = await watchedTables.get(test)!;
  const rows = await test.sql<{ name: string; content: string }>(tables.map((table) => `
    SELECT '${table}' AS name, count(*) || ' rows, ' || coalesce(sum(hashtextextended((to_jsonb(t) - 'last_seen_at')::text, 0)), 0) AS content
      FROM ${table} t`).join(' UNION ALL '));
  return Object.fromEntries(rows.map((row) => [row.name, row.content]));
}

/** Row counts of some tables, for assertions that name what changed. */
export async function countRows(test: SqlRunner, ...tables: string[]): Promise<Record<string, number>> {
  const rows = await test.sql<{ name: string; count: number }>(
    tables.map((table) => `SELECT '${table}' AS name, count(*)::int AS count FROM ${table}`).join(' UNION ALL '));
  return Object.fromEntries(rows.map((row) => [row.name, row.count]));
}

/** The one error shape of the API: application/problem+json with every member present. */
export function expectProblem(response: ApiResponse, status: number): void {
  expect({ status: response.status, body: response.body }).toMatchObject({ status, body: { status } });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Object.keys(response.body).sort()).toEqual(['detail', 'errors', 'status', 'title', 'type']);
  expect(typeof response.body.type).toBe('string');
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.detail).toBe('string');
  expect(Array.isArray(response.body.errors)).toBe(true);
}

/** A motif body the demo territory accepts (État civil is enabled there). */
export function motifBody(name: string, serviceId = 'etat_civil') {
  return { name, service_id: serviceId, default_duration_in_min: 30, location_type: 'public_office' };
}

export function lieuBody(name: string) {
  return { name, address: '2 rue de la Gare, 71000 Val-Fleuri' };
}

/** The token at the end of an invitation link. */
export function invitationToken(invitationUrl: string): string {
  return invitationUrl.split('/').pop()!;
}

/** The links to `/<app>/<page>/<token>` emailed to `email`, newest first, read in the dev mailbox as the agent (or usager) would in their inbox. */
export async function emailedLinks(test: TestPlatform, email: string, page: string, app = 'admin'): Promise<string[]> {
  const mailbox = await test.call<{ data: Array<{ to: { address: string }; text: string }> }>('get', '/dev/mailbox?format=json');
  if (mailbox.status !== 200) throw new Error(`dev mailbox: ${mailbox.status}`);
  const link = new RegExp(`https?://\\S+/${app}/${page}/[A-Za-z0-9_-]+`, 'g');
  return mailbox.body.data
    .filter((message) => message.to.address.toLowerCase() === email.toLowerCase())
    .flatMap((message) => message.text.match(link) ?? []);
}

/** The links of the invitations emailed to `email`, newest first. */
export function invitationLinks(test: TestPlatform, email: string): Promise<string[]> {
  return emailedLinks(test, email, 'invitations');
}

/** The newest invitation link emailed to `email`; fails when there is none. */
export async function invitationLink(test: TestPlatform, email: string): Promise<string> {
  const [newest] = await invitationLinks(test, email);
  if (!newest) throw new Error(`No invitation was emailed to ${email}`);
  return newest;
}
