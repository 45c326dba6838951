/**
 * The emails that carry a one-time code: the confirmation of an online booking
 * (the créneau is held until the code comes back) and the verification of an
 * usager's account. They always go by email, whatever the territory's channels:
 * the booking or the account waits for them.
 */
import { DateTime } from 'luxon';
import type { Platform } from '../platform';
import { senderAddress, shortEmailParts } from './mail';
import type { MailMessage } from './mailer';

function frenchTime(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).setLocale('fr').toFormat("HH'h'mm");
}

/** A short French email: greeting, paragraphs and at most one link, from the platform under the sender's name. */
export function plainEmail(platform: Platform, to: string, sender: string, subject: string, paragraphs: string[], link: { label: string; url: string } | null): MailMessage {
  return { from: senderAddress(platform, sender), to: { address: to }, subject, ...shortEmailParts({ greeting: 'Bonjour,', paragraphs, link }) };
}

export interface HoldPayload {
  email: string;
  code: string;
  confirm_url: string;
  expires_at: string;
}

/** The code that confirms an online booking, and the link that fills it in. */
export function holdCodeEmail(platform: Platform, hold: HoldPayload, organisationName: string, timezone: string): MailMessage {
  return plainEmail(
    platform,
    hold.email,
    organisationName,
    `${hold.code} : votre code pour confirmer le rendez-vous`,
    [
      `Votre code de confirmation est ${hold.code}.`,
      `Le créneau vous est réservé jusqu'à ${frenchTime(hold.expires_at, timezone)} : saisissez ce code pour confirmer votre rendez-vous auprès de ${organisationName}.`,
      "Si vous n'avez pas demandé de rendez-vous, ignorez cet e-mail.",
    ],
    { label: 'Confirmer le rendez-vous', url: hold.confirm_url },
  );
}

export interface AccountPayload {
  email: string;
  first_name: string;
  code: string;
  expires_at: string;
}

/** The code that verifies an usager's account. */
export function accountCodeEmail(platform: Platform, account: AccountPayload, organisationName: string, timezone: string): MailMessage {
  return plainEmail(
    platform,
    account.email,
    organisationName,
    `${account.code} : votre code pour activer votre compte`,
    [
      `Votre code de vérification est ${account.code} ; il est valable jusqu'à ${frenchTime(account.expires_at, timezone)}.`,
      "Si vous n'avez pas créé de compte, ignorez cet e-mail.",
    ],
    null,
  );
}
