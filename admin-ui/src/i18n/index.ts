import type { SchemaError } from '@shared/forms/schemas';
import { schemaErrorMessage } from '@shared/validation';
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

/** A broken rule of a form's schema as a sentence for the user. */
export const validationMessage = (error: SchemaError) => schemaErrorMessage(error, i18n.global);

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
  'Your territory asks its agents to sign in with ProConnect': 'proconnect.required',
  'Your territory asks its agents to sign in with ProConnect: sign in with ProConnect to accept this invitation': 'proconnect.requiredForInvitation',
  'ProConnect does not answer: try again later': 'proconnect.unavailable',
  'An organisation keeps at least one admin': 'errors.lastAdmin',
  'You cannot remove yourself': 'errors.removeYourself',
  'This invitation was already used: sign in instead': 'errors.invitationUsed',
  'This invitation has expired: ask for a new one': 'errors.invitationExpired',
  'This agent already belongs to the organisation': 'errors.alreadyMember',
  'This email belongs to an agent of another territory': 'errors.otherTerritory',
  'is not your current password': 'account.wrongCurrent',
  'This link was already used: ask for a new one': 'resetPassword.errors.used',
  'This link has expired: ask for a new one': 'resetPassword.errors.expired',
  'This invitation was withdrawn: ask for a new one': 'agentInvitation.withdrawn',
  'This agent already chose a password: there is no invitation to send': 'agentInvitation.alreadyJoined',
  'a closure covers at most 366 days': 'closures.errors.tooLong',
  'is not a lieu of this organisation': 'closures.errors.otherLieu',
  "the period holds none of the reference week's days": 'referenceWeeks.errors.emptyPeriod',
  'is not a motif of this organisation that plages can hold': 'referenceWeeks.errors.motifNotForPlages',
  'must be after start_time': 'agenda.errors.endBeforeStart',
  'must not be before first_day': 'agenda.errors.beforeFirstDay',
  'is not a day of this plage': 'agenda.errors.notADay',
  'is the only day of this plage: change the plage itself': 'agenda.errors.onlyDay',
  'cannot be fewer than the seats already taken': 'rdvFiche.errors.fewerSeats',
  'no seat left': 'rdvFiche.errors.noSeatLeft',
  "is not a motif of the agent's services": 'agenda.errors.motifOfOtherService',
  'The rdv needs your explicit confirmation (force: true)': 'booking.errors.needsForce',
  "This time is no longer free in the agent's agenda: another rdv took it": 'booking.errors.taken',
  'is taken by another rdv': 'booking.errors.takenShort',
  "is outside the agent's plages d'ouverture for this motif and lieu (or the lieu is closed then)": 'booking.errors.outsidePlage',
  "is sooner than the motif's minimum booking delay": 'booking.errors.tooSoon',
  "is past the motif's booking horizon": 'booking.errors.tooLate',
  'falls on a public holiday': 'booking.errors.closure',
  'overlaps an absence of the agent': 'booking.errors.absence',
  'overlaps another rdv of the agent': 'booking.errors.overlappingRdv',
  'needs a phone number: the agent calls the usager': 'booking.errors.needsPhone',
  'needs an email or a mobile number to receive the visio link': 'booking.errors.needsVisioContact',
  'Someone else changed this rdv meanwhile: reload it, then make your change again': 'rdvFiche.errors.stale',
  'no email address': 'rdvFiche.errors.noEmail',
  'no phone number': 'rdvFiche.errors.noPhone',
  'the usager turned email notifications off': 'rdvFiche.errors.emailsOff',
  'the usager turned SMS notifications off': 'rdvFiche.errors.smsOff',
};

/** The French sentence for a message the platform sends in English, when it is a known one. */
export function knownServerMessage(message: string | undefined): string | undefined {
  const key = message ? SERVER_MESSAGES[message] : undefined;
  return key ? t(key) : undefined;
}

export function serverMessage(message: string): string {
  return knownServerMessage(message) ?? message;
}
