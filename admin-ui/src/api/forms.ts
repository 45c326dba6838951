import { appliesToMotif } from '@shared/forms/fields';
import { api } from './client';
import type { JsonSchema } from './schemas';

/** The territory's effective form of a fiche (`GET /api/v1/forms/user|rdv`): JSON Schema and UI schema. */
export interface FicheForm {
  version: number;
  schema: JsonSchema;
  ui_schema: JsonSchema;
}

export function loadForm(kind: 'user' | 'rdv'): Promise<FicheForm> {
  return api.get<FicheForm>(`/api/v1/forms/${kind}`);
}

/** A field of the usager fiche that a motif asks for in particular. */
export interface MotifUserField {
  name: string;
  label: string;
  schema: JsonSchema;
}

/** The usager fiche's custom fields meant for rdvs of this motif category only (none without a category). */
export function motifUserFields(form: FicheForm, category: string | null | undefined): MotifUserField[] {
  if (!category) return [];
  const custom: Record<string, JsonSchema> = form.schema.properties?.custom_fields?.properties ?? {};
  return Object.entries(custom)
    .filter(([, property]) => Array.isArray(property['x-motif-categories']) && appliesToMotif(property, category))
    .map(([name, property]) => ({ name, label: typeof property.title === 'string' ? property.title : name, schema: property }));
}
