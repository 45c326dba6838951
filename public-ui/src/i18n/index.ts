import type { SchemaError } from '@shared/forms/schemas';
import { schemaErrorMessage } from '@shared/validation';
import { createI18n } from 'vue-i18n';
import { fr } from './fr';

/** French first; another language is one more messages file with the same keys. */
export const i18n = createI18n({ legacy: false, locale: 'fr', fallbackLocale: 'fr', messages: { fr } });

const t = (key: string, values?: Record<string, unknown>) => i18n.global.t(key, values ?? {});

/** A broken rule of a form's schema as a sentence for the usager. */
export const validationMessage = (error: SchemaError) => schemaErrorMessage(error, i18n.global);

/**
 * The platform speaks English; the sentences an usager may meet are said in French
 * here (by the platform's exact text, or its start when it ends with a number),
 * others are shown as they come.
 */
const SERVER_MESSAGES: [RegExp, string][] = [
  [/^is required$/, 'validation.required'],
  [/^is required: the booking is confirmed by a code/, 'server.emailForCode'],
  [/^is not a valid phone number$/, 'validation.format.phone'],
  [/^needs a phone number: the agent calls/, 'server.phoneForCall'],
  [/^needs an email or a mobile number/, 'server.contactForVisio'],
  [/^Too many wrong attempts/, 'server.tooManyAttempts'],
  [/^This booking was already confirmed/, 'server.alreadyConfirmed'],
  [/^This booking expired/, 'server.holdExpired'],
  [/^This link has expired/, 'manage.over'],
  [/^This rdv is already cancelled$/, 'manage.cancelRefusal.already_cancelled'],
  [/^This rdv cannot be cancelled online/, 'manage.cancelRefusal.not_cancellable_online'],
  [/^This rdv cannot be moved online/, 'manage.moveRefusal.not_movable_online'],
  [/^An rdv booked by an agent is moved by the organisation/, 'manage.moveRefusal.booked_by_agent'],
  [/^It is too late to do this online/, 'server.tooLate'],
  [/^is not a créneau of this motif/, 'server.notACreneau'],
  [/^is certified by FranceConnect/, 'franceconnect.certified'],
  [/^FranceConnect does not answer/, 'franceconnect.unavailable'],
  [/^FranceConnect did not confirm the sign-in/, 'franceconnect.failed'],
  [/^This sign-in (is unknown|took too long)/, 'franceconnect.failed'],
  [/^is required to open an account/, 'franceconnect.needsOrganisation'],
  [/^belongs to another FranceConnect identity/, 'franceconnect.otherIdentity'],
  [/^Wrong email or password/, 'espace.wrongCredentials'],
];

export function serverText(message: string | undefined): string {
  if (!message) return '';
  const known = SERVER_MESSAGES.find(([pattern]) => pattern.test(message));
  return known ? t(known[1]) : message;
}
