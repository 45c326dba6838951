/**
 * Building an export in the background (the queue's `exports.build` job): the rdvs the
 * request's filters keep are read in batches, each in its own short tenant transaction
 * (keyset on start and id), written to the streaming workbook, whose bytes are stored in
 * chunks as they come; memory holds one batch and one chunk whatever the export's size.
 * Progress is saved after each batch; once ready, an outbox event has the agent emailed.
 */
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { territoryTimeZone } from '../agenda/definitions';
import { rdvFilterSql, readRdvFilters } from '../booking/rdv-filters';
import { tx } from '../db/database';
import { recordEvent } from '../events/outbox';
import type { CustomField } from '../forms/custom-fields';
import { loadForm } from '../forms/forms';
import type { Job } from '../jobs/queue';
import { errorMessage, type LogSink } from '../logging';
import type { Platform } from '../platform';
import { serviceName } from '../services/catalogue';
import { EXPORT_MODEL } from './ready-email';
import { CHUNK_BYTES, ExportRow, exportFileName } from './store';
import {
  CellValue, customCell, customColumns, dayDate, ExportColumn, neutralised, openSheet, PARTICIPATION_COLUMNS,
  REFERENCE_COLUMNS, USAGER_FIELD_LABELS, wallDate,
} from './workbook';

export const EXPORT_JOB = 'exports.build';
export interface ExportJobPayload {
  territoryId: string;
  exportId: string;
}

const BATCH = 1_000;

const ORIGIN_LABELS: Record<string, string> = { agent: 'agent', user: 'internet', prescripteur: 'prescripteur' };
const STATUS_LABELS: Record<string, string> = { unknown: 'à venir', seen: 'vu', noshow: 'absent', excused: 'excusé', revoked: 'annulé' };
const MINOR_YEARS = 18;

interface Usager {
  status: string;
  first_name: string;
  last_name: string;
  birth_date: string | null;
  address: string | null;
  custom_fields: Record<string, unknown>;
  [field: string]: unknown;
}

interface RdvLine {
  id: string;
  starts_at: Date;
  created_at: Date;
  created_by: string;
  status: string;
  context: string | null;
  custom_fields: Record<string, unknown>;
  motif_name: string;
  service_id: string;
  lieu_name: string | null;
  organisation_name: string;
  creator: string | null;
  agents: { name: string; email: string | null }[];
  usagers: Usager[];
  sent: number;
  failed: number;
}

/** Stores the workbook's bytes in chunks of CHUNK_BYTES, each in its own transaction, as they come. */
class ChunkStore extends Writable {
  private parts: Buffer[] = [];
  private size = 0;
  private seq = 0;
  total = 0;

  constructor(private readonly platform: Platform, private readonly territoryId: string, private readonly exportId: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: string, done: (error?: Error | null) => void): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    this.total += chunk.length;
    if (this.size < CHUNK_BYTES) return done();
    this.flush().then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush().then(() => done(), done);
  }

  private async flush(): Promise<void> {
    if (this.size === 0) return;
    const data = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    const seq = this.seq++;
    await this.platform.db.tenant(this.territoryId, () => tx().query(
      `INSERT INTO export_chunks (export_id, territory_id, seq, data) VALUES ($1, $2, $3, $4)`, [this.exportId, this.territoryId, seq, data]));
  }
}

/** The job: builds the export unless it is already built (a duplicate run), and records a failure on the last attempt. */
export async function runExportJob(platform: Platform, job: Job<ExportJobPayload>, log: LogSink): Promise<void> {
  const { territoryId, exportId } = job.payload;
  try {
    await buildExport(platform, territoryId, exportId);
  } catch (error) {
    log('error', 'export failed', { export_id: exportId, attempt: job.attempt, error: errorMessage(error) });
    if (job.nextRetryDelayMs === null) {
      await platform.db.tenant(territoryId, () => tx().query(
        `UPDATE exports SET status = 'failed', error = $2 WHERE id = $1`, [exportId, errorMessage(error)]));
      return;
    }
    throw error;
  }
}

export async function buildExport(platform: Platform, territoryId: string, exportId: string): Promise<void> {
  const tenant = <T>(work: () => Promise<T>) => platform.db.tenant(territoryId, work);
  const prepared = await tenant(async () => {
    const [row]: ExportRow[] = await tx().query(`SELECT * FROM exports WHERE id = $1`, [exportId]);
    // Absent: the request's transaction has not committed yet (the job retries), or it expired.
    if (!row) throw new Error('The export is not there (yet)');
    if (row.status === 'ready' || row.status === 'failed') return null;
    // A run cut short left chunks behind: this one starts over.
    await tx().query(`DELETE FROM export_chunks WHERE export_id = $1`, [exportId]);
    await tx().query(`UPDATE exports SET status = 'running', progress = 0 WHERE id = $1`, [exportId]);
    const zone = await territoryTimeZone();
    const scope = row.organisation_id ? 'r.organisation_id = $1' : 'r.territory_id = $1';
    const parameters = [row.organisation_id ?? territoryId, ...readRdvFilters(row.filters, zone)];
    const where = `${scope} AND ${rdvFilterSql(2)}`;
    const [{ total }] = await tx().query(`SELECT count(*)::int AS total FROM rdvs r WHERE ${where}`, parameters);
    const rdvForm = await loadForm(platform, 'rdv');
    const userForm = await loadForm(platform, 'user');
    return { row, zone, where, parameters, total: Number(total), rdvFields: rdvForm.customFieldsFor('agent'), userForm };
  });
  if (!prepared) return;
  const { row, zone, where, parameters, total, rdvFields, userForm } = prepared;
  const userStandard = userForm.standardFields('agent').filter((name) => name in USAGER_FIELD_LABELS);
  const userFields = userForm.customFieldsFor('agent');
  const perParticipation = row.kind === 'participations';
  const columns: ExportColumn[] = [
    ...(perParticipation ? PARTICIPATION_COLUMNS : REFERENCE_COLUMNS),
    ...customColumns('rdv.', '', rdvFields),
    ...userStandard.map((name) => ({ header: `usager : ${USAGER_FIELD_LABELS[name]}`, key: `user.${name}`, width: 18, ...(name === 'birth_date' ? { numFmt: 'dd/mm/yyyy' } : {}) })),
    ...customColumns('user.custom.', 'usager : ', userFields),
  ];

  const store = new ChunkStore(platform, territoryId, exportId);
  const sheet = openSheet(store, perParticipation ? 'Participations' : 'RDV', columns);
  let after: { starts_at: Date; id: string } | null = null;
  let written = 0;
  let rowCount = 0;
  for (;;) {
    const lines: RdvLine[] = await tenant(() => readBatch(where, parameters, after));
    if (lines.length === 0) break;
    for (const line of lines) {
      const shared = rdvCells(line, zone, rdvFields);
      const rdvDay = (shared.date as Date).toISOString().slice(0, 10);
      if (perParticipation) {
        for (const usager of line.usagers) {
          sheet.add({ ...shared, ...usagersCells([usager], rdvDay), participation_status: STATUS_LABELS[usager.status] ?? usager.status, ...usagerFieldCells(usager, userStandard, userFields) });
          rowCount++;
        }
      } else {
        sheet.add({ ...shared, ...usagersCells(line.usagers, rdvDay), ...joinedUsagerFieldCells(line.usagers, userStandard, userFields) });
        rowCount++;
      }
    }
    written += lines.length;
    const last = lines[lines.length - 1];
    after = { starts_at: last.starts_at, id: last.id };
    const progress = Math.min(99, Math.floor((written / Math.max(total, 1)) * 100));
    await tenant(() => tx().query(`UPDATE exports SET progress = $2 WHERE id = $1`, [exportId, progress]));
  }
  await sheet.close();
  if (!store.writableFinished) await finished(store);

  await tenant(async () => {
    const now = platform.clock.now();
    await tx().query(
      `UPDATE exports SET status = 'ready', progress = 100, row_count = $2, byte_size = $3, completed_at = $4 WHERE id = $1`,
      [exportId, rowCount, store.total, now]);
    await recordEvent(EXPORT_MODEL, 'updated', {
      id: exportId, agent_id: row.agent_id, kind: row.kind, status: 'ready', row_count: rowCount,
      file_name: exportFileName(row), expires_at: row.expires_at.toISOString(),
    }, { organisationId: row.organisation_id, actorAgentId: row.agent_id });
  });
}

/** One batch of rdvs after `after`, in start order, with what their row shows. */
function readBatch(where: string, parameters: unknown[], after: { starts_at: Date; id: string } | null): Promise<RdvLine[]> {
  const next = parameters.length + 1;
  return tx().query(
    `SELECT r.id, r.starts_at, r.created_at, r.created_by, r.status, r.context, r.custom_fields,
            m.name AS motif_name, m.service_id, l.name AS lieu_name, o.name AS organisation_name,
            nullif(concat_ws(' ', ca.first_name, ca.last_name), '') AS creator,
            (SELECT coalesce(json_agg(json_build_object('name', concat_ws(' ', a.first_name, a.last_name), 'email', a.email)
                     ORDER BY a.last_name, a.first_name), '[]')
               FROM rdv_agents ra JOIN agents a ON a.id = ra.agent_id WHERE ra.rdv_id = r.id) AS agents,
            (SELECT coalesce(json_agg(json_build_object('status', p.status, 'first_name', u.first_name, 'last_name', u.last_name,
                       'birth_name', u.birth_name, 'email', u.email, 'phone_number', u.phone_number, 'birth_date', u.birth_date,
                       'address', u.address, 'custom_fields', u.custom_fields) ORDER BY p.created_at, u.last_name, u.first_name, p.id), '[]')
               FROM participations p JOIN users u ON u.id = p.user_id WHERE p.rdv_id = r.id) AS usagers,
            (SELECT count(*) FROM notification_receipts n WHERE n.rdv_id = r.id AND n.status = 'sent')::int AS sent,
            (SELECT count(*) FROM notification_receipts n WHERE n.rdv_id = r.id AND n.status = 'failed')::int AS failed
       FROM rdvs r JOIN motifs m ON m.id = r.motif_id JOIN organisations o ON o.id = r.organisation_id
       LEFT JOIN lieux l ON l.id = r.lieu_id LEFT JOIN agents ca ON ca.id = r.created_by_agent_id
      WHERE ${where} AND ($${next}::timestamptz IS NULL OR (r.starts_at, r.id) > ($${next}, $${next + 1}::uuid))
      ORDER BY r.starts_at, r.id LIMIT ${BATCH}`,
    [...parameters, after?.starts_at ?? null, after?.id ?? null]);
}

function text(value: string | null | undefined): string | null {
  return value === null || value === undefined || value === '' ? null : neutralised(value);
}

/** The rdv's own cells: the reference's columns but the usagers', then the territory's rdv fields. */
function rdvCells(line: RdvLine, zone: string, rdvFields: CustomField[]) {
  const starts = wallDate(line.starts_at, zone);
  const booked = wallDate(line.created_at, zone);
  const cells: Record<string, CellValue> = {
    year: starts.getUTCFullYear(),
    booked_date: booked,
    booked_time: booked,
    origin: ORIGIN_LABELS[line.created_by] ?? line.created_by,
    date: starts,
    time: starts,
    service: serviceName(line.service_id),
    motif: text(line.motif_name),
    context: text(line.context),
    status: STATUS_LABELS[line.status] ?? line.status,
    lieu: text(line.lieu_name),
    agents: text(line.agents.map((agent) => agent.name).join(', ')),
    notifications: line.sent + line.failed === 0 ? null : `${line.sent} envoyée(s), ${line.failed} en échec`,
    organisation: text(line.organisation_name),
    created_by: line.created_by === 'agent' ? text(line.creator) : ORIGIN_LABELS[line.created_by],
    agent_emails: text(line.agents.map((agent) => agent.email).filter(Boolean).join(', ')),
  };
  for (const field of rdvFields) cells[`rdv.${field.name}`] = customCell(field, line.custom_fields?.[field.name]);
  return cells;
}

/** The usagers' columns of the reference: names, the first one's commune and postal code, minors, birth dates. */
function usagersCells(usagers: Usager[], rdvDay: string): Record<string, CellValue> {
  const first = usagers[0];
  const place = /\b(\d{5})\s+([^,\d][^,]*)$/.exec(first?.address?.trim() ?? '');
  // Dates as YYYY-MM-DD compare as text: a minor's 18th birthday is after the rdv's day.
  const minor = usagers.some((usager) => usager.birth_date && adulthood(usager.birth_date) > rdvDay);
  return {
    usagers: text(usagers.map((usager) => `${usager.first_name} ${usager.last_name}`).join(', ')),
    city: text(place?.[2] ?? null),
    postal_code: place?.[1] ?? null,
    minor: usagers.length === 0 ? null : minor ? 'oui' : 'non',
    birth_dates: usagers.filter((usager) => usager.birth_date).map((usager) => frenchDay(usager.birth_date!)).join(', ') || null,
  };
}

/** `YYYY-MM-DD` as `DD/MM/YYYY`. */
function frenchDay(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

/** The day one born on `birthDate` turns 18 (29 February comes after 28 February, as a text). */
function adulthood(birthDate: string): string {
  return `${Number(birthDate.slice(0, 4)) + MINOR_YEARS}${birthDate.slice(4, 10)}`;
}

/** One usager's fields (participations export). */
function usagerFieldCells(usager: Usager, standard: string[], fields: CustomField[]): Record<string, CellValue> {
  const cells: Record<string, CellValue> = {};
  for (const name of standard) {
    const value = usager[name];
    cells[`user.${name}`] = name === 'birth_date' && typeof value === 'string' ? dayDate(value) : text(value === null || value === undefined ? null : String(value));
  }
  for (const field of fields) cells[`user.custom.${field.name}`] = customCell(field, usager.custom_fields?.[field.name]);
  return cells;
}

/** Several usagers' fields in one row (rdvs export): one usager's value as is, several joined. */
function joinedUsagerFieldCells(usagers: Usager[], standard: string[], fields: CustomField[]): Record<string, CellValue> {
  if (usagers.length === 1) return usagerFieldCells(usagers[0], standard, fields);
  const each = usagers.map((usager) => usagerFieldCells(usager, standard, fields));
  const cells: Record<string, CellValue> = {};
  for (const key of Object.keys(each[0] ?? {})) {
    const values = each.map((row) => row[key]).filter((value) => value !== null);
    cells[key] = values.length === 0 ? null : neutralised(values.map((value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value))).join(', '));
  }
  return cells;
}
