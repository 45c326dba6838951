/**
 * The territory's `notifications` configuration document (schemas/config/notifications.json):
 * which events notify usagers on which channels, the texts (territory's, per-motif
 * overrides, else the defaults), the SMS rules and provider, the reminder delay.
 * This file reads it and checks what its JSON Schema cannot: every template
 * compiles with known merge fields and fits the SMS limits, the provider's body
 * is usable, and its token is sealed before being stored.
 */
import { readConfig } from '../config';
import { currentTerritoryId } from '../db/database';
import { AppError, type FieldError } from '../errors';
import { DEFAULT_TEMPLATES } from './default-templates';
import { secretBoxFor } from '../plugins/secrets';
import { smsProviderBody, type HttpSmsProviderConfig } from './sms-providers';
import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_EVENTS,
  validateTemplate,
  type NotificationChannel,
  type NotificationEvent,
  type NotificationSettings,
  type TemplateByChannel,
} from './templates';

export type TemplateOverrides = Partial<Record<NotificationEvent, Partial<TemplateByChannel>>>;
type EventChannels = { channels: NotificationChannel[] };

export type SmsProviderSettings =
  | { kind: 'logging' }
  | {
      kind: 'http';
      url: string;
      method?: 'POST' | 'PUT';
      headers?: Record<string, string>;
      body?: HttpSmsProviderConfig['body'];
      message_id_field?: string;
      timeout_ms?: number;
      token?: string | SealedSecret;
      token_header?: string;
      token_prefix?: string;
    };

export interface NotificationsDocument {
  events: Record<NotificationEvent, EventChannels>;
  templates?: TemplateOverrides;
  motif_overrides?: Record<string, { events?: Partial<Record<NotificationEvent, EventChannels>>; templates?: TemplateOverrides }>;
  sms: { max_segments: number; strip_accents: boolean; include_motif: boolean; provider: SmsProviderSettings };
  reminder: { hours_before: number; working_days_only?: boolean };
}

export const NOTIFICATIONS_KEY = 'notifications';

export function notificationSettings(document: NotificationsDocument): NotificationSettings {
  return {
    smsMaxSegments: document.sms.max_segments,
    smsStripAccents: document.sms.strip_accents,
    smsIncludeMotif: document.sms.include_motif,
  };
}

function motifOverride(document: NotificationsDocument, motifId: string | null) {
  return motifId ? document.motif_overrides?.[motifId] : undefined;
}

/** The channels an event uses for an rdv of this motif: the motif's override, else the territory's. */
export function channelsFor(document: NotificationsDocument, event: NotificationEvent, motifId: string | null): NotificationChannel[] {
  return motifOverride(document, motifId)?.events?.[event]?.channels ?? document.events[event].channels;
}

/** The text sent: the motif's override, else the territory's, else the platform's default. */
export function templateFor<C extends NotificationChannel>(
  document: NotificationsDocument,
  event: NotificationEvent,
  channel: C,
  motifId: string | null,
): TemplateByChannel[C] {
  return (motifOverride(document, motifId)?.templates?.[event]?.[channel] ??
    document.templates?.[event]?.[channel] ??
    DEFAULT_TEMPLATES[event][channel]) as TemplateByChannel[C];
}

/** A secret as the document stores it: sealed with the instance's key (plugins/secrets.ts). */
export interface SealedSecret {
  sealed: string;
}

function isSealed(value: unknown): value is SealedSecret {
  return typeof value === 'object' && value !== null && typeof (value as SealedSecret).sealed === 'string';
}

const TOKEN_PATH = 'sms.provider.token';

/** Binds a sealed token to its territory and field: copied elsewhere, it does not open. */
function tokenAssociatedData(territoryId: string): string {
  return `${territoryId}:notifications:${TOKEN_PATH}`;
}

/**
 * The process's secret box. Documents are checked and sealed inside ConfigStore,
 * where no platform is at hand: the key is the process's own (SECRETS_KEY, or the
 * key file in DATA_DIR), the same for whoever reads the document back.
 */
function secretBox() {
  return secretBoxFor(readConfig());
}

function openToken(token: SealedSecret, territoryId: string): string {
  try {
    return secretBox().open(token.sealed, tokenAssociatedData(territoryId));
  } catch {
    throw AppError.invalidField(TOKEN_PATH, 'this sealed token cannot be opened here (another instance key, territory or field): write it again in clear');
  }
}

/** The HTTP provider's settings with its token opened, or null for the logging provider. */
export function httpSmsProviderConfig(provider: SmsProviderSettings, territoryId: string): HttpSmsProviderConfig | null {
  if (provider.kind !== 'http') return null;
  const headers = { ...provider.headers };
  if (provider.token !== undefined) {
    const token = typeof provider.token === 'string' ? provider.token : openToken(provider.token, territoryId);
    headers[provider.token_header ?? 'Authorization'] = `${provider.token_prefix ?? 'Bearer '}${token}`;
  }
  return {
    url: provider.url,
    method: provider.method,
    headers,
    body: provider.body,
    messageIdField: provider.message_id_field,
    timeoutMs: provider.timeout_ms,
  };
}

/** Runs `check`, turning its refusal into field errors. */
function collect(errors: FieldError[], check: () => void, repath?: (error: FieldError) => FieldError): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof AppError) || error.kind !== 'invalid') throw error;
    const found = error.errors.length > 0 ? error.errors : [{ path: '', message: error.message }];
    errors.push(...(repath ? found.map(repath) : found));
  }
}

function checkTemplates(templates: TemplateOverrides | undefined, base: string, settings: NotificationSettings, errors: FieldError[]): void {
  for (const [event, byChannel] of Object.entries(templates ?? {})) {
    for (const channel of NOTIFICATION_CHANNELS) {
      const template = byChannel?.[channel];
      if (template) collect(errors, () => validateTemplate(template, channel, `${base}.${event}.${channel}`, settings));
    }
  }
}

/** A default SMS is checked too when it will be sent: the territory's limits may be tighter than it. */
function checkDefaultSms(document: NotificationsDocument, settings: NotificationSettings, errors: FieldError[]): void {
  const motifIds = [null, ...Object.keys(document.motif_overrides ?? {})];
  for (const event of NOTIFICATION_EVENTS) {
    const needed = motifIds.some(
      (motifId) => channelsFor(document, event, motifId).includes('sms') && templateFor(document, event, 'sms', motifId) === DEFAULT_TEMPLATES[event].sms,
    );
    if (!needed) continue;
    collect(
      errors,
      () => validateTemplate(DEFAULT_TEMPLATES[event].sms, 'sms', `default.${event}`, settings),
      (error) => ({ path: 'sms.max_segments', message: `the default SMS for ${event} does not fit: ${error.message}; write a shorter one in templates.${event}.sms` }),
    );
  }
}

/** A sealed token must open here (same instance key, same territory); one in clear is sealed when stored. */
function checkProvider(provider: SmsProviderSettings, errors: FieldError[]): void {
  if (provider.kind !== 'http') return;
  collect(errors, () => smsProviderBody(httpSmsProviderConfig({ ...provider, token: undefined }, currentTerritoryId())!), (error) => ({
    ...error,
    path: `sms.provider.${error.path}`,
  }));
  const token = provider.token;
  if (isSealed(token)) collect(errors, () => openToken(token, currentTerritoryId()));
}

/**
 * The rules of the `notifications` document beyond its JSON Schema (ConfigStore
 * runs them in the writer's tenant transaction): every template compiles with
 * catalogue fields and fits the territory's SMS limits, default SMS included when
 * they will be sent; the provider's body is usable and its sealed token opens.
 * Paths are the document's, e.g. `templates.rdv_created.email.html`.
 */
export function notificationsDocumentErrors(input: Record<string, unknown>): FieldError[] {
  const document = input as unknown as NotificationsDocument;
  const settings = notificationSettings(document);
  const errors: FieldError[] = [];
  checkTemplates(document.templates, 'templates', settings, errors);
  for (const [motifId, override] of Object.entries(document.motif_overrides ?? {})) {
    checkTemplates(override.templates, `motif_overrides.${motifId}.templates`, settings, errors);
  }
  checkDefaultSms(document, settings, errors);
  checkProvider(document.sms.provider, errors);
  return errors;
}

/** The document as stored: the provider's token, when written in clear, sealed. */
export function sealNotificationsSecrets(input: Record<string, unknown>): Record<string, unknown> {
  const document = input as unknown as NotificationsDocument;
  const provider = document.sms.provider;
  if (provider.kind !== 'http' || typeof provider.token !== 'string') return input;
  const token: SealedSecret = { sealed: secretBox().seal(provider.token, tokenAssociatedData(currentTerritoryId())) };
  return { ...document, sms: { ...document.sms, provider: { ...provider, token } } } as unknown as Record<string, unknown>;
}
