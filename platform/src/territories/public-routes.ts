import { tx } from '../db/database';
import { AppError } from '../errors';
import { route } from '../http/route';

interface EntryOrganisation {
  slug: string;
  name: string;
  communes: string[];
  motifs: { id: string; name: string; service_id: string }[];
}

/** The territory's entry page in the public portal: an usager starts there without an organisation's link. */
export const publicTerritoryRoutes = [
  route({
    method: 'get', path: '/api/public/territories/:slug', tag: 'public', access: 'public',
    summary: "A territory's entry page: its organisations with the communes of their lieux and the motifs they offer online (to everyone), for the portal to search by name, commune or motif",
    async handle({ platform, params }) {
      const [territory] = /^[a-z0-9-]{1,100}$/.test(params.slug)
        ? await platform.db.systemStatement<{ id: string; name: string; slug: string }>(`SELECT id, name, slug FROM territories WHERE slug = $1`, [params.slug])
        : [];
      if (!territory) throw AppError.notFound('Territory');
      return platform.db.tenant(territory.id, async () => {
        // Only organisations with a motif open online to everyone: the others have nothing to book here.
        const organisations: EntryOrganisation[] = await tx().query(
          `SELECT o.slug, o.name,
                  coalesce((SELECT json_agg(DISTINCT l.city) FROM lieux l
                             WHERE l.organisation_id = o.id AND l.deleted_at IS NULL AND l.city IS NOT NULL), '[]') AS communes,
                  (SELECT json_agg(json_build_object('id', m.id, 'name', m.name, 'service_id', m.service_id) ORDER BY m.name, m.id)
                     FROM motifs m WHERE m.organisation_id = o.id AND m.deleted_at IS NULL AND m.bookable_by = 'everyone') AS motifs
             FROM organisations o
            WHERE EXISTS (SELECT 1 FROM motifs m WHERE m.organisation_id = o.id AND m.deleted_at IS NULL AND m.bookable_by = 'everyone')
            ORDER BY o.name, o.id`);
        return { name: territory.name, slug: territory.slug, organisations };
      });
    },
  }),
];
