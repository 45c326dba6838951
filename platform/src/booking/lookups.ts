import { tx } from '../db/database';

/**
 * Ids of the rdvs ending after `endsAfter` with a participant whose usager fiche has
 * `custom_fields[field]` equal to one of `values` (e.g. an ANTS pré-demande number),
 * whatever their status, by start. Pending online holds are among them.
 */
export async function rdvIdsByUsagerField(field: string, values: readonly string[], endsAfter: Date): Promise<string[]> {
  if (values.length === 0) return [];
  const rows: { id: string }[] = await tx().query(
    `SELECT r.id FROM rdvs r
      WHERE r.ends_at > $3
        AND EXISTS (SELECT 1 FROM participations p JOIN users u ON u.id = p.user_id
                     WHERE p.rdv_id = r.id AND u.custom_fields ->> $1 = ANY($2::text[]))
      ORDER BY r.starts_at, r.id`,
    [field, values, endsAfter],
  );
  return rows.map((row) => row.id);
}

/** The custom fields of these usagers' fiches, by id. */
export async function usagersCustomFields(userIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const rows: { id: string; custom_fields: Record<string, unknown> }[] = userIds.length === 0
    ? []
    : await tx().query(`SELECT id, custom_fields FROM users WHERE id = ANY($1::uuid[])`, [userIds]);
  return new Map(rows.map((row) => [row.id, row.custom_fields ?? {}]));
}
