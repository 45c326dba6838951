import { IsNull } from 'typeorm';
import { loadAgents } from '../agents/agents';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import type { SchemaRegistry } from '../http/schemas';
import { Lieu } from '../lieux/lieu.entity';
import { Motif } from '../motifs/motif.entity';
import { Organisation } from '../organisations/organisation.entity';
import type { Platform } from '../platform';
import { Territory } from '../territories/territory.entity';
import type { AgentFile, TenantFiles } from './files';

/**
 * The record's fields its tenant file's schema knows, in the schema's order;
 * nulls are left out (applying leaves an absent field alone, and a new record
 * gets the default, null).
 */
function fileFields(schemas: SchemaRegistry, schemaId: string, record: object): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const name of Object.keys(schemas.get(schemaId).properties as object)) {
    const value = (record as Record<string, unknown>)[name];
    if (value !== null && value !== undefined) fields[name] = value;
  }
  return fields;
}

/**
 * The current territory as tenant files (inside its tenant transaction): its
 * configuration documents in force, organisations with their lieux and motifs,
 * agents with their services and roles. Passwords, usagers and history stay out.
 * Applying the result to another platform rebuilds the same territory.
 */
export async function exportTenant(platform: Platform): Promise<TenantFiles> {
  const { schemas } = platform;
  const territory = await tx().findOneByOrFail(Territory, { id: currentTerritoryId() });

  const configRows: { key: string; document: Record<string, unknown> }[] = await tx().query(
    `SELECT DISTINCT ON (key) key, document FROM territory_configs WHERE territory_id = $1 ORDER BY key, version DESC`,
    [territory.id],
  );
  const config = Object.fromEntries(configRows.filter((row) => schemas.schemas.has(`config/${row.key}.json`)).map((row) => [row.key, row.document]));

  const organisations: TenantFiles['organisations'] = {};
  const slugs = new Map<string, string>();
  for (const organisation of await tx().find(Organisation, { order: { slug: 'ASC' } })) {
    slugs.set(organisation.id, organisation.slug);
    const alive = { organisation_id: organisation.id, deleted_at: IsNull() };
    const lieux = await tx().find(Lieu, { where: alive, order: { name: 'ASC', id: 'ASC' } });
    const motifs = await tx().find(Motif, { where: alive, order: { name: 'ASC', id: 'ASC' } });
    organisations[organisation.slug] = {
      organisation: fileFields(schemas, 'api/organisation.json', organisation),
      lieux: lieux.map((lieu) => fileFields(schemas, 'api/lieu.json', lieu)),
      motifs: motifs.map((motif) => fileFields(schemas, 'api/motif.json', motif)),
    };
  }

  const agents = (await loadAgents('true', [])).map((agent): AgentFile => {
    const roles = Object.fromEntries(agent.roles.map((role) => [slugs.get(role.organisation_id)!, role.access_level]));
    const access = { service_ids: agent.service_ids, roles };
    if (!agent.email) return { name: agent.last_name ?? '', ...access };
    return {
      email: agent.email,
      ...(agent.first_name ? { first_name: agent.first_name } : {}),
      ...(agent.last_name ? { last_name: agent.last_name } : {}),
      ...(agent.territorial_admin ? { territorial_admin: true } : {}),
      ...access,
    };
  });
  agents.sort((a, b) => (a.email ?? `~${a.name}`).localeCompare(b.email ?? `~${b.name}`));

  return { territory: { name: territory.name, timezone: territory.timezone }, config, organisations, agents };
}

/** A territory named by its id or its exact name (the CLI's argument). */
export async function findTerritoryId(platform: Platform, nameOrId: string): Promise<string> {
  const territory = await platform.db.system(() => /^[0-9a-f-]{36}$/i.test(nameOrId)
    ? tx().findOneBy(Territory, { id: nameOrId })
    : tx().findOneBy(Territory, { name: nameOrId }));
  if (!territory) throw AppError.notFound(`Territory "${nameOrId.slice(0, 200)}"`);
  return territory.id;
}
