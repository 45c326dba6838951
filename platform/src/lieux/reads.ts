import { tx } from '../db/database';

/** A lieu as plugins read it (PluginCore): its one-line address and its structured one with coordinates. */
export interface LieuRead {
  id: string;
  organisation_id: string;
  name: string;
  address: string;
  street: string | null;
  postcode: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  phone_number: string | null;
  availability: 'enabled' | 'disabled' | 'single_use';
}

/**
 * SQL: the lieu (columns of `alias`) is still offered at `now` (a timestamptz parameter): not a
 * lieu used once whose day is over in the territory's time zone.
 */
export function stillOfferedSql(alias: string, nowParameter: string): string {
  return `(${alias}availability <> 'single_use' OR ${alias}single_use_day IS NULL
    OR ${alias}single_use_day >= (${nowParameter}::timestamptz AT TIME ZONE (SELECT timezone FROM territories WHERE id = current_territory_id()))::date)`;
}

/** The territory's lieux not deleted, by name, optionally only of some organisations or ids. */
export async function listLieux(filter: { organisationIds?: readonly string[]; ids?: readonly string[] } = {}): Promise<LieuRead[]> {
  return tx().query(
    `SELECT id, organisation_id, name, address, street, postcode, city,
            latitude, longitude, phone_number, availability
       FROM lieux
      WHERE deleted_at IS NULL
        AND ($1::uuid[] IS NULL OR organisation_id = ANY($1::uuid[]))
        AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
      ORDER BY name, id`,
    [filter.organisationIds ?? null, filter.ids ?? null],
  );
}
