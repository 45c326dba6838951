import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import type { JsonSchema, SchemaRegistry } from '../http/schemas';
import { TerritoryConfig } from './territory-config.entity';

export interface ConfigVersion {
  key: string;
  version: number;
  document: Record<string, unknown>;
  author_agent_id: string | null;
  created_at: Date | null;
}

/**
 * A territory's configuration: documents by key (`services`, `user_fields`, ...), each
 * validated by `schemas/config/<key>.json` and versioned; the newest version is in force.
 * A key with no version yet answers the schema's `default` as version 0.
 */
export class ConfigStore {
  constructor(private readonly schemas: SchemaRegistry) {}

  schemaId(key: string): string {
    const id = `config/${key}.json`;
    if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)?$/.test(key) || !this.schemas.schemas.has(id)) {
      throw AppError.notFound(`Configuration document ${key.slice(0, 80)}`);
    }
    return id;
  }

  schema(key: string): JsonSchema {
    return this.schemas.get(this.schemaId(key));
  }

  async current(key: string): Promise<ConfigVersion> {
    const schema = this.schema(key);
    const latest = await tx().findOne(TerritoryConfig, {
      where: { territory_id: currentTerritoryId(), key },
      order: { version: 'DESC' },
    });
    if (latest) return latest;
    return { key, version: 0, document: structuredClone((schema.default ?? {}) as Record<string, unknown>), author_agent_id: null, created_at: null };
  }

  /** Validates and stores a new version; the previous one stays in force when refused. */
  async write(key: string, document: unknown, authorAgentId: string | null): Promise<ConfigVersion> {
    const valid = this.schemas.validate<Record<string, unknown>>(this.schemaId(key), document);
    const { version } = await this.current(key);
    // Two concurrent writers compute the same version: the primary key refuses the second.
    try {
      const row = tx().create(TerritoryConfig, {
        territory_id: currentTerritoryId(),
        key,
        version: version + 1,
        document: valid,
        author_agent_id: authorAgentId,
      });
      return await tx().save(row);
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') {
        throw AppError.conflict('The configuration changed meanwhile: reload and try again');
      }
      throw error;
    }
  }

  async versions(key: string, page: { page: number; per_page: number }): Promise<[ConfigVersion[], number]> {
    this.schemaId(key);
    return tx().findAndCount(TerritoryConfig, {
      where: { territory_id: currentTerritoryId(), key },
      order: { version: 'DESC' },
      skip: (page.page - 1) * page.per_page,
      take: page.per_page,
    });
  }

  /** Restoring writes the old document as a new version, so history only grows. */
  async restore(key: string, version: number, authorAgentId: string | null): Promise<ConfigVersion> {
    const old = await tx().findOne(TerritoryConfig, { where: { territory_id: currentTerritoryId(), key, version } });
    if (!old) throw AppError.notFound(`Version ${version} of ${key}`);
    return this.write(key, old.document, authorAgentId);
  }
}
