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

function resolve(root: JsonSchema, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; typeof current?.$ref === 'string' && current.$ref.startsWith('#') && depth < 20; depth++) {
    let target: any = root;
    for (const key of current.$ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
      target = target?.[decodeURIComponent(key).replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    const { $ref: _ref, ...siblings } = current;
    current = { ...target, ...siblings };
  }
  return current;
}

/** A property's schema with `$ref`s followed and the `null` branch of an optional value set aside. */
function effective(root: JsonSchema, schema: JsonSchema): JsonSchema {
  const resolved = resolve(root, schema);
  const branches: JsonSchema[] | undefined = resolved.anyOf ?? (resolved.oneOf?.some((b: JsonSchema) => b.type === 'null') ? resolved.oneOf : undefined);
  if (!branches) return resolved;
  const value = branches.map((b) => resolve(root, b)).filter((b) => b.type !== 'null');
  if (value.length !== 1) return resolved;
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = resolved;
  return { ...value[0], ...rest };
}

function kindOf(name: string, schema: JsonSchema, multiline: boolean): FieldKind {
  const choices = schema.enum ?? schema.oneOf;
  if (Array.isArray(choices)) return 'choice';
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

/**
 * The fields of an object schema, in the UI schema's order when given, else the
 * schema's; an object property (custom_fields) contributes its own properties.
 */
export function fieldsOf(root: JsonSchema, uischema?: JsonSchema): FieldSpec[] {
  const fields: FieldSpec[] = [];
  const add = (schema: JsonSchema, path: string[], required: boolean, control?: Control) => {
    const property = effective(root, schema);
    if (property.type === 'object' && property.properties) {
      const requiredNames: string[] = property.required ?? [];
      for (const [name, child] of Object.entries<JsonSchema>(property.properties)) {
        add(child, [...path, name], requiredNames.includes(name));
      }
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
    });
  };

  const object = effective(root, root);
  const controls = controlsOf(uischema);
  if (controls.length === 0) {
    add(object, [], false);
    return fields;
  }
  for (const control of controls) {
    let parent = object;
    let schema: JsonSchema | undefined = object;
    for (const segment of control.path) {
      parent = effective(root, schema ?? {});
      schema = parent.properties?.[segment];
    }
    if (!schema) continue;
    const required = (parent.required ?? []).includes(control.path[control.path.length - 1]);
    add(schema, control.path, required, control);
  }
  return fields;
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

const ajv = createAjv();
const validators = new WeakMap<JsonSchema, ValidateFunction>();

/** The schema's verdict on a body: a message per field path (the first one for each). */
export function validate(schema: JsonSchema, body: unknown): Record<string, string> {
  let validator = validators.get(schema);
  if (!validator) {
    // Compiled without its $id: a territory's form may change between two visits.
    const { $id: _id, ...anonymous } = schema;
    validator = ajv.compile(anonymous);
    validators.set(schema, validator);
  }
  const errors: Record<string, string> = {};
  if (validator(body)) return errors;
  for (const error of validator.errors ?? []) {
    const path = fieldErrorPath(error);
    if (path !== undefined && !(path in errors)) errors[path] = validationMessage(error);
  }
  return errors;
}
