import { customFieldSchema, type CustomField } from '../../../platform/src/forms/custom-fields';
import type { JsonSchema, SchemaRegistry } from './schemas';

export interface FieldsDraft {
  fields: CustomField[];
  hidden_standard_fields?: string[];
}

/**
 * The fiche a fields document being edited would give, to preview it before saving:
 * the platform's standard fields (`api/user.json`, ...) minus the hidden ones, then the
 * custom fields, each shaped by the platform's own `customFieldSchema`. Once saved,
 * `GET /api/v1/forms/...` is the authority (and validates the records).
 */
export function previewFiche(registry: SchemaRegistry, baseId: string, draft: FieldsDraft, hidden: string[]) {
  const base = registry.get(baseId);
  const standard = Object.keys(base.properties).filter((name) => name !== 'custom_fields' && !hidden.includes(name));
  const custom = draft.fields.filter((field) => /^[a-z][a-z0-9_]*$/.test(field.name));
  const requiredCustom = custom.filter((field) => field.required).map((field) => field.name);
  const schema: JsonSchema = {
    $id: base.$id,
    type: 'object',
    properties: {
      ...Object.fromEntries(standard.map((name) => [name, base.properties[name]])),
      custom_fields: { type: 'object', properties: Object.fromEntries(custom.map((field) => [field.name, customFieldSchema(field)])), required: requiredCustom },
    },
    required: [...(base.required ?? []).filter((name: string) => standard.includes(name)), ...(requiredCustom.length ? ['custom_fields'] : [])],
  };
  const uischema: JsonSchema = {
    type: 'VerticalLayout',
    elements: [
      ...standard.map((name) => ({ type: 'Control', scope: `#/properties/${name}`, label: base.properties[name].title ?? name })),
      ...custom.map((field) => ({
        type: 'Control', scope: `#/properties/custom_fields/properties/${field.name}`, label: field.label || field.name,
        ...(field.type === 'text' ? { options: { multi: true } } : {}),
      })),
    ],
  };
  return { schema, uischema };
}
