import type Ajv2020 from 'ajv/dist/2020';
import { currentTerritoryId, tx } from '../db/database';
import type { FieldError } from '../errors';
import { createAjv, JsonSchema, SchemaRegistry } from '../http/schemas';
import type { Platform } from '../platform';
import { customFieldErrors, FieldsDocument } from './custom-fields';
import { EffectiveForm } from './effective-form';
import { standaloneSchema } from './inline-refs';
import { FORM_KINDS, FormKind, FormKindName, reservedNames } from './kinds';

/** Forms of this many (territory, version) pairs stay compiled; the least recently used goes first. */
const MAX_CACHED_FORMS = 500;

/**
 * One process's compiled forms, keyed by (territory, key, version). Versions are
 * immutable, so an entry never goes stale: a new version is a new key, which
 * every process sees on its next request by reading the version number.
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
 * The current territory's form for a fiche, inside a tenant transaction. Costs
 * one indexed query (the version number) when the form is already compiled.
 */
export async function loadForm(platform: Platform, kindName: FormKindName): Promise<EffectiveForm> {
  const kind = FORM_KINDS[kindName];
  const territoryId = currentTerritoryId();
  const [{ version }] = await tx().query(
    `SELECT coalesce(max(version), 0)::int AS version FROM territory_configs WHERE territory_id = $1 AND key = $2`,
    [territoryId, kind.configKey],
  );
  const cache = cacheOf(platform);
  const key = `${territoryId}/${kind.configKey}/${version}`;
  let form = cache.get(key);
  if (!form) {
    const document = await fieldsDocument(platform, kind, version);
    form = new EffectiveForm(kind, version, document, cache.base(kind), cache.ajv);
    cache.put(key, form);
  }
  return form;
}

async function fieldsDocument(platform: Platform, kind: FormKind, version: number): Promise<FieldsDocument> {
  if (version === 0) return structuredClone(platform.schemas.get(`config/${kind.configKey}.json`).default) as FieldsDocument;
  const [row] = await tx().query(
    `SELECT document FROM territory_configs WHERE territory_id = $1 AND key = $2 AND version = $3`,
    [currentTerritoryId(), kind.configKey, version],
  );
  return row.document as FieldsDocument;
}

/**
 * The rules of a user_fields or rdv_fields document its JSON Schema cannot say
 * (names, options, bounds, patterns), then whether its form compiles.
 */
export function fieldsDocumentErrors(kind: FormKind, document: FieldsDocument, registry: SchemaRegistry): FieldError[] {
  const base = standaloneSchema(registry, kind.baseSchemaId);
  const errors = customFieldErrors(document.fields, reservedNames(kind, Object.keys(base.properties as object)));
  if (errors.length) return errors;
  try {
    new EffectiveForm(kind, 0, document, base, createAjv()).compileAll();
  } catch (error) {
    return [{ path: 'fields', message: `do not make a valid JSON Schema: ${(error as Error).message}` }];
  }
  return [];
}
