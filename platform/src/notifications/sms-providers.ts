/**
 * Where SMS go. Providers receive a number already checked and put in E.164
 * (normaliseSmsRecipient) and the final text. Failures are AppErrors: `invalid`
 * when the provider refuses this message for good (sending it again will not
 * help), `unavailable` when it may work later (timeouts, 5xx, 429).
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { countSmsSegments, maskPhoneNumber } from './sms';

export interface SmsMessage {
  /** E.164, e.g. +33612345678. */
  to: string;
  text: string;
}

export interface SmsProvider {
  send(message: SmsMessage): Promise<{ providerMessageId: string }>;
}

export interface SmsLogger {
  info(message: string, fields: Record<string, unknown>): void;
}

/**
 * For development and territories without a provider: sends nothing and logs
 * that it would have, without the text and with the number masked, since logs
 * are no place for an usager's appointments.
 */
export class LoggingSmsProvider implements SmsProvider {
  constructor(
    private readonly logger: SmsLogger,
    private readonly newId: () => string = randomUUID,
  ) {}

  async send(message: SmsMessage): Promise<{ providerMessageId: string }> {
    const providerMessageId = `logged-${this.newId()}`;
    const { encoding, segments } = countSmsSegments(message.text);
    this.logger.info('SMS logged, not sent', { to: maskPhoneNumber(message.to), segments, encoding, providerMessageId });
    return { providerMessageId };
  }
}

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface HttpSmsProviderConfig {
  /** The provider's endpoint, http(s). */
  url: string;
  method?: 'POST' | 'PUT';
  /** Sent as is: put the provider's token here (Authorization: Bearer ...). */
  headers?: Record<string, string>;
  /**
   * The JSON body, where the strings "{{to}}" and "{{text}}" stand for the
   * recipient and the text (alone or inside a longer string). Default:
   * {"to": "{{to}}", "text": "{{text}}"}.
   */
  body?: JsonValue;
  /** Dotted path of the message id in the provider's JSON answer (e.g. `id`, `data.message_id`). */
  messageIdField?: string;
  /** Default 10 s. */
  timeoutMs?: number;
}

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;
const PLACEHOLDER_NAMES = new Set(['to', 'text']);

function placeholdersIn(value: JsonValue): string[] {
  if (typeof value === 'string') return [...value.matchAll(PLACEHOLDER)].map((match) => match[1]);
  if (Array.isArray(value)) return value.flatMap(placeholdersIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(placeholdersIn);
  return [];
}

function fillBody(template: JsonValue, message: SmsMessage): JsonValue {
  if (typeof template === 'string') return template.replace(PLACEHOLDER, (_match, name: 'to' | 'text') => message[name]);
  if (Array.isArray(template)) return template.map((item) => fillBody(item, message));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, fillBody(value, message)]));
  }
  return template;
}

function valueAt(data: unknown, dottedPath: string): unknown {
  return dottedPath.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), data);
}

/** Statuses after which the same request may succeed later. */
function worthRetrying(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** A provider reached by one JSON HTTP request per SMS. */
export class HttpSmsProvider implements SmsProvider {
  private readonly body: JsonValue;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: HttpSmsProviderConfig,
    private readonly newId: () => string = randomUUID,
  ) {
    const url = URL.canParse(config.url) ? new URL(config.url) : null;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw AppError.invalidField('url', 'must be an http(s) URL');
    }
    this.body = config.body ?? { to: '{{to}}', text: '{{text}}' };
    const placeholders = placeholdersIn(this.body);
    const unknown = placeholders.filter((name) => !PLACEHOLDER_NAMES.has(name));
    if (unknown.length > 0) {
      throw AppError.invalidField('body', `unknown placeholder {{${unknown[0]}}}: only {{to}} and {{text}} are filled in`);
    }
    for (const name of PLACEHOLDER_NAMES) {
      if (!placeholders.includes(name)) throw AppError.invalidField('body', `must contain {{${name}}}`);
    }
    this.timeoutMs = config.timeoutMs ?? 10_000;
  }

  async send(message: SmsMessage): Promise<{ providerMessageId: string }> {
    let response: Response;
    let answer: string;
    try {
      response = await fetch(this.config.url, {
        method: this.config.method ?? 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...this.config.headers },
        body: JSON.stringify(fillBody(this.body, message)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      answer = await response.text();
    } catch (error) {
      // Checked by name: fetch's errors may come from another realm than this module's Error.
      const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      if (failure.name === 'TimeoutError') {
        throw new AppError('unavailable', `The SMS provider did not answer within ${this.timeoutMs / 1000} s`);
      }
      const reason = failure.cause?.code ?? failure.cause?.message ?? failure.message ?? String(error);
      throw new AppError('unavailable', `The SMS provider could not be reached: ${reason}`);
    }
    if (!response.ok) {
      const what = `The SMS provider answered ${response.status}: ${answer.slice(0, 200)}`;
      throw worthRetrying(response.status) ? new AppError('unavailable', what) : AppError.invalid(what);
    }
    return { providerMessageId: this.messageIdFrom(answer) };
  }

  /** The provider's id when it gives one; a local one otherwise, for the receipt (the SMS is sent either way). */
  private messageIdFrom(answer: string): string {
    if (this.config.messageIdField) {
      try {
        const id = valueAt(JSON.parse(answer), this.config.messageIdField);
        if (typeof id === 'string' || typeof id === 'number') return String(id);
      } catch {
        // not JSON: fall through to a local id
      }
    }
    return `local-${this.newId()}`;
  }
}
