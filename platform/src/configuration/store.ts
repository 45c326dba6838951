import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import type { JsonSchema, SchemaRegistry } from '../http/schemas';
import type { Platform } from '../platform';
import { pluginSchemaSource } from '../plugins/config';
import { installedPlugins, installedPluginSchemas, PLUGINS } from '../plugins/registry';
import type { PluginDefinition } from '../plugins/sdk';
import { documentChanges, DocumentChange } from './diff';
import { DOCUMENT_RULES } from './rules';
import { sealSecrets } from './secrets';
import { TerritoryConfig } from './territory-config.entity';

/** Schemas that do not come from files: `plugins.<name>` documents, from the plugin's manifest. */
export type SchemaSource = (key: string) => JsonSchema | undefined;

export interface ConfigVersion {
  key: string;
  version: number;
  document: Record<string, unknown>;
  author_agent_id: string | null;
  created_at: Date | null;
}

/** A version in the history, with what changed since the one before. */
export interface ConfigHistoryEntry extends ConfigVersion {
  changes: DocumentChange[];
}

/**
 * A territory's configuration: documents by key (`services`, `user_fields`, ...), each
 * validated by `schemas/config/<key>.json` (or, for `plugins.<name>`, by the schema the
 * plugin's manifest gives) and versioned; the newest version is in force.
 * A key with no version yet answers the schema's `default` as version 0.
 */
export class ConfigStore {
  constructor(
    private readonly schemas: SchemaRegistry,
    private readonly extraSchemas: SchemaSource = installedPluginSchemas,
    /** Plugins whose fields' names the territory's own fields may not take. */
    private readonly plugins: readonly PluginDefinition<any>[] = PLUGINS,
  ) {}

  /** The store of a platform's plugins (`Platform.plugins`, else the registry's). */
  static of(platform: Platform): ConfigStore {
    const plugins = installedPlugins(platform);
    return new ConfigStore(platform.schemas, pluginSchemaSource(plugins), plugins);
  }

  schemaId(key: string): string {
    const id = `config/${key}.json`;
    const unknown = () => AppError.notFound(`Configuration document ${key.slice(0, 80)}`);
    if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)?$/.test(key)) throw unknown();
    if (!this.schemas.schemas.has(id)) {
      const extra = this.extraSchemas(key);
      if (!extra) throw unknown();
      // Registered once beside the files' schemas: compiled once, then cached like them.
      this.schemas.ajv.addSchema(extra);
      this.schemas.schemas.set(id, extra);
    }
    return id;
  }

  schema(key: string): JsonSchema {
    return this.schemas.get(this.schemaId(key));
  }

  async current(key: string): Promise<ConfigVersion> {
    const latest = await tx().findOne(TerritoryConfig, {
      where: { territory_id: currentTerritoryId(), key },
      order: { version: 'DESC' },
    });
    return latest ?? this.initial(key);
  }

  /** Version 0: the schema's default, in force until a first version is written. */
  private initial(key: string): ConfigVersion {
    const document = structuredClone((this.schema(key).default ?? {}) as Record<string, unknown>);
    return { key, version: 0, document, author_agent_id: null, created_at: null };
  }

  /** Validates (schema, then the key's rules) and stores a new version; the previous one stays in force when refused. */
  async write(key: string, document: unknown, authorAgentId: string | null): Promise<ConfigVersion> {
    const valid = this.schemas.validate<Record<string, unknown>>(this.schemaId(key), document);
    const errors = DOCUMENT_RULES[key]?.(valid, this.schemas, this.plugins) ?? [];
    if (errors.length) throw AppError.invalid(`The ${key} document is invalid`, errors);
    const stored = sealSecrets(key, valid);
    const { version } = await this.current(key);
    // Two concurrent writers compute the same version: the primary key refuses the second.
    try {
      const row = tx().create(TerritoryConfig, {
        territory_id: currentTerritoryId(),
        key,
        version: version + 1,
        document: stored,
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

  /** The history, newest first, each version with the paths it changed since the previous one. */
  async versions(key: string, page: { page: number; per_page: number }): Promise<[ConfigHistoryEntry[], number]> {
    this.schemaId(key);
    const [rows, total] = await tx().findAndCount(TerritoryConfig, {
      where: { territory_id: currentTerritoryId(), key },
      order: { version: 'DESC' },
      skip: (page.page - 1) * page.per_page,
      take: page.per_page,
    });
    const oldest = rows.at(-1);
    const beforeOldest = oldest && oldest.version > 1
      ? await tx().findOneBy(TerritoryConfig, { territory_id: currentTerritoryId(), key, version: oldest.version - 1 })
      : null;
    const previous = (index: number): ConfigVersion => rows[index + 1] ?? beforeOldest ?? this.initial(key);
    return [rows.map((row, index) => ({ ...row, changes: documentChanges(previous(index).document, row.document) })), total];
  }

  /** Restoring writes the old document as a new version, so history only grows. */
  async restore(key: string, version: number, authorAgentId: string | null): Promise<ConfigVersion> {
    const old = await tx().findOne(TerritoryConfig, { where: { territory_id: currentTerritoryId(), key, version } });
    if (!old) throw AppError.notFound(`Version ${version} of ${key}`);
    return this.write(key, old.document, authorAgentId);
  }
}
