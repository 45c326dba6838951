import type { ErrorObject } from 'ajv/dist/2020';
import { createI18n } from 'vue-i18n';
import { fr } from './fr';

/** French first; another language is one more messages file with the same keys. */
export const i18n = createI18n({
  legacy: false,
  locale: 'fr',
  fallbackLocale: 'fr',
  messages: { fr },
  datetimeFormats: {
    fr: {
      date: { dateStyle: 'short' },
      long: { dateStyle: 'medium', timeStyle: 'short' },
    },
  },
});

const t = (key: string, values?: Record<string, unknown>) => i18n.global.t(key, values ?? {});

/** An Ajv error as a sentence for the user, from its keyword and parameters. */
export function validationMessage(error: ErrorObject): string {
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'required': return t('validation.required');
    case 'minLength': return params.limit === 1 ? t('validation.required') : t('validation.minLength', { limit: params.limit });
    case 'maxLength': return t('validation.maxLength', { limit: params.limit });
    case 'minimum': return t('validation.minimum', { limit: params.limit });
    case 'maximum': return t('validation.maximum', { limit: params.limit });
    case 'minItems': return t('validation.minItems', { limit: params.limit });
    case 'maxItems': return t('validation.maxItems', { limit: params.limit });
    case 'uniqueItems': return t('validation.uniqueItems');
    case 'type': return params.type === 'integer' ? t('validation.integer') : params.type === 'number' ? t('validation.number') : t('validation.invalid');
    case 'format': return t(`validation.format.${params.format}`, { format: params.format });
    case 'pattern': return params.pattern === '\\S' ? t('validation.blank') : t('validation.pattern');
    case 'enum':
    case 'oneOf': return t('validation.enum');
    case 'additionalProperties':
    case 'unevaluatedProperties': return t('validation.unknownField');
    default: return t('validation.invalid');
  }
}

/** The platform's field messages are English: the usual ones are said in French, others kept. */
const SERVER_MESSAGES: Record<string, string> = {
  'is required': 'validation.required',
  'is not a known field': 'validation.unknownField',
  'is already used': 'validation.alreadyUsed',
  'is already a member': 'validation.alreadyMember',
  'is not a service enabled in this territory': 'validation.serviceNotEnabled',
  'must not be shorter than the minimum delay': 'validation.maxDelayBelowMin',
  'is not a valid phone number': 'validation.phone',
  'Wrong email or password': 'errors.wrongCredentials',
  'An organisation keeps at least one admin': 'errors.lastAdmin',
  'You cannot remove yourself': 'errors.removeYourself',
  'This invitation was already used: sign in instead': 'errors.invitationUsed',
  'This invitation has expired: ask for a new one': 'errors.invitationExpired',
  'This agent already belongs to the organisation': 'errors.alreadyMember',
  'This email belongs to an agent of another territory': 'errors.otherTerritory',
};

/** The French sentence for a message the platform sends in English, when it is a known one. */
export function knownServerMessage(message: string | undefined): string | undefined {
  const key = message ? SERVER_MESSAGES[message] : undefined;
  return key ? t(key) : undefined;
}

export function serverMessage(message: string): string {
  return knownServerMessage(message) ?? message;
}
