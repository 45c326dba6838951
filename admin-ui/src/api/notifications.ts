/** The territory's notifications document (config/notifications.json) and what its screen reads beside it. */

export const NOTIFICATION_EVENTS = [
  'rdv_created', 'rdv_updated', 'rdv_cancelled_by_agent', 'rdv_cancelled_by_user', 'rdv_reminder', 'rdv_noshow', 'rdv_unscheduled',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type NotificationChannel = 'email' | 'sms';

export interface EmailTemplate { subject: string; text: string; html: string }
export interface SmsTemplate { text: string }
export interface TemplatesByChannel { email?: EmailTemplate; sms?: SmsTemplate }
/** Own texts of one level (the territory, a motif): what is not written falls back to the level above. */
export type NotificationTemplates = Partial<Record<NotificationEvent, TemplatesByChannel>>;
/** A motif's channels and texts, replacing the territory's for rdvs of that motif. */
export interface MotifOverride {
  events?: Partial<Record<NotificationEvent, { channels: NotificationChannel[] }>>;
  templates?: NotificationTemplates;
}

/** A token the server keeps encrypted: sent back as is to keep it. */
export interface SealedToken { sealed: string }

export type SmsProvider =
  | { kind: 'logging' }
  | { kind: 'http'; url: string; token?: string | SealedToken; token_header?: string; token_prefix?: string; method?: 'POST' | 'PUT'; headers?: Record<string, string>; body?: unknown; message_id_field?: string; timeout_ms?: number };

export interface NotificationsDocument {
  events: Record<NotificationEvent, { channels: NotificationChannel[] }>;
  templates?: NotificationTemplates;
  motif_overrides?: Record<string, MotifOverride>;
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
