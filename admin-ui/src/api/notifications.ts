/** The territory's notifications document (config/notifications.json) and what its screen reads beside it. */

export const NOTIFICATION_EVENTS = [
  'rdv_created', 'rdv_updated', 'rdv_cancelled_by_agent', 'rdv_cancelled_by_user', 'rdv_reminder', 'rdv_noshow', 'rdv_unscheduled',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type NotificationChannel = 'email' | 'sms';

export interface EmailTemplate { subject: string; text: string; html: string }
export interface SmsTemplate { text: string }
export interface TemplatesByChannel { email?: EmailTemplate; sms?: SmsTemplate }

/** A token the server keeps encrypted: sent back as is to keep it. */
export interface SealedToken { sealed: string }

export type SmsProvider =
  | { kind: 'logging' }
  | { kind: 'http'; url: string; token?: string | SealedToken; token_header?: string; token_prefix?: string; method?: 'POST' | 'PUT'; headers?: Record<string, string>; body?: unknown; message_id_field?: string; timeout_ms?: number };

export interface NotificationsDocument {
  events: Record<NotificationEvent, { channels: NotificationChannel[] }>;
  templates?: Partial<Record<NotificationEvent, TemplatesByChannel>>;
  motif_overrides?: Record<string, unknown>;
  sms: { max_segments: number; strip_accents: boolean; include_motif: boolean; provider: SmsProvider };
  reminder: { hours_before: number; working_days_only?: boolean };
}

export interface MergeField {
  name: string;
  description: string;
  sample: string;
  left_out_of_sms: boolean;
}

export type DefaultTemplates = Record<NotificationEvent, { email: EmailTemplate; sms: SmsTemplate }>;

export type NotificationPreview =
  | { channel: 'email'; subject: string; text: string; html: string }
  | { channel: 'sms'; text: string; segments: number; worst_case: { segments: number; max_segments: number } };
