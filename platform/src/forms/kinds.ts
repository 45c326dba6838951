import type { FieldsDocument } from './custom-fields';

export type FormKindName = 'user' | 'rdv';

/** A fiche whose form the territory configures: the usager fiche and the RDV fiche. */
export interface FormKind {
  name: FormKindName;
  /** The configuration document that shapes it. */
  configKey: 'user_fields' | 'rdv_fields';
  /** Its standard fields (schemas/api/...); `custom_fields` receives the custom ones. */
  baseSchemaId: string;
  /** Names custom fields may not take besides the standard fields': the record's other keys in the API. */
  recordKeys: string[];
  /** Standard fields the document hides. */
  hiddenStandardFields(document: FieldsDocument): string[];
  /** Standard fields the public portal never shows. */
  agentOnlyFields: string[];
  /** Standard fields holding a phone number, checked with libphonenumber. */
  phoneFields: string[];
}

/** Keys that must never name a value, whatever the fiche (a Map: `__proto__` cannot be an object literal's key). */
const ALWAYS_RESERVED = new Map([
  ['id', 'it names the record'],
  ['__proto__', 'it is a JavaScript object key'],
  ['constructor', 'it is a JavaScript object key'],
  ['prototype', 'it is a JavaScript object key'],
]);

export const FORM_KINDS: Record<FormKindName, FormKind> = {
  user: {
    name: 'user',
    configKey: 'user_fields',
    baseSchemaId: 'api/user.json',
    recordKeys: ['organisation_ids', 'nonconformities', 'created_at', 'updated_at', 'deleted_at', 'anonymised_at'],
    hiddenStandardFields: (document) => document.hidden_standard_fields ?? [],
    agentOnlyFields: [],
    phoneFields: ['phone_number'],
  },
  rdv: {
    name: 'rdv',
    configKey: 'rdv_fields',
    baseSchemaId: 'api/rdv.fiche.json',
    // The rdv body's fields (API.md): a custom field named like them would be confused with them in templates and exports.
    recordKeys: ['motif_id', 'lieu_id', 'starts_at', 'ends_at', 'duration_in_min', 'agent_ids', 'user_ids', 'notify', 'force', 'name',
      'max_participants_count', 'status', 'participations', 'nonconformities', 'created_at', 'updated_at'],
    hiddenStandardFields: (document) => (document.context_enabled === false ? ['context'] : []),
    // Le contexte est « uniquement visible en interne ».
    agentOnlyFields: ['context'],
    phoneFields: [],
  },
};

export function formKindOfConfigKey(key: string): FormKind | undefined {
  return Object.values(FORM_KINDS).find((kind) => kind.configKey === key);
}

/** Every name a custom field of this fiche may not take, with the reason. */
export function reservedNames(kind: FormKind, standardFields: string[]): Map<string, string> {
  const reserved = new Map(ALWAYS_RESERVED);
  for (const name of standardFields) reserved.set(name, `it is a standard field of the ${kind.name === 'user' ? 'usager' : 'RDV'} fiche`);
  for (const name of kind.recordKeys) reserved.set(name, `it is a key of the ${kind.name === 'user' ? 'usager' : 'rdv'} in the API`);
  return reserved;
}
