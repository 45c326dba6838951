import type { SchemaError } from './forms/schemas';

/** What the message needs of vue-i18n (the app's global composer). */
export interface Translator {
  t(key: string, values?: Record<string, unknown>): string;
  te(key: string): boolean;
}

/** The `validation.*` message that says a broken rule: its keyword's, unless its parameters say more. */
function messageKey(error: Pick<SchemaError, 'keyword' | 'params'>): string {
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'minLength': return params.limit === 1 ? 'required' : 'minLength';
    case 'type': return params.type; // `integer`, `number`; no UI words the other types
    case 'format': return `format.${params.format}`;
    case 'pattern': return params.pattern === '\\S' ? 'blank' : 'pattern';
    case 'oneOf': return 'enum';
    case 'additionalProperties':
    case 'unevaluatedProperties': return 'unknownField';
    default: return error.keyword;
  }
}

/** A broken rule as a sentence for the user (`{limit}` and the like from its parameters); a rule the UI has no words for is an invalid value. */
export function schemaErrorMessage(error: Pick<SchemaError, 'keyword' | 'params'>, i18n: Translator): string {
  const key = `validation.${messageKey(error)}`;
  return i18n.te(key) ? i18n.t(key, error.params) : i18n.t('validation.invalid');
}
