import fs from 'node:fs';
import path from 'node:path';
import { ValidateFunction } from 'ajv/dist/2020';
import { AppError } from '../errors';
import { ROOT_DIR } from '../paths';
import { createAjv, toFieldErrors } from './ajv';

export { createAjv, toFieldErrors };

export const SCHEMAS_DIR = path.join(ROOT_DIR, 'schemas');

export type JsonSchema = Record<string, unknown> & { $id?: string };

/** Reads every `schemas/**\/*.json` file; its `$id` is its path below schemas/ (`api/motif.json`). */
function readSchemaFiles(dir = SCHEMAS_DIR): JsonSchema[] {
  const schemas: JsonSchema[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) schemas.push(...readSchemaFiles(full));
    else if (entry.name.endsWith('.json')) {
      const schema = JSON.parse(fs.readFileSync(full, 'utf8')) as JsonSchema;
      const expectedId = path.relative(SCHEMAS_DIR, full).split(path.sep).join('/');
      if (schema.$id !== expectedId) throw new Error(`${full}: $id must be "${expectedId}"`);
      schemas.push(schema);
    }
  }
  return schemas;
}

/**
 * The schemas of `schemas/`, compiled once. API bodies are validated here;
 * the OpenAPI document and the UIs read the same files.
 */
export class SchemaRegistry {
  readonly ajv = createAjv();
  readonly schemas = new Map<string, JsonSchema>();
  private readonly partials = new Map<string, ValidateFunction>();

  constructor(schemas: JsonSchema[] = readSchemaFiles()) {
    for (const schema of schemas) {
      this.ajv.addSchema(schema);
      this.schemas.set(schema.$id!, schema);
    }
  }

  get(id: string): JsonSchema {
    const schema = this.schemas.get(id);
    if (!schema) throw new Error(`Unknown schema ${id}`);
    return schema;
  }

  /** Validates `value`; throws AppError(invalid) with every field error. */
  validate<T>(id: string, value: unknown, options: { partial?: boolean } = {}): T {
    const validator = options.partial ? this.partialValidator(id) : this.validator(id);
    if (!validator(value)) throw AppError.invalid('The request body is invalid', toFieldErrors(validator.errors));
    return value as T;
  }

  private validator(id: string): ValidateFunction {
    const validator = this.ajv.getSchema(id);
    if (!validator) throw new Error(`Unknown schema ${id}`);
    return validator;
  }

  /** The same schema with nothing required: PATCH bodies. */
  private partialValidator(id: string): ValidateFunction {
    let validator = this.partials.get(id);
    if (!validator) {
      validator = this.ajv.compile(partialOf(this.get(id)));
      this.partials.set(id, validator);
    }
    return validator;
  }
}

export function partialOf(schema: JsonSchema): JsonSchema {
  const { required: _required, $id, ...rest } = schema;
  return { ...rest, $id: `${$id}#partial`.replace('.json#partial', '.partial.json'), minProperties: 1 };
}
