import { fieldsOf, FieldSpec, messagesByPath } from '@shared/forms/fields';
import { JsonSchema, SchemaRegistry } from '@shared/forms/schemas';
import common from '../../../schemas/api/common.json';
import onlineBooking from '../../../schemas/api/public.rdv.json';
import { publicApi } from '../api/public';
import { validationMessage } from '../i18n';

/** One identity form of a booking: its fields, and its schema's verdict on a body (a message per field path). */
export interface BookingForm {
  fields: FieldSpec[];
  validate(body: Record<string, unknown>): Record<string, string>;
}

/** What an online booking asks: the usager's identity (the territory's public form) and, for a prescripteur, theirs. */
export interface BookingForms {
  user: BookingForm;
  prescripteur: BookingForm;
}

function bookingForm(registry: SchemaRegistry, schema: string | JsonSchema, uischema?: JsonSchema): BookingForm {
  return {
    fields: fieldsOf(registry, schema, uischema),
    validate: (body) => messagesByPath(registry.validate(schema, body), validationMessage),
  };
}

/**
 * The prescripteur's identity is a part of the booking body's schema, bundled from
 * schemas/ at build time (it is the same for every territory); the usager's form
 * is the territory's, fetched.
 */
export async function loadBookingForms(slug: string): Promise<BookingForms> {
  const form = await publicApi.userForm(slug);
  const registry = new SchemaRegistry([common, onlineBooking]);
  return {
    user: bookingForm(registry, form.schema, form.ui_schema),
    prescripteur: bookingForm(registry, 'api/public.rdv.json#/properties/prescripteur'),
  };
}

/** Values by field path, as the inputs hold them (the portal keeps them flat, in the booking store). */
export type FieldValues = Record<string, unknown>;

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
