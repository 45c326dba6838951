import { JsonSchema, primaryType, SchemaError, SchemaRegistry } from './schemas';

/*
 * The fields of a schema-driven form, read from the platform's JSON Schema and its JSON
 * Forms UI schema (`Control` elements with `scope: "#/properties/custom_fields/properties/nir"`
 * inside layouts, for order, labels and multi-line texts); without a UI schema, every
 * property in the schema's order. Both UIs draw them with the same SchemaFields.vue.
 */

/** `list`: an array of free strings (host names, codes), typed one after the other. */
export type FieldKind = 'boolean' | 'choice' | 'list' | 'textarea' | 'integer' | 'number' | 'date' | 'email' | 'tel' | 'text';

export interface FieldSpec {
  /** Dotted path in the value, as the platform names field errors: `last_name`, `custom_fields.nir`. */
  path: string;
  label: string;
  /** The schema's description, to show as a hint. */
  help?: string;
  required: boolean;
  kind: FieldKind;
  choices?: { title: string; value: string | number }[];
  maxLength?: number;
  autocomplete: string;
  defaultValue?: unknown;
  /** A plugin's field meant for motifs of these categories only (`x-motif-categories`). */
  motifCategories?: string[];
}

/** Browsers fill these from the user's saved identity (WCAG 1.3.5). */
const AUTOCOMPLETE: Record<string, string> = {
  first_name: 'given-name', last_name: 'family-name', email: 'email', phone_number: 'tel', birth_date: 'bday', address: 'street-address',
};

interface Control {
  path: string;
  label?: string;
  multi: boolean;
}

/** The UI schema's controls in their order (layouts walked through); `#/properties/a/properties/b` → `a.b`. */
function controlsOf(uischema: JsonSchema | undefined): Control[] {
  const controls: Control[] = [];
  const walk = (element: JsonSchema | undefined) => {
    if (!element) return;
    if (element.type === 'Control' && typeof element.scope === 'string') {
      const path = element.scope.replace(/^#\//, '').split('/').filter((_: string, index: number) => index % 2 === 1).join('.');
      controls.push({ path, label: typeof element.label === 'string' ? element.label : undefined, multi: element.options?.multi === true });
    }
    (element.elements ?? []).forEach(walk);
  };
  walk(uischema);
  return controls;
}

function kindOf(property: JsonSchema, name: string, multi: boolean): FieldKind {
  const type = primaryType(property);
  if (type === 'boolean') return 'boolean';
  if (type === 'array' && primaryType(property.items ?? {}) === 'string' && !property.items?.enum) return 'list';
  if (property.enum || property.oneOf?.every((option: JsonSchema) => 'const' in option)) return 'choice';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (property.format === 'date') return 'date';
  if (property.format === 'email') return 'email';
  if (name === 'phone_number' || (typeof property.pattern === 'string' && property.pattern.includes('[0-9 .()-]'))) return 'tel';
  return multi ? 'textarea' : 'text';
}

/** The form's fields, in the UI schema's order when given, else the schema's. */
export function fieldsOf(registry: SchemaRegistry, schema: string | JsonSchema, uischema?: JsonSchema): FieldSpec[] {
  const controls: Control[] = uischema ? controlsOf(uischema) : registry.paths(schema).map((path) => ({ path, multi: false }));
  return controls.flatMap(({ path, label, multi }) => {
    const info = registry.property(schema, path);
    if (!info) return [];
    const property = info.schema;
    const name = path.split('.').pop()!;
    return [{
      path,
      label: label ?? property.title ?? name,
      help: property.description,
      required: info.required,
      // Without a UI schema, a text meant to be long (1000 characters or more) takes several lines.
      kind: kindOf(property, name, multi || (!uischema && (property.maxLength ?? 0) >= 1000)),
      choices: property.enum?.map((value: string | number) => ({ title: String(value), value }))
        ?? property.oneOf?.filter((option: JsonSchema) => 'const' in option).map((option: JsonSchema) => ({ title: option.title ?? String(option.const), value: option.const })),
      maxLength: property.maxLength,
      autocomplete: AUTOCOMPLETE[path] ?? 'off',
      defaultValue: property.default,
      motifCategories: Array.isArray(property['x-motif-categories']) ? property['x-motif-categories'] : undefined,
    }];
  });
}

/**
 * Whether a fiche's field applies to a rdv of a motif of this category: a plugin's field may
 * be meant for some categories only (`x-motif-categories`, the ANTS pré-demande number for
 * identity cards and passports). `undefined`: no motif in view, every field applies.
 */
export function appliesToMotif(property: JsonSchema, category: string | null | undefined): boolean {
  const categories: unknown = property['x-motif-categories'];
  return category === undefined || !Array.isArray(categories) || (category !== null && categories.includes(category));
}

/** The fields a rdv of a motif of this category asks. */
export function fieldsForMotif(fields: FieldSpec[], category: string | null | undefined): FieldSpec[] {
  return fields.filter((field) => appliesToMotif({ 'x-motif-categories': field.motifCategories }, category));
}

/** A sentence for one broken rule (each UI says it in its words). */
export type MessageOf = (error: SchemaError) => string;

/** The errors as one message per field path, the first one for each (the server's Ajv order). */
export function messagesByPath(errors: SchemaError[], messageOf: MessageOf): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const error of errors) if (!(error.path in messages)) messages[error.path] = messageOf(error);
  return messages;
}
