import Ajv2020, { ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { FieldError } from '../errors';

/*
 * Validation shared by the server and the admin UI (which imports this file): the same
 * Ajv settings and the same field paths, so a shape is checked alike on both sides and
 * an error lands on the same input. Keep it free of Node-only imports.
 */

export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  // Annotations of plugin fields in territories' forms (plugins/fields.ts): known, so strict mode accepts them.
  ajv.addVocabulary(['x-plugin', 'x-motif-categories']);
  return ajv;
}

/**
 * Where an Ajv error belongs, as a dotted field path (`custom_fields.nir`, `fields.2.name`);
 * undefined for errors reported by an enclosing keyword.
 */
export function fieldErrorPath(error: ErrorObject): string | undefined {
  if (error.keyword === 'const') return undefined; // reported once by the enclosing oneOf
  const segments = error.instancePath.split('/').slice(1).map(unescapePointer);
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'if') return undefined; // its failing then/else reports at the field
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    segments.push(String(error.params.additionalProperty ?? error.params.unevaluatedProperty));
  }
  return segments.join('.');
}

function englishMessage(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required': return 'is required';
    case 'additionalProperties':
    case 'unevaluatedProperties': return 'is not a known field';
    case 'enum': return `must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}`;
    case 'oneOf': return 'is not one of the allowed values';
    default: return error.message ?? 'is invalid';
  }
}

/** Ajv's errors as field errors: dotted paths, unknown fields named, duplicates dropped. */
export function toFieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors ?? []) {
    const path = fieldErrorPath(error);
    if (path === undefined) continue;
    const entry = { path, message: englishMessage(error) };
    if (!result.some((e) => e.path === entry.path && e.message === entry.message)) result.push(entry);
  }
  return result;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
