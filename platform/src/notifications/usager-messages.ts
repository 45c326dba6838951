/**
 * The messages one notification event sends to usagers: per usager and per
 * channel the territory chose for the event (and the rdv's motif), either a
 * message to send or the reason it is not sent (no email address, a landline,
 * notifications turned off), which the receipt keeps.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { LogSink } from '../logging';
import type { Platform } from '../platform';
import { HttpClient } from '../plugins/http-client';
import type { Outgoing, Send } from './delivery';
import { channelsFor, httpSmsProviderConfig, notificationSettings, templateFor, type NotificationsDocument } from './document';
import { platformHost, platformMail, senderAddress } from './mail';
import { composeRdvEmail } from './mailer';
import { factsFor, type RdvSnapshot, type SnapshotUser } from './rdv-snapshot';
import { maskEmail, type ReceiptTarget } from './receipts';
import { maskPhoneNumber, normaliseSmsRecipient } from './sms';
import { HttpSmsProvider, LoggingSmsProvider, SMS_PROVIDER_MAX_TIMEOUT_MS, type SmsProvider } from './sms-providers';
import { renderSms, type NotificationChannel, type NotificationEvent } from './templates';

/** National numbers are read in the territory's own numbering plan: overseas territories have theirs. */
const COUNTRY_OF_ZONE: Record<string, CountryCode> = {
  'America/Cayenne': 'GF',
  'America/Guadeloupe': 'GP',
  'America/Martinique': 'MQ',
  'Indian/Reunion': 'RE',
  'Indian/Mayotte': 'YT',
  'America/Miquelon': 'PM',
  'Pacific/Noumea': 'NC',
  'Pacific/Tahiti': 'PF',
};

export interface UsagerNotice {
  /** What the message answers to, for its receipt key: `event:<outbox id>` or `reminder:<rdv>:<start>`. */
  source: string;
  event: NotificationEvent;
  snapshot: RdvSnapshot;
  recipients: Array<{ participationId: string; user: SnapshotUser }>;
  previousStartsAt: Date | null;
  document: NotificationsDocument;
  /** The usager's self-service link; minted when the message is composed (once its receipt is claimed). */
  manageUrl: (participationId: string) => Promise<string>;
  /** Where the logging SMS provider writes. */
  log: LogSink;
}

/**
 * The territory's SMS provider: its HTTP provider when configured, else the logging one.
 * The territory chooses the URL: it is reached through the same guard as plugins' requests.
 */
export function smsProviderOf(platform: Platform, document: NotificationsDocument, territoryId: string, log: LogSink): SmsProvider {
  const config = httpSmsProviderConfig(document.sms.provider, territoryId);
  if (!config) return new LoggingSmsProvider({ info: (message, fields) => log('info', message, fields) });
  const http = new HttpClient({ allowPrivateTargets: platform.config.allowPrivateWebhookTargets, maxTimeoutMs: SMS_PROVIDER_MAX_TIMEOUT_MS });
  return new HttpSmsProvider(config, http);
}

function target(notice: UsagerNotice, channel: NotificationChannel, user: SnapshotUser, recipient: string): ReceiptTarget {
  return {
    dedupeKey: `${notice.source}:${channel}:user:${user.id}`,
    rdvId: notice.snapshot.id,
    event: notice.event,
    channel,
    recipientType: 'user',
    recipientId: user.id,
    recipient,
  };
}

function emailOutgoing(platform: Platform, notice: UsagerNotice, participationId: string, user: SnapshotUser): Outgoing {
  if (!user.email) return { target: target(notice, 'email', user, '—'), skip: 'no email address' };
  const email = user.email;
  const to = target(notice, 'email', user, maskEmail(email));
  if (!user.notify_by_email) return { target: to, skip: 'the usager turned email notifications off' };
  const { snapshot, document } = notice;
  return {
    target: to,
    compose: async (): Promise<Send> => {
      const facts = factsFor(snapshot, user, await notice.manageUrl(participationId), notice.previousStartsAt);
      const message = composeRdvEmail({
        event: notice.event,
        template: templateFor(document, notice.event, 'email', snapshot.motif_id),
        facts,
        rdvId: snapshot.id,
        sequence: snapshot.sequence,
        host: platformHost(platform),
        from: senderAddress(platform, snapshot.organisation.name),
        to: { name: `${user.first_name} ${user.last_name}`.trim(), address: email },
        now: platform.clock.now(),
      });
      return () => platformMail(platform).send(message);
    },
  };
}

function smsOutgoing(notice: UsagerNotice, participationId: string, user: SnapshotUser, provider: () => SmsProvider): Outgoing {
  if (!user.phone_number) return { target: target(notice, 'sms', user, '—'), skip: 'no phone number' };
  let number: string;
  try {
    number = normaliseSmsRecipient(user.phone_number, 'phone_number', COUNTRY_OF_ZONE[notice.snapshot.timezone] ?? 'FR');
  } catch (error) {
    // The refusal names the number in full: the receipt keeps only what it is.
    const what = (error as Error).message.replace(/^.* is /, '');
    return { target: target(notice, 'sms', user, '—'), skip: what };
  }
  const to = target(notice, 'sms', user, maskPhoneNumber(number));
  if (!user.notify_by_sms) return { target: to, skip: 'the usager turned SMS notifications off' };
  const { snapshot, document } = notice;
  return {
    target: to,
    compose: async (): Promise<Send> => {
      const facts = factsFor(snapshot, user, await notice.manageUrl(participationId), notice.previousStartsAt);
      const { text } = renderSms(templateFor(document, notice.event, 'sms', snapshot.motif_id), facts, notificationSettings(document));
      return async () => ({ messageId: (await provider().send({ to: number, text })).providerMessageId });
    },
  };
}

export function usagerOutgoing(platform: Platform, notice: UsagerNotice): Outgoing[] {
  const channels = channelsFor(notice.document, notice.event, notice.snapshot.motif_id);
  let provider: SmsProvider | undefined;
  const sms = () => (provider ??= smsProviderOf(platform, notice.document, notice.snapshot.territory_id, notice.log));
  return notice.recipients.flatMap(({ participationId, user }) =>
    channels.map((channel) => (channel === 'email' ? emailOutgoing(platform, notice, participationId, user) : smsOutgoing(notice, participationId, user, sms))),
  );
}
