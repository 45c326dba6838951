import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { createAjv, fieldErrorPath } from '../../../platform/src/http/ajv';
import type { FieldError } from './client';
import { api } from './client';

export type JsonSchema = Record<string, any>;

/** The type of a schema that may also be null (`type: ["string", "null"]`). */
export function primaryType(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((type: string) => type !== 'null') : schema.type;
}

/** What a form needs to know about one property: marks, counters, empty-value handling. */
export interface PropertyInfo {
  schema: JsonSchema;
  required: boolean;
  nullable: boolean;
  maxLength?: number;
}

/** Turns one Ajv error into a sentence for the user (French by default). */
export type MessageOf = (error: ErrorObject) => string;

/**
 * The platform's own schemas, fetched once from `GET /api/openapi.json` (every file of
 * schemas/ is a component there, under its `$id`), compiled by the same Ajv settings as
 * the server's. Forms validate with them: no shape is written twice.
 */
export class SchemaRegistry {
  private readonly ajv = createAjv();
  private readonly byId = new Map<string, JsonSchema>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(schemas: JsonSchema[]) {
    for (const schema of schemas) {
      if (typeof schema.$id !== 'string' || this.byId.has(schema.$id)) continue;
      this.ajv.addSchema(schema);
      this.byId.set(schema.$id, schema);
    }
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): JsonSchema {
    const schema = this.byId.get(id);
    if (!schema) throw new Error(`Unknown schema ${id}`);
    return schema;
  }

  /** Validates against a schema of the platform (by `$id`) or one given whole (a territory's form). */
  validate(schema: string | JsonSchema, value: unknown, messageOf: MessageOf): FieldError[] {
    const validator = this.validator(schema);
    if (validator(value)) return [];
    const errors: FieldError[] = [];
    for (const error of validator.errors ?? []) {
      const path = fieldErrorPath(error);
      if (path === undefined || errors.some((e) => e.path === path)) continue;
      errors.push({ path, message: messageOf(error) });
    }
    return errors;
  }

  /** Property `path` (dotted) of an object schema, `$ref`s and nullable `anyOf`s resolved. */
  property(schema: string | JsonSchema, path: string): PropertyInfo | undefined {
    const root = typeof schema === 'string' ? this.get(schema) : schema;
    let base = (root.$id as string | undefined) ?? '';
    let current = root;
    let required = false;
    let nullable = false;
    for (const segment of path.split('.')) {
      [current, base] = this.deref(current, base, root);
      const next = current.properties?.[segment] ?? (current.items && /^\d+$/.test(segment) ? current.items : undefined);
      if (!next) return undefined;
      required = Array.isArray(current.required) && current.required.includes(segment);
      [current, base] = this.deref(next, base, root);
      nullable = Array.isArray(current.type) && current.type.includes('null');
      const options: JsonSchema[] | undefined = current.anyOf ?? current.oneOf;
      if (options?.some((option) => option.type === 'null')) {
        nullable = true;
        [current, base] = this.deref(options.find((option) => option.type !== 'null')!, base, root);
      }
    }
    return { schema: current, required, nullable, maxLength: current.maxLength };
  }

  /** Follows `$ref`s: to another file of the registry, or inside the schema being read. */
  private deref(schema: JsonSchema, base: string, root: JsonSchema): [JsonSchema, string] {
    let current = schema;
    let currentBase = base;
    while (typeof current.$ref === 'string') {
      const { $ref, ...annotations } = current;
      const target = new URL($ref, `lapin:/${currentBase}`);
      const id = target.pathname.replace(/^\//, '');
      let resolved: unknown = id === ((root.$id as string | undefined) ?? '') || !id ? root : this.get(id);
      for (const key of target.hash.replace(/^#\/?/, '').split('/').filter(Boolean)) {
        resolved = (resolved as JsonSchema)[decodeURIComponent(key).replace(/~1/g, '/').replace(/~0/g, '~')];
      }
      // Keywords beside the $ref (a title, a description) apply too.
      current = { ...(resolved as JsonSchema), ...annotations };
      currentBase = id || currentBase;
    }
    return [current, currentBase];
  }

  private validator(schema: string | JsonSchema): ValidateFunction {
    const key = typeof schema === 'string' ? schema : JSON.stringify(schema);
    let validator = this.compiled.get(key);
    if (!validator) {
      if (typeof schema === 'string') {
        validator = this.ajv.getSchema(schema);
        if (!validator) throw new Error(`Unknown schema ${schema}`);
      } else {
        // A territory's form schema: compiled under an id of its own (each version differs) in
        // the folder of its $id, so its relative $refs (`common.json#/...`) still resolve.
        const id = `${typeof schema.$id === 'string' ? schema.$id.replace(/[^/]*$/, '') : ''}form-${this.compiled.size}.json`;
        validator = this.ajv.compile({ ...schema, $id: id });
      }
      this.compiled.set(key, validator);
    }
    return validator;
  }
}

let loading: Promise<SchemaRegistry> | undefined;

/** The registry, fetched on first use. */
export function loadSchemas(): Promise<SchemaRegistry> {
  loading ??= api
    .get<{ components: { schemas: Record<string, JsonSchema> } }>('/api/openapi.json')
    .then((document) => new SchemaRegistry(Object.values(document.components.schemas)))
    .catch((error) => {
      loading = undefined;
      throw error;
    });
  return loading;
}

/**
 * What a form sends: fields the schema does not know are left out, an emptied optional
 * field becomes null (when the schema allows it) or is left out, numbers typed as text are numbers.
 */
export function normalizeForSchema(registry: SchemaRegistry, schema: string | JsonSchema, value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const info = registry.property(schema, path);
    if (!info) continue;
    if (raw === '' || raw === undefined || raw === null) {
      if (info.nullable && raw !== undefined) body[name] = null;
      else if (info.required && raw === '') body[name] = raw;
      continue;
    }
    if (primaryType(info.schema) === 'object' && info.schema.properties && typeof raw === 'object' && !Array.isArray(raw)) {
      body[name] = normalizeForSchema(registry, schema, raw as Record<string, unknown>, path);
    } else if ((primaryType(info.schema) === 'integer' || primaryType(info.schema) === 'number') && typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw))) {
      body[name] = Number(raw);
    } else {
      body[name] = raw;
    }
  }
  return body;
}
