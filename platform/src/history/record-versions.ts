import { isDeepStrictEqual } from 'node:util';
import { currentTerritoryId, tx } from '../db/database';
import type { Page } from '../http/pagination';
import { FieldChange, FieldChanges, RecordVersion } from './record-version.entity';

export type { FieldChanges };

type Values = Record<string, unknown>;

function flatten(values: Values): Values {
  const flat: Values = {};
  for (const [name, value] of Object.entries(values)) {
    if (name === 'custom_fields' && value && typeof value === 'object') {
      for (const [custom, customValue] of Object.entries(value)) flat[`custom_fields.${custom}`] = customValue;
    } else {
      flat[name] = value;
    }
  }
  return flat;
}

/**
 * The fields that differ between two states of a record, custom values one by one
 * (`custom_fields.nir`); absent and null are the same.
 */
export function changedFields(before: Values, after: Values): FieldChanges {
  const flatBefore = flatten(before);
  const flatAfter = flatten(after);
  const changes: FieldChanges = {};
  for (const name of new Set([...Object.keys(flatBefore), ...Object.keys(flatAfter)])) {
    const from = flatBefore[name] ?? null;
    const to = flatAfter[name] ?? null;
    if (!isDeepStrictEqual(from, to)) changes[name] = { from, to };
  }
  return changes;
}

export interface VersionContext {
  authorAgentId: string | null;
  at: Date;
}

/** Appends a version to a record's history, in the current transaction. */
export async function recordVersion(model: string, recordId: string, event: string, changes: FieldChanges, context: VersionContext): Promise<void> {
  await tx().insert(RecordVersion, {
    territory_id: currentTerritoryId(),
    model,
    record_id: recordId,
    event,
    changes: JSON.parse(JSON.stringify(Object.entries(changes).map(([field, { from, to }]) => ({ field, from, to })))),
    author_agent_id: context.authorAgentId,
    created_at: context.at,
  });
}

export interface VersionJson {
  id: string;
  event: string;
  created_at: Date;
  author: { id: string; first_name: string | null; last_name: string | null } | null;
  changes: FieldChange[];
}

/** A record's history, newest first, with its authors' names. */
export async function versionsOf(model: string, recordId: string, page: Page): Promise<[VersionJson[], number]> {
  const [{ total }] = await tx().query(`SELECT count(*)::int AS total FROM record_versions WHERE model = $1 AND record_id = $2`, [model, recordId]);
  const rows: (RecordVersion & { first_name: string | null; last_name: string | null })[] = await tx().query(
    `SELECT v.id::text AS id, v.event, v.changes, v.author_agent_id, v.created_at, a.first_name, a.last_name
       FROM record_versions v LEFT JOIN agents a ON a.id = v.author_agent_id
      WHERE v.model = $1 AND v.record_id = $2
      ORDER BY v.id DESC LIMIT $3 OFFSET $4`,
    [model, recordId, page.per_page, (page.page - 1) * page.per_page],
  );
  return [rows.map((row) => ({
    id: row.id,
    event: row.event,
    created_at: row.created_at,
    author: row.author_agent_id ? { id: row.author_agent_id, first_name: row.first_name, last_name: row.last_name } : null,
    changes: row.changes.map(({ field, from, to }) => ({ field, from, to })),
  })), total];
}

/**
 * Blanks the values in a record's history, keeping who changed which field when:
 * anonymising a record must not leave its personal data in its history.
 */
export async function eraseVersionValues(model: string, recordId: string): Promise<void> {
  await tx().query(
    `UPDATE record_versions
        SET changes = coalesce((SELECT jsonb_agg(jsonb_build_object('field', change->'field', 'from', null, 'to', null) ORDER BY position)
                                  FROM jsonb_array_elements(changes) WITH ORDINALITY AS item(change, position)), '[]'::jsonb)
      WHERE model = $1 AND record_id = $2`,
    [model, recordId],
  );
}
