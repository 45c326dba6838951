/**
 * Where SMS go. Providers receive a number already checked and put in E.164
 * (normaliseSmsRecipient) and the final text. Failures are AppErrors: `invalid`
 * when the provider refuses this message for good (sending it again will not
 * help), `unavailable` when it may work later (timeouts, 5xx, 429). Their
 * messages are fixed French sentences with at most the HTTP status: they end up
 * in receipts that agents read, where the provider's answer has no place.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import type { HttpResponse, PluginHttpClient } from '../plugins/sdk';
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

/** Checks the settings (an http(s) URL, a body with both placeholders and no other); answers the body to fill. */
export function smsProviderBody(config: HttpSmsProviderConfig): JsonValue {
  const url = URL.canParse(config.url) ? new URL(config.url) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw AppError.invalidField('url', 'must be an http(s) URL');
  }
  const body = config.body ?? { to: '{{to}}', text: '{{text}}' };
  const placeholders = placeholdersIn(body);
  const unknown = placeholders.filter((name) => !PLACEHOLDER_NAMES.has(name));
  if (unknown.length > 0) {
    throw AppError.invalidField('body', `unknown placeholder {{${unknown[0]}}}: only {{to}} and {{text}} are filled in`);
  }
  for (const name of PLACEHOLDER_NAMES) {
    if (!placeholders.includes(name)) throw AppError.invalidField('body', `must contain {{${name}}}`);
  }
  return body;
}

/** Statuses after which the same request may succeed later. */
function worthRetrying(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** The receipt's reason for an answer that is not a success: the status and what it means, never the answer's body. */
function refusal(status: number): AppError {
  if (worthRetrying(status)) return new AppError('unavailable', `Le fournisseur SMS est indisponible pour le moment (HTTP ${status})`);
  if (status >= 300 && status < 400) return AppError.invalid(`Le fournisseur SMS renvoie vers une autre adresse, qui n'est pas suivie (HTTP ${status})`);
  return AppError.invalid(`Le fournisseur SMS a refusé le message (HTTP ${status})`);
}

/** A provider's message id is kept on the receipt: a short token, not whatever the answer holds. */
const MESSAGE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Longest wait the territory may set (timeout_ms); the receipt's lease counts on it. */
export const SMS_PROVIDER_MAX_TIMEOUT_MS = 60_000;

/**
 * A provider reached by one JSON HTTP request per SMS, through the guarded client
 * plugins use: no redirect followed, no private or loopback address unless the
 * instance allows them (ALLOW_PRIVATE_WEBHOOK_TARGETS), bounded time and size.
 */
export class HttpSmsProvider implements SmsProvider {
  private readonly body: JsonValue;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: HttpSmsProviderConfig,
    private readonly http: PluginHttpClient,
    private readonly newId: () => string = randomUUID,
  ) {
    this.body = smsProviderBody(config);
    this.timeoutMs = Math.min(config.timeoutMs ?? 10_000, SMS_PROVIDER_MAX_TIMEOUT_MS);
  }

  async send(message: SmsMessage): Promise<{ providerMessageId: string }> {
    let response: HttpResponse;
    try {
      response = await this.http.request(this.config.url, {
        method: this.config.method ?? 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...this.config.headers },
        body: JSON.stringify(fillBody(this.body, message)),
        timeoutMs: this.timeoutMs,
        maxResponseBytes: 16 * 1024,
      });
    } catch (error) {
      if (error instanceof AppError && error.kind === 'invalid') {
        throw AppError.invalid("L'adresse du fournisseur SMS est privée ou locale : envoi refusé");
      }
      throw new AppError('unavailable', `Le fournisseur SMS est injoignable ou n'a pas répondu dans les ${this.timeoutMs / 1000} s`);
    }
    if (response.status < 200 || response.status >= 300) throw refusal(response.status);
    return { providerMessageId: this.messageIdFrom(response.body) };
  }

  /** The provider's id when it gives one; a local one otherwise, for the receipt (the SMS is sent either way). */
  private messageIdFrom(answer: string): string {
    if (this.config.messageIdField) {
      try {
        const id = valueAt(JSON.parse(answer), this.config.messageIdField);
        if ((typeof id === 'string' || typeof id === 'number') && MESSAGE_ID.test(String(id))) return String(id);
      } catch {
        // not JSON: fall through to a local id
      }
    }
    return `local-${this.newId()}`;
  }
}
