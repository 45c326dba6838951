import commonSchema from '../../../schemas/api/common.json';
import type { FieldError } from '../errors';
import type { JsonSchema } from '../http/schemas';
import { unsafePatternReason } from './safe-pattern';

export const CUSTOM_FIELD_TYPES = ['string', 'text', 'number', 'integer', 'date', 'boolean', 'enum', 'email', 'phone'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export interface CustomFieldOption {
  value: string;
  label: string;
}

/** One custom field, as `schemas/config/defs/custom_field.json` describes it. */
export interface CustomField {
  name: string;
  type: CustomFieldType;
  label: string;
  help?: string;
  required?: boolean;
  public?: boolean;
  options?: (string | CustomFieldOption)[];
  pattern?: string;
  min?: number;
  max?: number;
}

/** A `user_fields` or `rdv_fields` configuration document. */
export interface FieldsDocument {
  fields: CustomField[];
  hidden_standard_fields?: string[];
  context_enabled?: boolean;
}

/** common.json's phone_number shape: a first check the UIs can run; the API then asks libphonenumber. */
export const PHONE_PATTERN = commonSchema.$defs.phone_number.pattern;
const TEXT_LENGTH = { string: 500, text: 10_000 } as const;

export function optionsOf(field: CustomField): CustomFieldOption[] {
  return (field.options ?? []).map((option) => (typeof option === 'string' ? { value: option, label: option } : option));
}

/** The JSON Schema of one custom field's value. */
export function customFieldSchema(field: CustomField): JsonSchema {
  const annotations: JsonSchema = { title: field.label, ...(field.help ? { description: field.help } : {}) };
  switch (field.type) {
    case 'string':
    case 'text': {
      const minLength = field.min ?? (field.required ? 1 : undefined);
      return {
        ...annotations,
        type: 'string',
        ...(minLength !== undefined ? { minLength } : {}),
        maxLength: field.max ?? TEXT_LENGTH[field.type],
        ...(field.pattern ? { pattern: field.pattern } : {}),
      };
    }
    case 'number':
    case 'integer':
      return {
        ...annotations,
        type: field.type,
        ...(field.min !== undefined ? { minimum: field.min } : {}),
        ...(field.max !== undefined ? { maximum: field.max } : {}),
      };
    case 'date':
      return { ...annotations, type: 'string', format: 'date' };
    case 'boolean':
      return { ...annotations, type: 'boolean' };
    case 'enum':
      return { ...annotations, type: 'string', oneOf: optionsOf(field).map((option) => ({ const: option.value, title: option.label })) };
    case 'email':
      return { ...annotations, type: 'string', format: 'email', maxLength: 254 };
    case 'phone':
      return { ...annotations, type: 'string', maxLength: 30, pattern: PHONE_PATTERN };
  }
}

/**
 * What the document's schema cannot say: names free (neither reserved nor beginning
 * with a reserved prefix, such as a plugin's) and unique, options and
 * bounds where they mean something, patterns valid and safe. Paths are the
 * document's (`fields.3.name`).
 */
export function customFieldErrors(fields: CustomField[], reserved: Map<string, string>, reservedPrefixes = new Map<string, string>()): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  fields.forEach((field, index) => {
    const at = `fields.${index}`;
    const why = reserved.get(field.name) ?? [...reservedPrefixes].find(([prefix]) => field.name.startsWith(prefix))?.[1];
    if (why) errors.push({ path: `${at}.name`, message: `"${field.name}" is reserved: ${why}` });
    const first = seen.get(field.name);
    if (first !== undefined) errors.push({ path: `${at}.name`, message: `"${field.name}" is already the name of fields.${first}` });
    else seen.set(field.name, index);

    if (field.type === 'enum') {
      if (!field.options) errors.push({ path: `${at}.options`, message: 'is required for a choice list (type enum)' });
      const values = new Set<string>();
      optionsOf(field).forEach((option, optionIndex) => {
        if (values.has(option.value)) errors.push({ path: `${at}.options.${optionIndex}`, message: `repeats the value "${option.value}"` });
        values.add(option.value);
      });
    } else if (field.options) {
      errors.push({ path: `${at}.options`, message: 'is only for choice lists (type enum)' });
    }

    if (field.pattern !== undefined) {
      if (field.type !== 'string' && field.type !== 'text') {
        errors.push({ path: `${at}.pattern`, message: 'is only for texts (type string or text)' });
      } else {
        const reason = unsafePatternReason(field.pattern);
        if (reason) errors.push({ path: `${at}.pattern`, message: reason });
      }
    }
    errors.push(...boundErrors(field, at));
  });
  return errors;
}

function boundErrors(field: CustomField, at: string): FieldError[] {
  const bounds = (['min', 'max'] as const).filter((bound) => field[bound] !== undefined);
  if (!bounds.length) return [];
  if (field.type === 'string' || field.type === 'text') {
    const limit = TEXT_LENGTH[field.type];
    const wrong = bounds.filter((bound) => !Number.isInteger(field[bound]) || field[bound]! < 0 || field[bound]! > limit);
    if (wrong.length) return wrong.map((bound) => ({ path: `${at}.${bound}`, message: `is a length: a whole number from 0 to ${limit}` }));
  } else if (field.type !== 'number' && field.type !== 'integer') {
    return bounds.map((bound) => ({ path: `${at}.${bound}`, message: 'is only for numbers and texts (type number, integer, string or text)' }));
  }
  if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
    return [{ path: `${at}.max`, message: 'must not be smaller than min' }];
  }
  return [];
}

/**
 * Stored custom values after a body's `custom_fields`: given values replace, null
 * clears, and every other value stays — those of hidden or removed fields included.
 */
export function mergeCustomFields(stored: Record<string, unknown>, changes: Record<string, unknown> | undefined): Record<string, unknown> {
  const merged = { ...stored };
  for (const [name, value] of Object.entries(changes ?? {})) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}
