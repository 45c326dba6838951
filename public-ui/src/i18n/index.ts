import type { ErrorObject } from 'ajv/dist/2020';
import { createI18n } from 'vue-i18n';
import { fr } from './fr';

/** French first; another language is one more messages file with the same keys. */
export const i18n = createI18n({ legacy: false, locale: 'fr', fallbackLocale: 'fr', messages: { fr } });

const t = (key: string, values?: Record<string, unknown>) => i18n.global.t(key, values ?? {});

/** An Ajv error as a sentence for the usager, from its keyword and parameters. */
export function validationMessage(error: ErrorObject): string {
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'required': return t('validation.required');
    case 'minLength': return params.limit === 1 ? t('validation.required') : t('validation.minLength', { limit: params.limit });
    case 'maxLength': return t('validation.maxLength', { limit: params.limit });
    case 'minimum': return t('validation.minimum', { limit: params.limit });
    case 'maximum': return t('validation.maximum', { limit: params.limit });
    case 'type': return params.type === 'integer' ? t('validation.integer') : params.type === 'number' ? t('validation.number') : t('validation.invalid');
    case 'format': return i18n.global.te(`validation.format.${params.format}`) ? t(`validation.format.${params.format}`) : t('validation.invalid');
    case 'pattern': return params.pattern === '\\S' ? t('validation.required') : t('validation.pattern');
    case 'enum':
    case 'oneOf': return t('validation.enum');
    default: return t('validation.invalid');
  }
}

/**
 * The platform speaks English; the sentences an usager may meet are said in French
 * here (by the platform's exact text), others are shown as they come.
 */
const SERVER_MESSAGES: Record<string, string> = {
  'is required': 'validation.required',
  'is not a valid email address': 'validation.format.email',
  'is not a valid phone number': 'validation.format.phone',
};

export function serverText(message: string | undefined): string {
  if (!message) return '';
  const key = SERVER_MESSAGES[message];
  return key ? t(key) : message;
}
