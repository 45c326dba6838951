import type { ValidateFunction } from 'ajv/dist/2020';
import { createAjv, fieldErrorPath } from '../../../platform/src/http/ajv';
import { validationMessage } from '../i18n';

/*
 * A small renderer's model for the flat forms the portal shows (the usager's identity,
 * the prescripteur's): the fields are read from the platform's JSON Schema (and JSON
 * Forms UI schema, for order and labels), values are checked by Ajv 2020 with the
 * platform's own settings. Nothing here knows which fields exist.
 */

export type JsonSchema = Record<string, any>;

export type FieldKind = 'text' | 'textarea' | 'email' | 'tel' | 'date' | 'number' | 'integer' | 'boolean' | 'choice';

export interface FieldSpec {
  /** Dotted path in the value, as the platform names field errors: `last_name`, `custom_fields.nir`. */
  path: string;
  label: string;
  help?: string;
  required: boolean;
  kind: FieldKind;
  options?: { value: string | number; title: string }[];
  maxLength?: number;
  autocomplete?: string;
  defaultValue?: unknown;
  /** A plugin's field meant for motifs of these categories only (`x-motif-categories`). */
  motifCategories?: string[];
}

/** Values by field path, as the inputs hold them (text for numbers until sent). */
export type FieldValues = Record<string, unknown>;

/** Browsers fill these from the visitor's saved identity (WCAG 1.3.5). */
const AUTOCOMPLETE: Record<string, string> = {
  first_name: 'given-name',
  last_name: 'family-name',
  email: 'email',
  phone_number: 'tel',
  birth_date: 'bday',
  address: 'street-address',
};

interface Control {
  path: string[];
  label?: string;
  multiline: boolean;
}

/** The UI schema's controls in their order (layouts walked through). */
function controlsOf(uischema: JsonSchema | undefined): Control[] {
  const controls: Control[] = [];
  const walk = (element: JsonSchema | undefined) => {
    if (!element) return;
    if (element.type === 'Control' && typeof element.scope === 'string') {
      const path = element.scope.replace(/^#\//, '').split('/').filter((_: string, i: number) => i % 2 === 1);
      controls.push({ path, label: typeof element.label === 'string' ? element.label : undefined, multiline: element.options?.multi === true });
    }
    for (const child of element.elements ?? []) walk(child);
  };
  walk(uischema);
  return controls;
}

function kindOf(name: string, schema: JsonSchema, multiline: boolean): FieldKind {
  if (Array.isArray(schema.enum ?? schema.oneOf)) return 'choice';
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  if (type === 'boolean') return 'boolean';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (schema.format === 'email') return 'email';
  if (schema.format === 'date') return 'date';
  if (name === 'phone_number') return 'tel';
  return multiline || (schema.maxLength ?? 0) > 500 ? 'textarea' : 'text';
}

function optionsOf(schema: JsonSchema): FieldSpec['options'] {
  if (Array.isArray(schema.enum)) return schema.enum.map((value: string | number) => ({ value, title: String(value) }));
  if (Array.isArray(schema.oneOf)) {
    return schema.oneOf.filter((b: JsonSchema) => 'const' in b).map((b: JsonSchema) => ({ value: b.const, title: b.title ?? String(b.const) }));
  }
  return undefined;
}

const ajv = createAjv();

/**
 * One form's schema: a territory's form served whole by the platform, or a part of
 * the platform's own schema files (whose `$ref`s point across files).
 */
export class FormSchema {
  private constructor(
    private readonly schema: JsonSchema,
    /** The `$id` the schema's relative `$ref`s start from. */
    private readonly baseId: string,
    private readonly documents: Map<string, JsonSchema>,
    private readonly validator: ValidateFunction,
    private readonly uischema?: JsonSchema,
  ) {}

  /** A standalone schema the platform serves (a territory's form), compiled without its `$id`: it changes with the configuration. */
  static standalone(schema: JsonSchema, uischema?: JsonSchema): FormSchema {
    const { $id: _id, ...anonymous } = schema;
    return new FormSchema(anonymous, '', new Map(), ajv.compile(anonymous), uischema);
  }

  /** `pointer` (`api/public.rdv.json#/properties/prescripteur`) in the platform's schema files, which are given whole. */
  static fromFiles(files: JsonSchema[], pointer: string): FormSchema {
    const documents = new Map(files.map((file) => [file.$id as string, file]));
    for (const file of files) if (!ajv.getSchema(file.$id)) ajv.addSchema(file);
    const [baseId] = pointer.split('#');
    const schema = FormSchema.follow(documents, { $ref: pointer }, '')[0];
    return new FormSchema(schema, baseId, documents, ajv.getSchema(pointer)!);
  }

  /** Follows `$ref`s (local, or to another file by relative `$id`); `$ref` siblings (a title) win. */
  private static follow(documents: Map<string, JsonSchema>, schema: JsonSchema, baseId: string, root?: JsonSchema): [JsonSchema, string] {
    let current = schema;
    let base = baseId;
    for (let depth = 0; typeof current?.$ref === 'string' && depth < 20; depth++) {
      const target = new URL(current.$ref, `lapin:/${base}`);
      const id = target.pathname.replace(/^\//, '');
      // A standalone schema (no base) holds its own `#/...` targets; a file's are in the file.
      let resolved: any = id ? documents.get(id) : root;
      for (const key of target.hash.replace(/^#\/?/, '').split('/').filter(Boolean)) {
        resolved = resolved?.[decodeURIComponent(key).replace(/~1/g, '/').replace(/~0/g, '~')];
      }
      const { $ref: _ref, ...siblings } = current;
      current = { ...resolved, ...siblings };
      base = id || base;
    }
    return [current, base];
  }

  /** A property's schema with `$ref`s followed and the `null` branch of an optional value set aside. */
  private effective(schema: JsonSchema): JsonSchema {
    const [resolved, base] = FormSchema.follow(this.documents, schema, this.baseId, this.schema);
    const branches: JsonSchema[] | undefined = resolved.anyOf ?? (resolved.oneOf?.some((b: JsonSchema) => b.type === 'null') ? resolved.oneOf : undefined);
    if (!branches) return resolved;
    const value = branches.map((b) => FormSchema.follow(this.documents, b, base, this.schema)[0]).filter((b) => b.type !== 'null');
    if (value.length !== 1) return resolved;
    const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = resolved;
    return { ...value[0], ...rest };
  }

  /**
   * The form's fields, in the UI schema's order when given, else the schema's; an
   * object property (custom_fields) contributes its own properties.
   */
  fields(): FieldSpec[] {
    const fields: FieldSpec[] = [];
    const add = (schema: JsonSchema, path: string[], required: boolean, control?: Control) => {
      const property = this.effective(schema);
      if (property.type === 'object' && property.properties) {
        const requiredNames: string[] = property.required ?? [];
        for (const [name, child] of Object.entries<JsonSchema>(property.properties)) add(child, [...path, name], requiredNames.includes(name));
        return;
      }
      if (property.readOnly) return;
      const name = path[path.length - 1];
      fields.push({
        path: path.join('.'),
        label: control?.label ?? property.title ?? name,
        // Standard fields' descriptions document the API (in English); custom fields' help is written for usagers.
        help: path[0] === 'custom_fields' ? property.description : undefined,
        required,
        kind: kindOf(name, property, control?.multiline ?? false),
        options: optionsOf(property),
        maxLength: property.maxLength,
        autocomplete: path.length === 1 ? AUTOCOMPLETE[name] : undefined,
        defaultValue: property.default,
        motifCategories: Array.isArray(property['x-motif-categories']) ? property['x-motif-categories'] : undefined,
      });
    };

    const object = this.effective(this.schema);
    const controls = controlsOf(this.uischema);
    if (controls.length === 0) {
      add(object, [], false);
      return fields;
    }
    for (const control of controls) {
      let parent = object;
      let schema: JsonSchema | undefined = object;
      for (const segment of control.path) {
        parent = this.effective(schema ?? {});
        schema = parent.properties?.[segment];
      }
      if (schema) add(schema, control.path, (parent.required ?? []).includes(control.path[control.path.length - 1]), control);
    }
    return fields;
  }

  /** The schema's verdict on a body: a message per field path (the first one for each). */
  validate(body: unknown): Record<string, string> {
    const errors: Record<string, string> = {};
    if (this.validator(body)) return errors;
    for (const error of this.validator.errors ?? []) {
      const path = fieldErrorPath(error);
      if (path !== undefined && !(path in errors)) errors[path] = validationMessage(error);
    }
    return errors;
  }
}

/** The fields a booking of a motif of this category asks: a field meant for some categories shows for them only. */
export function fieldsForMotif(fields: FieldSpec[], category: string | null): FieldSpec[] {
  return fields.filter((field) => !field.motifCategories || (category !== null && field.motifCategories.includes(category)));
}

/** Starting values: the schema's defaults, unchecked boxes, empty texts. */
export function initialValues(fields: FieldSpec[], known: FieldValues = {}): FieldValues {
  const values: FieldValues = {};
  for (const field of fields) {
    values[field.path] = known[field.path] ?? field.defaultValue ?? (field.kind === 'boolean' ? false : '');
  }
  return values;
}

/** The body to send: nested objects from dotted paths, numbers as numbers, empty answers left out. */
export function bodyOf(fields: FieldSpec[], values: FieldValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    let value = values[field.path];
    if (value === '' || value === undefined || value === null) continue;
    if ((field.kind === 'number' || field.kind === 'integer') && typeof value === 'string' && !Number.isNaN(Number(value))) value = Number(value);
    if (typeof value === 'string') value = value.trim();
    const segments = field.path.split('.');
    let target = body;
    for (const segment of segments.slice(0, -1)) target = (target[segment] ??= {}) as Record<string, unknown>;
    target[segments[segments.length - 1]] = value;
  }
  return body;
}
