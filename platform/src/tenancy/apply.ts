import { isDeepStrictEqual } from 'node:util';
import { IANAZone } from 'luxon';
import { IsNull } from 'typeorm';
import { Agent, AgentRole, AgentService } from '../agents/agent.entity';
import { randomCalendarUid } from '../agents/agents';
import { hashPassword } from '../auth/secrets';
import { ConfigStore } from '../configuration/store';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { Lieu, LIEU_DEFAULTS } from '../lieux/lieu.entity';
import { Motif, MOTIF_DEFAULTS } from '../motifs/motif.entity';
import { Organisation } from '../organisations/organisation.entity';
import type { Platform } from '../platform';
import { enabledServices } from '../services/routes';
import { Territory } from '../territories/territory.entity';
import { readTenantFolder, TenantFiles } from './files';

export interface ApplyReport {
  territoryId: string;
  created: number;
  updated: number;
}

/** Whether a stored record differs from the file on the fields the file gives (absent and null are alike). */
function differs(record: object, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).some(([key, value]) => !isDeepStrictEqual((record as Record<string, unknown>)[key] ?? null, value ?? null));
}

/**
 * Applies a tenant folder (tenants/<name>/, see tenants/README.md): creates what
 * is missing, updates what differs, leaves the rest. Applying the same folder
 * twice changes nothing.
 */
export async function applyTenant(platform: Platform, dir: string): Promise<ApplyReport> {
  return applyTenantFiles(platform, readTenantFolder(platform.schemas, dir));
}

/**
 * Applies checked tenant files. Records are matched by their natural keys
 * (territory name, organisation slug, lieu and motif name in their organisation,
 * agent email or intervenant name); what the files leave out is left as is.
 * Everything inside the territory is applied in one transaction; a territory
 * created for a refused folder is removed again.
 */
export async function applyTenantFiles(platform: Platform, files: TenantFiles): Promise<ApplyReport> {
  const timezone = files.territory.timezone ?? 'Europe/Paris';
  if (!IANAZone.isValidZone(timezone)) throw AppError.invalidField('timezone', `territory.json: ${timezone.slice(0, 64)} is not a known time zone`);
  const report: ApplyReport = { territoryId: '', created: 0, updated: 0 };
  let createdTerritory = false;

  report.territoryId = await platform.db.system(async () => {
    const existing = await tx().findOneBy(Territory, { name: files.territory.name });
    await refuseOtherTerritoriesKeys(files, existing?.id ?? null);
    if (existing) {
      if (existing.timezone !== timezone) {
        await tx().update(Territory, { id: existing.id }, { timezone, updated_at: () => 'now()' });
        report.updated++;
      }
      return existing.id;
    }
    createdTerritory = true;
    report.created++;
    return (await tx().save(tx().create(Territory, { name: files.territory.name, timezone }))).id;
  });

  try {
    await platform.db.tenant(report.territoryId, () => applyInsideTerritory(platform, files, report));
  } catch (error) {
    if (createdTerritory) await platform.db.system(() => tx().delete(Territory, { id: report.territoryId }));
    throw error;
  }
  return report;
}

/** Slugs and agent emails are unique across territories: another territory's are refused before anything is written. */
async function refuseOtherTerritoriesKeys(files: TenantFiles, territoryId: string | null): Promise<void> {
  const slugs = Object.keys(files.organisations);
  for (const slug of slugs) {
    const [taken] = await tx().query(`SELECT 1 FROM organisations WHERE slug = $1 AND territory_id IS DISTINCT FROM $2`, [slug, territoryId]);
    if (taken) throw AppError.conflict(`organisations/${slug}: this slug belongs to an organisation of another territory`);
  }
  for (const agent of files.agents) {
    if (!agent.email) continue;
    const [taken] = await tx().query(
      `SELECT 1 FROM agents WHERE lower(email) = lower($1) AND deleted_at IS NULL AND territory_id IS DISTINCT FROM $2`, [agent.email, territoryId]);
    if (taken) throw AppError.conflict(`agents.json: ${agent.email} belongs to an agent of another territory`);
  }
}

async function applyInsideTerritory(platform: Platform, files: TenantFiles, report: ApplyReport): Promise<void> {
  const store = new ConfigStore(platform.schemas);
  for (const [key, document] of Object.entries(files.config).sort(([a], [b]) => a.localeCompare(b))) {
    const current = await store.current(key);
    if (current.version > 0 && isDeepStrictEqual(current.document, document)) continue;
    try {
      await store.write(key, document, null);
    } catch (error) {
      throw error instanceof AppError ? new AppError(error.kind, `config/${key}.json: ${error.message}`, error.errors) : error;
    }
    report.updated++;
  }
  const enabled = await enabledServices(store);
  const refuseDisabled = (file: string, path: string, service: string) => {
    if (!enabled.includes(service)) throw AppError.invalidField(path, `${file}: ${service} is not a service enabled in config/services.json`);
  };

  const organisationIds = new Map<string, string>();
  for (const [slug, folder] of Object.entries(files.organisations)) {
    let organisation = await tx().findOneBy(Organisation, { slug });
    if (!organisation) {
      organisation = await tx().save(tx().create(Organisation, { ...folder.organisation, slug, territory_id: currentTerritoryId() }));
      report.created++;
    } else if (differs(organisation, folder.organisation)) {
      await tx().update(Organisation, { id: organisation.id }, { ...folder.organisation, updated_at: () => 'now()' });
      report.updated++;
    }
    organisationIds.set(slug, organisation.id);
    (folder.motifs ?? []).forEach((motif, index) => refuseDisabled(`organisations/${slug}/motifs.json`, `${index}.service_id`, motif.service_id as string));
    for (const [entity, records, defaults] of [[Lieu, folder.lieux, LIEU_DEFAULTS], [Motif, folder.motifs, MOTIF_DEFAULTS]] as const) {
      const repository = tx().getRepository<Lieu | Motif>(entity);
      for (const wanted of records ?? []) {
        const found = await repository.findOneBy({ organisation_id: organisation.id, name: wanted.name as string, deleted_at: IsNull() });
        if (!found) {
          await repository.save(repository.create({ ...defaults, ...wanted, territory_id: currentTerritoryId(), organisation_id: organisation.id }));
          report.created++;
        } else if (differs(found, wanted)) {
          await repository.update({ id: found.id }, { ...wanted, updated_at: platform.clock.now() });
          report.updated++;
        }
      }
    }
  }

  for (const [index, wanted] of files.agents.entries()) {
    wanted.service_ids.forEach((service, serviceIndex) => refuseDisabled('agents.json', `${index}.service_ids.${serviceIndex}`, service));
    const names = { first_name: wanted.first_name ?? null, last_name: wanted.last_name ?? wanted.name ?? null };
    let agent = wanted.email
      ? await tx().createQueryBuilder(Agent, 'a').where('lower(a.email) = lower(:email) AND a.deleted_at IS NULL', { email: wanted.email }).getOne()
      : await tx().findOneBy(Agent, { email: IsNull(), last_name: names.last_name ?? '', deleted_at: IsNull() });
    if (!agent) {
      agent = await tx().save(tx().create(Agent, {
        territory_id: currentTerritoryId(),
        email: wanted.email ?? null,
        ...names,
        territorial_admin: wanted.territorial_admin ?? false,
        password_hash: wanted.password ? await hashPassword(wanted.password) : null,
        calendar_uid: randomCalendarUid(),
      }));
      report.created++;
    } else if (differs(agent, { ...names, territorial_admin: wanted.territorial_admin ?? false })) {
      await tx().update(Agent, { id: agent.id }, { ...names, territorial_admin: wanted.territorial_admin ?? false, updated_at: () => 'now()' });
      report.updated++;
    }
    const agentId = agent.id;
    const services = (await tx().findBy(AgentService, { agent_id: agentId })).map((s) => s.service_slug).sort();
    if (!isDeepStrictEqual(services, [...wanted.service_ids].sort())) {
      await tx().delete(AgentService, { agent_id: agentId });
      if (wanted.service_ids.length) {
        await tx().insert(AgentService, wanted.service_ids.map((service_slug) => ({ territory_id: currentTerritoryId(), agent_id: agentId, service_slug })));
      }
      report.updated++;
    }
    for (const [slug, level] of Object.entries(wanted.roles)) {
      const organisationId = organisationIds.get(slug)!;
      const role = await tx().findOneBy(AgentRole, { agent_id: agentId, organisation_id: organisationId });
      if (!role) {
        await tx().insert(AgentRole, { territory_id: currentTerritoryId(), agent_id: agentId, organisation_id: organisationId, access_level: level });
        report.created++;
      } else if (role.access_level !== level) {
        await tx().update(AgentRole, { id: role.id }, { access_level: level });
        report.updated++;
      }
    }
  }
}
