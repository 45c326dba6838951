import type Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
import { AppError, FieldError } from '../errors';
import { JsonSchema, toFieldErrors } from '../http/schemas';
import { DeclaredPluginField, normalizedValue, pluginFieldSchema } from '../plugins/fields';
import { CustomField, customFieldSchema, FieldsDocument, PHONE_PATTERN } from './custom-fields';
import type { FormKind } from './kinds';
import { parseFrenchPhone } from './phone';

export type Audience = 'agent' | 'public';

export interface UiControl {
  type: 'Control';
  scope: string;
  label: string;
  options?: { multi: true };
}

/** A JSON Forms UI schema: the fields in order, each with its label. */
export interface UiSchema {
  type: 'VerticalLayout';
  elements: UiControl[];
}

/** Values of a fiche: standard fields, and custom ones in the `custom_fields` object. */
export type FicheValues = Record<string, unknown>;

export interface ValidateOptions {
  /** PATCH: nothing required. */
  partial?: boolean;
  audience?: Audience;
}

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';
const PHONE_SHAPE = new RegExp(PHONE_PATTERN);
/** Standard texts longer than a line (common.json's long_text) get a multi-line input. */
const MULTILINE_FROM_LENGTH = 1000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The form of one fiche in one territory at one configuration version: the
 * standard fields minus the hidden ones, plus the custom fields, then the fields
 * of the plugins on in the territory (in `custom_fields` too, never required).
 * The same schema is served to the UIs (GET /api/v1/forms/...) and validates the
 * API's bodies. Instances are immutable and cached per (territory, versions).
 */
export class EffectiveForm {
  private readonly hidden: Set<string>;
  private readonly schemas = new Map<string, JsonSchema>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(
    readonly kind: FormKind,
    readonly version: number,
    readonly document: FieldsDocument,
    /** The kind's base schema, standalone (forms/inline-refs.ts). */
    private readonly base: JsonSchema,
    private readonly ajv: Ajv2020,
    readonly pluginFields: DeclaredPluginField[] = [],
  ) {
    this.hidden = new Set(kind.hiddenStandardFields(document));
  }

  get customFields(): CustomField[] {
    return this.document.fields;
  }

  /** Standard field names shown to the audience, in the base schema's order (custom_fields excluded). */
  standardFields(audience: Audience = 'agent'): string[] {
    return Object.keys(this.base.properties as object).filter(
      (name) => name !== 'custom_fields' && !this.hidden.has(name) && (audience === 'agent' || !this.kind.agentOnlyFields.includes(name)),
    );
  }

  customFieldsFor(audience: Audience = 'agent'): CustomField[] {
    return this.document.fields.filter((field) => audience === 'agent' || field.public);
  }

  pluginFieldsFor(audience: Audience = 'agent'): DeclaredPluginField[] {
    return this.pluginFields.filter(({ field }) => audience === 'agent' || field.public);
  }

  /** Names of the values the audience may give in `custom_fields`: the territory's fields, then the plugins'. */
  private customNames(audience: Audience): string[] {
    return [...this.customFieldsFor(audience).map((field) => field.name), ...this.pluginFieldsFor(audience).map(({ field }) => field.name)];
  }

  /** The effective JSON Schema (2020-12); `partial` for PATCH bodies. */
  schema(audience: Audience = 'agent', partial = false): JsonSchema {
    const key = `${audience}/${partial}`;
    let schema = this.schemas.get(key);
    if (!schema) {
      schema = this.buildSchema(audience, partial);
      this.schemas.set(key, schema);
    }
    return schema;
  }

  uiSchema(audience: Audience = 'agent'): UiSchema {
    const properties = this.base.properties as Record<string, JsonSchema>;
    const standard = this.standardFields(audience).map((name): UiControl => {
      const maxLength = properties[name].maxLength as number | undefined;
      return control(`#/properties/${name}`, (properties[name].title as string | undefined) ?? name, (maxLength ?? 0) >= MULTILINE_FROM_LENGTH);
    });
    const custom = this.customFieldsFor(audience).map((field) =>
      control(`#/properties/custom_fields/properties/${field.name}`, field.label, field.type === 'text'));
    const plugins = this.pluginFieldsFor(audience).map(({ field }) => control(`#/properties/custom_fields/properties/${field.name}`, field.label, false));
    return { type: 'VerticalLayout', elements: [...standard, ...custom, ...plugins] };
  }

  /**
   * Validates a body against the effective schema; throws AppError(invalid) with
   * every field error. In `custom_fields`, null clears a value (refused for a
   * required field). Answers the body with its plugin fields normalized, as stored.
   */
  validate<T extends FicheValues>(body: T, options: ValidateOptions = {}): T {
    const errors = this.errors(body, options);
    if (errors.length) throw AppError.invalid('The request body is invalid', errors);
    return this.normalized(body);
  }

  /** A valid body with each plugin field's value through the plugin's `normalize` (upper-cased numbers...). */
  normalized<T extends FicheValues>(body: T): T {
    if (!isObject(body.custom_fields) || !this.pluginFields.length) return body;
    const values = { ...body.custom_fields };
    for (const { field } of this.pluginFields) {
      if (field.name in values) values[field.name] = normalizedValue(field, values[field.name]);
    }
    return { ...body, custom_fields: values };
  }

  /** Field errors of a body (empty when it conforms). */
  errors(body: FicheValues, options: ValidateOptions = {}): FieldError[] {
    const audience = options.audience ?? 'agent';
    const errors: FieldError[] = [];
    const given = isObject(body.custom_fields) ? body.custom_fields : undefined;
    const values: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(given ?? {})) {
      if (value !== null) {
        values[name] = value;
        continue;
      }
      const field = this.customFieldsFor(audience).find((candidate) => candidate.name === name);
      if (!field && !this.customNames(audience).includes(name)) errors.push({ path: `custom_fields.${name}`, message: 'is not a known field' });
      else if (field?.required) errors.push({ path: `custom_fields.${name}`, message: 'is required' });
    }
    // Required custom fields are reported one by one even when custom_fields is left out.
    const candidate = body.custom_fields === undefined && options.partial ? body : { ...body, custom_fields: given ? values : body.custom_fields ?? {} };
    const validator = this.validator(audience, options.partial ?? false);
    if (!validator(candidate)) errors.push(...toFieldErrors(validator.errors));
    errors.push(...this.phoneErrors(body, audience));
    return errors.filter((error, index) => errors.findIndex((e) => e.path === error.path && e.message === error.message) === index);
  }

  /**
   * What the audience sees of a stored record: hidden standard fields and values
   * of fields no longer defined are left out (they stay stored and come back
   * with their field).
   */
  visible(record: FicheValues, audience: Audience = 'agent'): FicheValues {
    const visible: FicheValues = {};
    for (const name of this.standardFields(audience)) visible[name] = record[name] ?? null;
    const stored = isObject(record.custom_fields) ? record.custom_fields : {};
    const custom: Record<string, unknown> = {};
    for (const name of this.customNames(audience)) {
      if (stored[name] !== undefined) custom[name] = stored[name];
    }
    visible.custom_fields = custom;
    return visible;
  }

  /**
   * How a stored record fails the current form (a required field added since, a
   * value of a field whose type changed...): empty when it conforms.
   */
  nonconformities(record: FicheValues): FieldError[] {
    return this.errors(this.visible(record));
  }

  /** Compiles every variant now: a document whose schema does not compile is refused when saved. */
  compileAll(): void {
    for (const audience of ['agent', 'public'] as const) {
      for (const partial of [false, true]) this.validator(audience, partial);
    }
  }

  /** Frees the compiled validators (the form left the cache). */
  release(): void {
    for (const schema of this.schemas.values()) this.ajv.removeSchema(schema);
    this.validators.clear();
  }

  private validator(audience: Audience, partial: boolean): ValidateFunction {
    const key = `${audience}/${partial}`;
    let validator = this.validators.get(key);
    if (!validator) {
      validator = this.ajv.compile(this.schema(audience, partial));
      this.validators.set(key, validator);
    }
    return validator;
  }

  private buildSchema(audience: Audience, partial: boolean): JsonSchema {
    const baseProperties = this.base.properties as Record<string, JsonSchema>;
    const properties: Record<string, JsonSchema> = {};
    for (const name of this.standardFields(audience)) properties[name] = baseProperties[name];
    const custom = this.customFieldsFor(audience);
    const requiredCustom = partial ? [] : custom.filter((field) => field.required).map((field) => field.name);
    properties.custom_fields = {
      ...baseProperties.custom_fields,
      type: 'object',
      properties: Object.fromEntries([
        ...custom.map((field): [string, JsonSchema] => [field.name, customFieldSchema(field)]),
        ...this.pluginFieldsFor(audience).map((declared): [string, JsonSchema] => [declared.field.name, pluginFieldSchema(declared)]),
      ]),
      ...(requiredCustom.length ? { required: requiredCustom } : {}),
      additionalProperties: false,
    };
    const required = partial ? [] : [
      ...((this.base.required as string[] | undefined) ?? []).filter((name) => name in properties),
      ...(requiredCustom.length ? ['custom_fields'] : []),
    ];
    return {
      $schema: DRAFT_2020,
      title: this.base.title,
      type: 'object',
      properties,
      ...(required.length ? { required } : {}),
      additionalProperties: false,
    };
  }

  private phoneErrors(body: FicheValues, audience: Audience): FieldError[] {
    const phones: [string, unknown][] = [
      ...this.kind.phoneFields.filter((name) => this.standardFields(audience).includes(name)).map((name): [string, unknown] => [name, body[name]]),
      ...this.customFieldsFor(audience).filter((field) => field.type === 'phone')
        .map((field): [string, unknown] => [`custom_fields.${field.name}`, isObject(body.custom_fields) ? body.custom_fields[field.name] : undefined]),
    ];
    return phones
      // A value of the wrong shape already has its schema error.
      .filter(([, value]) => typeof value === 'string' && PHONE_SHAPE.test(value) && !parseFrenchPhone(value))
      .map(([path]) => ({ path, message: 'is not a valid phone number' }));
  }
}

function control(scope: string, label: string, multi: boolean): UiControl {
  return { type: 'Control', scope, label, ...(multi ? { options: { multi: true as const } } : {}) };
}
