import fs from 'node:fs';
import path from 'node:path';
import { IsNull } from 'typeorm';
import { AccessLevel, Agent, AgentRole, AgentService } from '../agents/agent.entity';
import { randomCalendarUid } from '../agents/agents';
import { hashPassword } from '../auth/secrets';
import { ConfigStore } from '../configuration/store';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { Lieu, LIEU_DEFAULTS } from '../lieux/lieu.entity';
import { Motif, MOTIF_DEFAULTS } from '../motifs/motif.entity';
import { Organisation } from '../organisations/organisation.entity';
import type { Platform } from '../platform';
import { Territory } from '../territories/territory.entity';

interface AgentFile {
  email?: string;
  first_name?: string;
  last_name?: string;
  name?: string;
  password?: string;
  territorial_admin?: boolean;
  service_ids: string[];
  roles: Record<string, AccessLevel>;
}

export interface ApplyReport {
  territoryId: string;
  created: number;
  updated: number;
}

function readJson(platform: Platform, file: string, schemaId: string): any {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AppError('malformed', `${file}: ${(error as Error).message}`);
  }
  try {
    return platform.schemas.validate(schemaId, value);
  } catch (error) {
    if (error instanceof AppError) throw new AppError(error.kind, `${file}: ${error.message}`, error.errors);
    throw error;
  }
}

function differs(record: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).some(([key, value]) => JSON.stringify(record[key] ?? null) !== JSON.stringify(value ?? null));
}

/**
 * Applies a tenant folder (tenants/<name>/): creates what is missing, updates what
 * differs, leaves the rest. Applying the same folder twice changes nothing.
 */
export async function applyTenant(platform: Platform, dir: string): Promise<ApplyReport> {
  const territoryFile = readJson(platform, path.join(dir, 'territory.json'), 'tenant/territory.json') as { name: string; timezone?: string };
  const report = { territoryId: '', created: 0, updated: 0 };

  report.territoryId = await platform.db.system(async () => {
    const existing = await tx().findOneBy(Territory, { name: territoryFile.name });
    if (existing) return existing.id;
    report.created++;
    return (await tx().save(tx().create(Territory, { name: territoryFile.name, timezone: territoryFile.timezone ?? 'Europe/Paris' }))).id;
  });

  await platform.db.tenant(report.territoryId, async () => {
    const store = new ConfigStore(platform.schemas);
    const configDir = path.join(dir, 'config');
    for (const file of fs.existsSync(configDir) ? fs.readdirSync(configDir).sort() : []) {
      const key = file.replace(/\.json$/, '');
      const document = JSON.parse(fs.readFileSync(path.join(configDir, file), 'utf8'));
      const current = await store.current(key);
      if (current.version === 0 || differs(current.document, document) || differs(document, current.document)) {
        await store.write(key, document, null);
        report.updated++;
      }
    }

    const organisationIds = new Map<string, string>();
    const organisationsDir = path.join(dir, 'organisations');
    for (const slug of fs.existsSync(organisationsDir) ? fs.readdirSync(organisationsDir).sort() : []) {
      const folder = path.join(organisationsDir, slug);
      const fields = readJson(platform, path.join(folder, 'organisation.json'), 'api/organisation.json');
      let organisation = await tx().findOneBy(Organisation, { slug });
      if (!organisation) {
        organisation = await tx().save(tx().create(Organisation, { ...fields, slug, territory_id: currentTerritoryId() }));
        report.created++;
      } else if (differs(organisation as never, fields)) {
        await tx().update(Organisation, { id: organisation.id }, fields);
        report.updated++;
      }
      organisationIds.set(slug, organisation.id);
      for (const [entity, file, schema] of [[Lieu, 'lieux.json', 'tenant/lieux.json'], [Motif, 'motifs.json', 'tenant/motifs.json']] as const) {
        if (!fs.existsSync(path.join(folder, file))) continue;
        for (const wanted of readJson(platform, path.join(folder, file), schema) as Record<string, unknown>[]) {
          const where = { organisation_id: organisation.id, name: wanted.name as string, deleted_at: IsNull() };
          const found = await tx().findOneBy(entity as typeof Lieu, where);
          if (!found) {
            const repository = tx().getRepository(entity as typeof Lieu);
            await repository.save(repository.create({ ...(entity === Motif ? MOTIF_DEFAULTS : LIEU_DEFAULTS), ...wanted, territory_id: currentTerritoryId(), organisation_id: organisation.id } as never));
            report.created++;
          } else if (differs(found as never, wanted)) {
            await tx().update(entity as typeof Lieu, { id: found.id }, wanted as never);
            report.updated++;
          }
        }
      }
    }

    const agentsFile = path.join(dir, 'agents.json');
    const agents = fs.existsSync(agentsFile) ? (readJson(platform, agentsFile, 'tenant/agents.json') as AgentFile[]) : [];
    for (const wanted of agents) {
      const lastName = wanted.last_name ?? wanted.name ?? null;
      let agent = wanted.email
        ? await tx().findOneBy(Agent, { email: wanted.email, deleted_at: IsNull() })
        : await tx().findOneBy(Agent, { email: IsNull(), last_name: lastName ?? '', deleted_at: IsNull() });
      if (!agent) {
        agent = await tx().save(tx().create(Agent, {
          territory_id: currentTerritoryId(),
          email: wanted.email ?? null,
          first_name: wanted.first_name ?? null,
          last_name: lastName,
          territorial_admin: wanted.territorial_admin ?? false,
          password_hash: wanted.password ? await hashPassword(wanted.password) : null,
          calendar_uid: randomCalendarUid(),
        }));
        report.created++;
      } else if (agent.territorial_admin !== (wanted.territorial_admin ?? false)) {
        await tx().update(Agent, { id: agent.id }, { territorial_admin: wanted.territorial_admin ?? false });
        report.updated++;
      }
      const services = (await tx().findBy(AgentService, { agent_id: agent.id })).map((s) => s.service_slug).sort();
      if (JSON.stringify(services) !== JSON.stringify([...wanted.service_ids].sort())) {
        await tx().delete(AgentService, { agent_id: agent.id });
        await tx().insert(AgentService, wanted.service_ids.map((service_slug) => ({ territory_id: currentTerritoryId(), agent_id: agent!.id, service_slug })));
        report.updated++;
      }
      for (const [slug, level] of Object.entries(wanted.roles)) {
        const organisationId = organisationIds.get(slug);
        if (!organisationId) throw AppError.invalidField(`agents.roles.${slug}`, `names no organisation folder of ${dir}`);
        const role = await tx().findOneBy(AgentRole, { agent_id: agent.id, organisation_id: organisationId });
        if (!role) {
          await tx().insert(AgentRole, { territory_id: currentTerritoryId(), agent_id: agent.id, organisation_id: organisationId, access_level: level });
          report.created++;
        } else if (role.access_level !== level) {
          await tx().update(AgentRole, { id: role.id }, { access_level: level });
          report.updated++;
        }
      }
    }
  });
  return report;
}
