import type { ValidateFunction } from 'ajv/dist/2020';
import { AppError } from '../errors';
import { createAjv, JsonSchema, toFieldErrors } from '../http/schemas';

const ajv = createAjv();

/** A validator for a plugin route's body; partial: nothing required (PATCH). */
export function compileBody(schema: JsonSchema, partial: boolean): (body: unknown) => void {
  const { $id: _id, $schema: _dialect, ...body } = schema;
  let validate: ValidateFunction;
  if (partial) {
    const { required: _required, ...optional } = body;
    validate = ajv.compile({ ...optional, minProperties: 1 });
  } else {
    validate = ajv.compile(body);
  }
  return (value) => {
    if (!validate(value)) throw AppError.invalid('The request body is invalid', toFieldErrors(validate.errors));
  };
}
