/**
 * What the public portal shows of an organisation, named by its slug. Public
 * routes carry no token: the slug is resolved above row-level security, then
 * everything else is read in a tenant transaction of the organisation's territory.
 */
import { tx } from '../db/database';
import { AppError } from '../errors';
import { route } from '../http/route';
import { stillOfferedSql } from '../lieux/reads';
import type { Platform } from '../platform';
import { serviceName } from '../services/catalogue';

export interface PublicOrganisation {
  id: string;
  territoryId: string;
}

/** The organisation of a public URL; 404 for an unknown slug. */
export async function publicOrganisation(platform: Platform, slug: string): Promise<PublicOrganisation> {
  const [organisation] = /^[a-z0-9-]{1,100}$/.test(slug)
    ? await platform.db.system(() => tx().query(`SELECT id, territory_id FROM organisations WHERE slug = $1`, [slug]))
    : [];
  if (!organisation) throw AppError.notFound('Organisation');
  return { id: organisation.id, territoryId: organisation.territory_id };
}

/** `?prescripteur=1`: a prescripteur books for an usager and also sees the motifs opened to prescripteurs. */
export function bookableByAudience(query: Record<string, string | undefined>): string[] {
  return query.prescripteur === '1' ? ['everyone', 'agents_and_prescripteurs'] : ['everyone'];
}

export const publicOrganisationRoutes = [
  route({
    method: 'get', path: '/api/public/organisations/:slug', tag: 'public', access: 'public',
    summary: 'An organisation as the public portal shows it: contact, hours, services, publicly bookable motifs, lieux (?prescripteur=1)',
    async handle({ platform, params, query }) {
      const organisation = await publicOrganisation(platform, params.slug);
      return platform.db.tenant(organisation.territoryId, async () => {
        const [details] = await tx().query(
          `SELECT id, name, slug, phone_number, email, website, opening_hours FROM organisations WHERE id = $1`,
          [organisation.id],
        );
        const motifs: { service_id: string }[] = await tx().query(
          `SELECT id, name, service_id, default_duration_in_min, location_type, bookable_by, collectif, category,
                  restriction_for_rdv, min_public_booking_delay, max_public_booking_delay, options
             FROM motifs WHERE organisation_id = $1 AND deleted_at IS NULL AND bookable_by = ANY($2::text[])
            ORDER BY name, id`,
          [organisation.id, bookableByAudience(query)],
        );
        const lieux = await tx().query(
          `SELECT id, name, address, phone_number, single_use_day::text AS single_use_day FROM lieux
            WHERE organisation_id = $1 AND deleted_at IS NULL AND availability <> 'disabled' AND ${stillOfferedSql('', '$2')}
            ORDER BY name, id`,
          [organisation.id, platform.clock.now()],
        );
        const services = [...new Set(motifs.map((motif) => motif.service_id))].sort()
          .map((id) => ({ id, name: serviceName(id) }));
        return { ...details, services, motifs, lieux };
      });
    },
  }),
];
