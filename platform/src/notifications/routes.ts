import { randomCalendarUid } from '../agents/agents';
import { rdvFor } from '../booking/agent-booking';
import { currentTerritoryId, tx } from '../db/database';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import type { Platform } from '../platform';
import { requireTerritorialAdmin } from '../territories/policy';
import { Territory } from '../territories/territory.entity';
import { AppError } from '../errors';
import { currentNotificationsDocument } from './current-document';
import { DEFAULT_TEMPLATES } from './default-templates';
import { notificationSettings, templateFor } from './document';
import { platformMail, senderAddress } from './mail';
import { describeMergeFields, SAMPLE_FACTS } from './merge-fields';
import { loadPreferences, PREFERENCE_COLUMNS, type NotificationPreferences } from './preferences';
import { NotificationReceipt } from './receipt.entity';
import { maskEmail } from './receipts';
import {
  renderTemplate,
  smsWorstCase,
  validateTemplate,
  type NotificationChannel,
  type NotificationEvent,
  type RenderedEmail,
  type RenderedSms,
  type TemplateByChannel,
} from './templates';

interface PreviewBody {
  event: NotificationEvent;
  channel: NotificationChannel;
  motif_id?: string;
  template?: Partial<TemplateByChannel['email']>;
}

async function preview(platform: Platform, body: PreviewBody) {
  const document = await currentNotificationsDocument(platform);
  const settings = notificationSettings(document);
  const template = (body.template ?? templateFor(document, body.event, body.channel, body.motif_id ?? null)) as TemplateByChannel[typeof body.channel];
  validateTemplate(template, body.channel, 'template', settings);
  const territory = await tx().findOneByOrFail(Territory, { id: currentTerritoryId() });
  const rendered = renderTemplate(template, body.channel, { ...SAMPLE_FACTS, timezone: territory.timezone }, settings);
  if (body.channel === 'email') return { event: body.event, channel: body.channel, ...(rendered as RenderedEmail) };
  const { text, count } = rendered as RenderedSms;
  const worst = smsWorstCase((template as TemplateByChannel['sms']).text, settings, 'template.text');
  return {
    event: body.event,
    channel: body.channel,
    text,
    encoding: count.encoding,
    units: count.units,
    segments: count.segments,
    // What the same template can take with every merge field at its longest: what saving checks.
    worst_case: { encoding: worst.encoding, units: worst.units, segments: worst.segments, max_segments: settings.smsMaxSegments },
  };
}

/**
 * Renders the template as the preview does and emails it to the signed-in admin, so they
 * see it in their own mail reader before usagers do. Email only: an admin's phone number
 * is not on the platform.
 */
async function sendTest(platform: Platform, agentId: string, body: PreviewBody): Promise<{ sent_to: string }> {
  if (body.channel !== 'email') throw AppError.invalidField('channel', 'a test is sent by email only');
  const rendered = (await preview(platform, body)) as { subject: string; text: string; html: string };
  const [agent] = await tx().query(`SELECT email FROM agents WHERE id = $1`, [agentId]);
  if (!agent?.email) throw AppError.invalidField('channel', 'your account has no email address');
  const territory = await tx().findOneByOrFail(Territory, { id: currentTerritoryId() });
  await platformMail(platform).send({
    from: senderAddress(platform, territory.name),
    to: { address: agent.email },
    subject: `[Test] ${rendered.subject}`,
    text: rendered.text,
    html: rendered.html,
  });
  return { sent_to: maskEmail(agent.email) };
}

async function calendarLinks(platform: Platform, agentId: string) {
  const [{ calendar_uid: uid }] = await tx().query(`SELECT calendar_uid FROM agents WHERE id = $1`, [agentId]);
  const url = `${platform.config.publicUrl}/calendrier/${uid}.ics`;
  return { url, webcal_url: url.replace(/^https?:/, 'webcal:') };
}

export function receiptJson(receipt: NotificationReceipt) {
  return {
    id: receipt.id,
    rdv_id: receipt.rdv_id,
    event: receipt.event,
    channel: receipt.channel,
    recipient_type: receipt.recipient_type,
    recipient_id: receipt.recipient_id,
    recipient: receipt.recipient,
    status: receipt.status,
    reason: receipt.reason,
    attempts: receipt.attempts,
    created_at: receipt.created_at,
    sent_at: receipt.sent_at,
  };
}

export const notificationRoutes = [
  route({
    method: 'get', path: '/api/v1/notifications/merge_fields', tag: 'notifications', access: 'agent',
    summary: 'The merge fields (champs de fusion) templates may use, with a sample value and their longest SMS length',
    async handle() {
      return {
        data: describeMergeFields().map((field) => ({
          name: field.name,
          description: field.description,
          sample: field.sample,
          max_sms_length: field.maxLength,
          alphabet: field.alphabet,
          left_out_of_sms: field.privateInSms,
        })),
      };
    },
  }),
  route({
    method: 'post', path: '/api/v1/territories/current/notifications/preview', tag: 'notifications', access: 'agent',
    body: 'api/notification.preview.json',
    summary: 'Render a notification template with the sample rdv, under the territory\'s SMS rules (the text in force when no template is given)',
    async handle({ actor, platform, body }) {
      requireTerritorialAdmin(actor);
      return preview(platform, body as PreviewBody);
    },
  }),
  route({
    method: 'post', path: '/api/v1/territories/current/notifications/test', tag: 'notifications', access: 'agent',
    body: 'api/notification.preview.json',
    summary: 'Email the signed-in territorial admin a template rendered with the sample rdv (the text in force when no template is given)',
    async handle({ actor, platform, body }) {
      requireTerritorialAdmin(actor);
      return sendTest(platform, actor.agentId, body as PreviewBody);
    },
  }),
  route({
    method: 'get', path: '/api/v1/notifications/default_templates', tag: 'notifications', access: 'agent',
    summary: "The platform's own texts, per event and channel: what is sent where a territory wrote none, and where an admin starts from",
    async handle() {
      return { data: DEFAULT_TEMPLATES };
    },
  }),
  route({
    method: 'get', path: '/api/v1/agents/me/notification_preferences', tag: 'notifications', access: 'agent',
    summary: 'Which agenda changes the signed-in agent is emailed about',
    async handle({ actor }) {
      return loadPreferences(actor.agentId);
    },
  }),
  route({
    method: 'patch', path: '/api/v1/agents/me/notification_preferences', tag: 'notifications', access: 'agent',
    body: 'api/agent.notification_preferences.json', partialBody: true,
    summary: 'Choose which agenda changes the signed-in agent is emailed about',
    async handle({ actor, body }) {
      const changes = body as Partial<NotificationPreferences>;
      const columns = PREFERENCE_COLUMNS.filter((column) => changes[column] !== undefined);
      await tx().query(
        `UPDATE agents SET ${columns.map((column, index) => `${column} = $${index + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
        [actor.agentId, ...columns.map((column) => changes[column])],
      );
      return loadPreferences(actor.agentId);
    },
  }),
  route({
    method: 'get', path: '/api/v1/agents/me/calendar', tag: 'notifications', access: 'agent',
    summary: 'The signed-in agent\'s personal calendar feed (webcal), without usagers\' personal data',
    async handle({ actor, platform }) {
      return calendarLinks(platform, actor.agentId);
    },
  }),
  route({
    method: 'post', path: '/api/v1/agents/me/calendar_uid/regenerate', tag: 'notifications', access: 'agent',
    summary: 'Give the signed-in agent a new calendar feed address; the old one stops working',
    async handle({ actor, platform }) {
      await tx().query(`UPDATE agents SET calendar_uid = $2, updated_at = now() WHERE id = $1`, [actor.agentId, randomCalendarUid()]);
      return calendarLinks(platform, actor.agentId);
    },
  }),
  route({
    method: 'get', path: '/api/v1/rdvs/:id/receipts', tag: 'notifications', access: 'agent',
    summary: 'What became of the rdv\'s notifications: sent, failed or skipped, and why',
    async handle({ actor, params, query }) {
      await rdvFor(actor, params.id); // 404 unless the agent sees the rdv
      const page = readPage(query);
      const [rows, total] = await tx().findAndCount(NotificationReceipt, {
        where: { rdv_id: params.id },
        order: { created_at: 'ASC', id: 'ASC' },
        skip: (page.page - 1) * page.per_page,
        take: page.per_page,
      });
      return listBody(rows.map(receiptJson), page, total);
    },
  }),
];
