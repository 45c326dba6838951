/**
 * Sending email: a message made of a text part, an HTML part and, for rdv
 * emails, the iCalendar file (as a `text/calendar; method=...` alternative that
 * calendar clients act on, and as an .ics attachment for the others).
 * Two transports: SMTP when SMTP_URL is set, otherwise an in-memory dev mailbox
 * that keeps the real MIME text of the last messages for developers to read.
 */
import nodemailer, { type Mail } from 'nodemailer';
import { AppError } from '../errors';
import { buildRdvCalendar, calendarMethodFor, type CalendarMethod } from './ical';
import type { RdvNotificationFacts } from './merge-fields';
import { renderEmail, type EmailTemplate, type NotificationEvent } from './templates';

export interface MailAddress {
  name?: string;
  address: string;
}

export interface MailMessage {
  from: MailAddress;
  to: MailAddress;
  replyTo?: MailAddress | null;
  subject: string;
  text: string;
  html: string;
  calendar?: { method: CalendarMethod; content: string } | null;
}

export interface MailTransport {
  send(message: MailMessage): Promise<{ messageId: string }>;
}

/** The message as nodemailer composes it (address names and subject are MIME-encoded there). */
export function toNodemailerMessage(message: MailMessage): Mail.Options {
  return {
    from: message.from,
    to: message.to,
    replyTo: message.replyTo ?? undefined,
    subject: message.subject,
    text: message.text,
    html: message.html,
    icalEvent: message.calendar
      ? {
          method: message.calendar.method,
          content: message.calendar.content,
          filename: message.calendar.method === 'CANCEL' ? 'annulation.ics' : 'rendez-vous.ics',
        }
      : undefined,
  };
}

export interface SmtpTimeouts {
  /** To open the TCP (or TLS) connection. */
  connectionTimeoutMs: number;
  /** For the server's greeting once connected. */
  greetingTimeoutMs: number;
  /** Of silence during the exchange. */
  socketTimeoutMs: number;
}

/** Nodemailer waits up to 2 and 10 minutes by default; a queue worker should hand the job back sooner. */
export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = {
  connectionTimeoutMs: 10_000,
  greetingTimeoutMs: 10_000,
  socketTimeoutMs: 30_000,
};

interface NodemailerFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  permanent?: boolean;
  message?: string;
}

/**
 * A refusal for good of this message or recipient (5xx) is `invalid`: sending it
 * again will not help. Anything else (4xx, timeouts, connection or login
 * problems) is `unavailable`: the queue may try again later.
 */
function smtpFailure(error: unknown): AppError {
  const failure = (error ?? {}) as NodemailerFailure;
  const reply = failure.response ?? failure.message ?? String(error);
  const aboutTheMessage = failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE';
  if (failure.permanent === true && aboutTheMessage) {
    return AppError.invalid(`The SMTP server refused the message: ${reply}`, [{ path: 'to', message: reply }]);
  }
  if (failure.code === 'ETIMEDOUT') {
    return new AppError('unavailable', `The SMTP server did not answer in time: ${reply}`);
  }
  return new AppError('unavailable', `The SMTP server could not take the message (${failure.code ?? 'error'}): ${reply}`);
}

/** Connections to the SMTP server kept open at most, per process. */
const SMTP_POOL_CONNECTIONS = 5;

export class SmtpMailTransport implements MailTransport {
  private readonly transporter: Mail;

  /** `smtpUrl`: smtp://user:pass@host:587 or smtps://... (nodemailer's connection URL). */
  constructor(smtpUrl: string, timeouts: Partial<SmtpTimeouts> = {}) {
    const { connectionTimeoutMs, greetingTimeoutMs, socketTimeoutMs } = { ...DEFAULT_SMTP_TIMEOUTS, ...timeouts };
    this.transporter = nodemailer.createTransport({
      url: smtpUrl,
      // A few connections kept open and reused: a connection per message costs a handshake
      // (and TLS) each, and a burst of confirmations would open dozens at once.
      pool: true,
      maxConnections: SMTP_POOL_CONNECTIONS,
      connectionTimeout: connectionTimeoutMs,
      greetingTimeout: greetingTimeoutMs,
      socketTimeout: socketTimeoutMs,
    });
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    try {
      const info = await this.transporter.sendMail(toNodemailerMessage(message));
      return { messageId: info.messageId };
    } catch (error) {
      throw smtpFailure(error);
    }
  }

  close(): void {
    this.transporter.close();
  }
}

export interface DevMailboxEntry {
  messageId: string;
  sentAt: Date;
  message: MailMessage;
  /** The full MIME text, exactly as an SMTP server would receive it. */
  raw: string;
}

/** Keeps the last `capacity` messages in memory, newest first, for a dev route to show. */
export class DevMailbox implements MailTransport {
  private readonly composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  private entries: DevMailboxEntry[] = [];

  constructor(
    private readonly capacity = 50,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(message: MailMessage): Promise<{ messageId: string }> {
    const info = await this.composer.sendMail(toNodemailerMessage(message));
    const entry: DevMailboxEntry = { messageId: info.messageId, sentAt: this.now(), message, raw: (info.message as Buffer).toString('utf8') };
    this.entries = [entry, ...this.entries].slice(0, this.capacity);
    return { messageId: entry.messageId };
  }

  messages(): readonly DevMailboxEntry[] {
    return this.entries;
  }

  clear(): void {
    this.entries = [];
  }
}

/** SMTP when SMTP_URL is set, the dev mailbox otherwise. */
export function createMailTransport(env: { SMTP_URL?: string }): MailTransport {
  return env.SMTP_URL ? new SmtpMailTransport(env.SMTP_URL) : new DevMailbox();
}

export interface RdvEmailInput {
  event: NotificationEvent;
  /** The territory's template for the event, or the default one. */
  template: EmailTemplate;
  facts: RdvNotificationFacts;
  rdvId: string;
  /** Rises with each change the usager is told about; see ical.ts. */
  sequence: number;
  /** The platform's host name, for the calendar UID. */
  host: string;
  from: MailAddress;
  to: MailAddress;
  now: Date;
}

/** The email an rdv event sends an usager: rendered template, reply-to the organisation, and the calendar when the event changes one. */
export function composeRdvEmail(input: RdvEmailInput): MailMessage {
  const { facts } = input;
  const rendered = renderEmail(input.template, facts);
  const method = calendarMethodFor(input.event);
  const organisationAddress = facts.organisation.email ? { name: facts.organisation.name, address: facts.organisation.email } : null;
  const calendar = method
    ? {
        method,
        content: buildRdvCalendar({
          rdvId: input.rdvId,
          host: input.host,
          method,
          sequence: input.sequence,
          startsAt: facts.rdv.startsAt,
          endsAt: new Date(facts.rdv.startsAt.getTime() + facts.rdv.durationInMin * 60_000),
          summary: `${facts.motif.name} – ${facts.organisation.name}`,
          location: facts.lieu ? `${facts.lieu.name}, ${facts.lieu.address}` : null,
          description: facts.motif.instructionForRdv,
          url: facts.rdv.manageUrl,
          organizer: { name: facts.organisation.name, email: organisationAddress?.address ?? input.from.address },
          attendee: { name: input.to.name ?? input.to.address, email: input.to.address },
          now: input.now,
        }),
      }
    : null;
  return { from: input.from, to: input.to, replyTo: organisationAddress, ...rendered, calendar };
}
