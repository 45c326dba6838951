/**
 * Exports as rows: the request (kind, filters, whose, progress, expiry) and the built file.
 * The file is kept in the database as bytea chunks (export_chunks) rather than in the data
 * folder: the worker that builds it (`npm run worker`) and the API process that streams it
 * back may run on different machines, which share PostgreSQL and no disk; chunks keep both
 * the writing and the download in constant memory, and the rows go with the territory's
 * isolation and with the export's deletion (ON DELETE CASCADE).
 */
import { Readable } from 'node:stream';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { isUuid } from '../http/ids';
import type { Platform } from '../platform';

export const EXPORT_KINDS = ['rdvs', 'participations'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export type ExportStatus = 'pending' | 'running' | 'ready' | 'failed';

/** How long an export is kept, whether downloaded or not: the file holds usagers' personal data. */
export const EXPORT_LIFETIME_MS = 7 * 24 * 3600 * 1000;
/** The size of one stored chunk of the file. */
export const CHUNK_BYTES = 512 * 1024;

export interface ExportRow {
  id: string;
  territory_id: string;
  organisation_id: string | null;
  agent_id: string;
  kind: ExportKind;
  filters: Record<string, string>;
  status: ExportStatus;
  progress: number;
  row_count: number | null;
  byte_size: string | null;
  error: string | null;
  created_at: Date;
  completed_at: Date | null;
  expires_at: Date;
}

export async function insertExport(fields: Pick<ExportRow, 'organisation_id' | 'agent_id' | 'kind' | 'filters'>, now: Date): Promise<ExportRow> {
  const [row] = await tx().query(
    `INSERT INTO exports (territory_id, organisation_id, agent_id, kind, filters, status, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) RETURNING *`,
    [currentTerritoryId(), fields.organisation_id, fields.agent_id, fields.kind, fields.filters, now, new Date(now.getTime() + EXPORT_LIFETIME_MS)]);
  return row;
}

/** An export of the agent's own, still kept; anyone else's (or none) is 404. */
export async function ownExport(agentId: string, id: string, now: Date): Promise<ExportRow> {
  const [row] = isUuid(id)
    ? await tx().query(`SELECT * FROM exports WHERE id = $1 AND agent_id = $2 AND expires_at > $3`, [id, agentId, now])
    : [];
  if (!row) throw AppError.notFound('Export');
  return row;
}

export async function ownExports(agentId: string, now: Date, page: { page: number; per_page: number }): Promise<[ExportRow[], number]> {
  const [{ total }] = await tx().query(`SELECT count(*)::int AS total FROM exports WHERE agent_id = $1 AND expires_at > $2`, [agentId, now]);
  const rows = await tx().query(
    `SELECT e.*, o.name AS organisation_name FROM exports e LEFT JOIN organisations o ON o.id = e.organisation_id
      WHERE e.agent_id = $1 AND e.expires_at > $2 ORDER BY e.created_at DESC, e.id LIMIT $3 OFFSET $4`,
    [agentId, now, page.per_page, (page.page - 1) * page.per_page]);
  return [rows, total];
}

export function exportJson(platform: Platform, row: ExportRow & { organisation_name?: string | null }) {
  return {
    id: row.id,
    kind: row.kind,
    organisation_id: row.organisation_id,
    ...(row.organisation_name !== undefined ? { organisation_name: row.organisation_name } : {}),
    filters: row.filters,
    status: row.status,
    progress: row.progress,
    row_count: row.row_count,
    byte_size: row.byte_size === null ? null : Number(row.byte_size),
    file_name: exportFileName(row),
    download_url: row.status === 'ready' ? `${platform.config.publicUrl}/api/v1/exports/${row.id}/download` : null,
    created_at: row.created_at,
    completed_at: row.completed_at,
    expires_at: row.expires_at,
  };
}

export function exportFileName(row: Pick<ExportRow, 'kind' | 'created_at'>): string {
  const stamp = row.created_at.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `export-${row.kind === 'rdvs' ? 'rdvs' : 'participations'}-${stamp}.xlsx`;
}

/** The stored file, read one chunk per short transaction as the client takes it. */
export function chunkStream(platform: Platform, territoryId: string, exportId: string): Readable {
  let seq = 0;
  return new Readable({
    read() {
      platform.db.tenant(territoryId, () => tx().query(`SELECT data FROM export_chunks WHERE export_id = $1 AND seq = $2`, [exportId, seq]))
        .then((rows: { data: Buffer }[]) => {
          seq += 1;
          this.push(rows.length === 0 ? null : Buffer.from(rows[0].data));
        }, (error: Error) => this.destroy(error));
    },
  });
}

/** Deletes the exports kept past their time, with their files; answers how many. */
export async function deleteExpiredExports(platform: Platform, now: Date): Promise<number> {
  return platform.db.system(async () => {
    const [{ count }] = await tx().query(
      `WITH deleted AS (DELETE FROM exports WHERE expires_at <= $1 RETURNING 1) SELECT count(*)::int AS count FROM deleted`, [now]);
    return count;
  });
}
