import { dereference, format, validate, type OutputUnit, type Schema } from '@cfworker/json-schema';
import { fullFormats } from 'ajv-formats/dist/formats';

/*
 * The platform's JSON Schemas as both UIs read them: a property's schema (`$ref`s and
 * nullable `anyOf`s followed) and the check of a value, with the same field paths and
 * the same keywords and parameters as the server's Ajv (platform/src/http/ajv.ts), so an
 * error lands on the same input and says the same thing. The check is interpreted
 * (@cfworker/json-schema): nothing is compiled into a function, so the UIs run under a
 * Content-Security-Policy without 'unsafe-eval'. The server's Ajv stays the authority.
 */

export type JsonSchema = Record<string, any>;

// Formats checked as the server's ajv-formats checks them (its plain checks, no Ajv): an
// email's domain needs a dot, a date its real days.
for (const [name, definition] of Object.entries(fullFormats)) {
  const check = typeof definition === 'object' && !(definition instanceof RegExp) ? definition.validate : definition;
  if (typeof check === 'function') format[name] = (value: string) => Boolean((check as (value: string) => unknown)(value));
  else if (check instanceof RegExp) format[name] = (value: string) => check.test(value);
}

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

/** One broken rule at a field: its dotted path (`custom_fields.nir`), its keyword and Ajv's parameters (`{ limit: 200 }`). */
export interface SchemaError {
  path: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Keywords that only gather their subschemas' errors: the server's Ajv reports those, not these. */
const APPLICATORS = new Set([
  '$ref', '$recursiveRef', 'properties', 'patternProperties', 'additionalProperties', 'unevaluatedProperties',
  'items', 'prefixItems', 'additionalItems', 'unevaluatedItems', 'contains', 'allOf', 'anyOf', 'oneOf', 'if',
  'dependentSchemas', 'propertyNames',
]);

/** Keywords whose value is a bound, said as `{limit}` (Ajv's parameter). */
const LIMITS = new Set([
  'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minItems', 'maxItems', 'minProperties', 'maxProperties', 'minContains', 'maxContains', 'multipleOf',
]);

function unescapePointer(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * The validator's errors in the server's order: an `anyOf`'s or `oneOf`'s own error
 * after those of its branches (Ajv's order; the first error at a field is the one shown).
 */
function branchesFirst(units: OutputUnit[]): OutputUnit[] {
  const ordered: OutputUnit[] = [];
  const open: OutputUnit[] = [];
  for (const unit of units) {
    while (open.length && !unit.keywordLocation.startsWith(`${open[open.length - 1].keywordLocation}/`)) ordered.push(open.pop()!);
    if (APPLICATORS.has(unit.keyword)) open.push(unit);
    else ordered.push(unit);
  }
  while (open.length) ordered.push(open.pop()!);
  return ordered;
}

/**
 * The platform's own schemas (by `$id`, their `$ref`s pointing across files) and the
 * forms built on them (a territory's fiche, served whole).
 */
export class SchemaRegistry {
  private readonly byId = new Map<string, JsonSchema>();
  /** Copies the validator annotates (it marks `$ref`s with their absolute address), by absolute address. */
  private readonly lookup: Record<string, Schema | boolean> = Object.create(null);
  private readonly prepared = new Map<string, Schema>();

  constructor(schemas: JsonSchema[]) {
    for (const schema of schemas) {
      if (typeof schema.$id !== 'string' || this.byId.has(schema.$id)) continue;
      this.byId.set(schema.$id, schema);
      this.prepared.set(schema.$id, this.prepare(schema));
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

  /**
   * Checks a value against a schema of the platform (by `$id`, or `$id#/pointer`) or one
   * given whole (a territory's form): one error per broken rule, at its field.
   */
  validate(schema: string | JsonSchema, value: unknown): SchemaError[] {
    const root = this.preparedFor(schema);
    const result = validate(value, root, '2020-12', this.lookup, false);
    if (result.valid) return [];
    const errors: SchemaError[] = [];
    for (const unit of branchesFirst(result.errors)) {
      const error = this.toSchemaError(root, unit);
      if (error) errors.push(error);
    }
    return errors;
  }

  /** Property `path` (dotted) of an object schema, `$ref`s and nullable `anyOf`s resolved. */
  property(schema: string | JsonSchema, path: string): PropertyInfo | undefined {
    const root = this.rootOf(schema);
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
        const { anyOf: _anyOf, oneOf: _oneOf, ...annotations } = current;
        const [resolved, resolvedBase] = this.deref(options.find((option) => option.type !== 'null')!, base, root);
        [current, base] = [{ ...resolved, ...annotations }, resolvedBase];
      }
    }
    return { schema: current, required, nullable, maxLength: current.maxLength };
  }

  /** The dotted paths of an object schema's properties, an object's own properties in place of it. */
  paths(schema: string | JsonSchema, prefix = ''): string[] {
    const object = prefix ? this.property(schema, prefix.slice(0, -1))?.schema : this.deref(this.rootOf(schema), '', this.rootOf(schema))[0];
    return Object.keys(object?.properties ?? {}).flatMap((name) => {
      const path = `${prefix}${name}`;
      const info = this.property(schema, path);
      if (!info || info.schema.readOnly) return [];
      return primaryType(info.schema) === 'object' && info.schema.properties ? this.paths(schema, `${path}.`) : [path];
    });
  }

  /** A schema given by `$id` (`api/user.json`, or `api/public.rdv.json#/properties/prescripteur`) or whole. */
  private rootOf(schema: string | JsonSchema): JsonSchema {
    if (typeof schema !== 'string') return schema;
    return schema.includes('#') ? { $ref: schema } : this.get(schema);
  }

  /** Follows `$ref`s: to another file of the registry, or inside the schema being read. */
  private deref(schema: JsonSchema, base: string, root: JsonSchema): [JsonSchema, string] {
    let current = schema;
    let currentBase = base;
    for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth++) {
      const { $ref, ...annotations } = current;
      const target = new URL($ref, `lapin:/${currentBase}`);
      const id = target.pathname.replace(/^\//, '');
      let resolved: unknown = id === ((root.$id as string | undefined) ?? '') || !id ? root : this.get(id);
      for (const key of target.hash.replace(/^#\/?/, '').split('/').filter(Boolean)) {
        resolved = (resolved as JsonSchema)[unescapePointer(key)];
      }
      // Keywords beside the $ref (a title, a description) apply too.
      current = { ...(resolved as JsonSchema), ...annotations };
      currentBase = id || currentBase;
    }
    return [current, currentBase];
  }

  /** A copy of the schema for the validator, its `$ref`s resolved against the registry's files. */
  private prepare(schema: JsonSchema): Schema {
    const copy: Schema = JSON.parse(JSON.stringify(schema));
    dereference(copy, this.lookup);
    return copy;
  }

  private preparedFor(schema: string | JsonSchema): Schema {
    const key = typeof schema === 'string' ? schema : JSON.stringify(schema);
    let prepared = this.prepared.get(key);
    if (!prepared) {
      if (typeof schema === 'string' && !schema.includes('#')) throw new Error(`Unknown schema ${schema}`);
      // A form (each version differs) or a part of a file: an address of its own, in the folder
      // of its `$id` so that its relative `$ref`s (`common.json#/...`) still resolve.
      const folder = typeof schema !== 'string' && typeof schema.$id === 'string' ? schema.$id.replace(/[^/]*$/, '') : '';
      prepared = this.prepare({ ...this.rootOf(schema), $id: `${folder}form-${this.prepared.size}.json` });
      this.prepared.set(key, prepared);
    }
    return prepared;
  }

  /** The keyword's value where the error points (`#/properties/a/$ref/maxLength` → 200). */
  private keywordValue(root: Schema, keywordLocation: string): unknown {
    let current: any = root;
    for (const segment of keywordLocation.replace(/^#\/?/, '').split('/').filter(Boolean)) {
      if (current === undefined || current === null) return undefined;
      current = segment === '$ref' ? this.lookup[current.__absolute_ref__ ?? current.$ref] : current[unescapePointer(segment)];
    }
    return current;
  }

  /** An error of the validator as the server's Ajv says it; undefined for one it reports elsewhere. */
  private toSchemaError(root: Schema, unit: OutputUnit): SchemaError | undefined {
    const segments = unit.instanceLocation.replace(/^#\/?/, '').split('/').filter(Boolean).map(unescapePointer);
    const value = () => this.keywordValue(root, unit.keywordLocation);
    let keyword = unit.keyword;
    let params: Record<string, unknown> = {};
    switch (unit.keyword) {
      case 'const': return undefined; // reported once by the enclosing oneOf
      case 'anyOf':
      case 'oneOf': break;
      case 'false': // a property no schema allows (`additionalProperties: false`, `unevaluatedProperties: false`)
        keyword = 'additionalProperties';
        params = { additionalProperty: segments[segments.length - 1] };
        break;
      case 'required': {
        const missing = /"(.*)"\.$/.exec(unit.error)?.[1] ?? '';
        segments.push(missing);
        params = { missingProperty: missing };
        break;
      }
      case 'type': {
        const type = value();
        params = { type: Array.isArray(type) ? type.join(',') : type };
        break;
      }
      case 'format': params = { format: value() }; break;
      case 'pattern': params = { pattern: value() }; break;
      case 'enum': params = { allowedValues: value() }; break;
      default:
        if (APPLICATORS.has(unit.keyword)) return undefined;
        if (LIMITS.has(unit.keyword)) params = { limit: value() };
    }
    return { path: segments.join('.'), keyword, params };
  }
}
