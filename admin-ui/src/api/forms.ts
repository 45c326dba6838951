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
