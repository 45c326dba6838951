import type Ajv2020 from 'ajv/dist/2020';
import { currentTerritoryId, tx } from '../db/database';
import type { FieldError } from '../errors';
import { createAjv, JsonSchema, SchemaRegistry } from '../http/schemas';
import type { Platform } from '../platform';
import { pluginConfigKey, PluginDocument, pluginDocumentSchema } from '../plugins/config';
import { DeclaredPluginField, onInTerritory, pluginFieldsOf, reservedPluginPrefixes } from '../plugins/fields';
import { installedPlugins } from '../plugins/registry';
import type { PluginDefinition } from '../plugins/sdk';
import { customFieldErrors, FieldsDocument } from './custom-fields';
import { EffectiveForm } from './effective-form';
import { standaloneSchema } from './inline-refs';
import { FORM_KINDS, FormKind, FormKindName, reservedNames } from './kinds';

/** Forms of this many (territory, versions) keys stay compiled; the least recently used goes first. */
const MAX_CACHED_FORMS = 500;

/**
 * One process's compiled forms, keyed by the territory and the versions of the
 * documents that shape them: the fields document and the documents of plugins
 * with fields on this fiche. Versions are immutable, so an entry never goes
 * stale: a new version (a field added, a plugin turned on) is a new key, which
 * every process sees on its next request by reading the version numbers.
 */
class FormCache {
  readonly ajv: Ajv2020 = createAjv();
  private readonly bases = new Map<FormKindName, JsonSchema>();
  private readonly forms = new Map<string, EffectiveForm>();

  constructor(private readonly registry: SchemaRegistry) {}

  base(kind: FormKind): JsonSchema {
    let base = this.bases.get(kind.name);
    if (!base) {
      base = standaloneSchema(this.registry, kind.baseSchemaId);
      this.bases.set(kind.name, base);
    }
    return base;
  }

  get(key: string): EffectiveForm | undefined {
    const form = this.forms.get(key);
    if (form) {
      this.forms.delete(key);
      this.forms.set(key, form);
    }
    return form;
  }

  put(key: string, form: EffectiveForm): void {
    this.forms.set(key, form);
    if (this.forms.size > MAX_CACHED_FORMS) {
      const [oldestKey, oldest] = this.forms.entries().next().value!;
      this.forms.delete(oldestKey);
      oldest.release();
    }
  }
}

const caches = new WeakMap<Platform, FormCache>();

function cacheOf(platform: Platform): FormCache {
  let cache = caches.get(platform);
  if (!cache) {
    cache = new FormCache(platform.schemas);
    caches.set(platform, cache);
  }
  return cache;
}

/**
 * The current territory's form for a fiche, inside a tenant transaction: its
 * fields document, with the fields of the plugins on in the territory. Costs one
 * indexed query (the version numbers) when the form is already compiled.
 */
export async function loadForm(platform: Platform, kindName: FormKindName): Promise<EffectiveForm> {
  const kind = FORM_KINDS[kindName];
  const territoryId = currentTerritoryId();
  const plugins = installedPlugins(platform).filter((plugin) => plugin.fields?.some((field) => field.form === kind.name));
  const keys = [kind.configKey, ...plugins.map((plugin) => pluginConfigKey(plugin.name))];
  const rows: { key: string; version: number }[] = await tx().query(
    `SELECT key, max(version)::int AS version FROM territory_configs WHERE territory_id = $1 AND key = ANY($2::text[]) GROUP BY key`,
    [territoryId, keys],
  );
  const versionOf = (key: string) => rows.find((row) => row.key === key)?.version ?? 0;
  const cache = cacheOf(platform);
  const cacheKey = [territoryId, ...keys.map((key) => `${key}@${versionOf(key)}`)].join('/');
  let form = cache.get(cacheKey);
  if (!form) {
    const version = versionOf(kind.configKey);
    const document = await documentAt<FieldsDocument>(kind.configKey, version, () => platform.schemas.get(`config/${kind.configKey}.json`).default);
    const fields = await pluginFieldsOn(plugins, kind.name, versionOf);
    form = new EffectiveForm(kind, version, document, cache.base(kind), cache.ajv, fields);
    cache.put(cacheKey, form);
  }
  return form;
}

/** The fields on this fiche of the plugins on in the territory (for it, or for one of its organisations). */
async function pluginFieldsOn(plugins: PluginDefinition<any>[], form: FormKindName, versionOf: (key: string) => number): Promise<DeclaredPluginField[]> {
  const on: PluginDefinition<any>[] = [];
  for (const plugin of plugins) {
    const key = pluginConfigKey(plugin.name);
    const document = await documentAt<PluginDocument>(key, versionOf(key), () => pluginDocumentSchema(plugin).default);
    if (onInTerritory(document)) on.push(plugin);
  }
  return pluginFieldsOf(on, form);
}

/** A configuration document of the current territory at a version; version 0 is the schema's default. */
async function documentAt<T>(key: string, version: number, defaultDocument: () => unknown): Promise<T> {
  if (version === 0) return structuredClone(defaultDocument()) as T;
  const [row] = await tx().query(
    `SELECT document FROM territory_configs WHERE territory_id = $1 AND key = $2 AND version = $3`,
    [currentTerritoryId(), key, version],
  );
  return row.document as T;
}

/**
 * The rules of a user_fields or rdv_fields document its JSON Schema cannot say
 * (names, plugins' prefixes included, options, bounds, patterns), then whether its form compiles.
 */
export function fieldsDocumentErrors(kind: FormKind, document: FieldsDocument, registry: SchemaRegistry, plugins: readonly PluginDefinition<any>[]): FieldError[] {
  const base = standaloneSchema(registry, kind.baseSchemaId);
  const errors = customFieldErrors(document.fields, reservedNames(kind, Object.keys(base.properties as object)), reservedPluginPrefixes(plugins));
  if (errors.length) return errors;
  try {
    new EffectiveForm(kind, 0, document, base, createAjv()).compileAll();
  } catch (error) {
    return [{ path: 'fields', message: `do not make a valid JSON Schema: ${(error as Error).message}` }];
  }
  return [];
}
