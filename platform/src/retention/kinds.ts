import { DateTime } from 'luxon';
import { territoryTimeZone } from '../agenda/definitions';
import { loadRdvRecords, rdvJson } from '../booking/rdvs';
import { tx } from '../db/database';
import { recordEvent } from '../events/outbox';
import { plainEmail } from '../notifications/code-emails';
import type { MailMessage } from '../notifications/mailer';
import type { Platform } from '../platform';
import { anonymiseUser, profilesOf } from '../usagers/users';
import { anonymiseReceipts, forgetAgentCopies } from './copies';
import type { RetentionSettings } from './settings';

/** Why a deletion happened, as webhooks' `meta.webhook_reason` says it. */
export const RGPD_REASON = 'rgpd';

/** Histories of records about people; versions of other records live longer. */
const PERSONAL_VERSION_MODELS = ['user', 'rdv'];

/** What one run does besides its transactions: its time, and emails to send once they committed. */
export interface RetentionRun {
  platform: Platform;
  now: Date;
  settings: RetentionSettings;
  mail: MailMessage[];
}

/**
 * One kind of data the daily job deletes (or anonymises) when due, in the current tenant
 * transaction: `count` says how many rows are due (the preview), `purge` handles at most
 * `limit` of them, leaves none of those due, and answers how many.
 */
export interface RetentionKind {
  kind: string;
  count(run: RetentionRun): Promise<number>;
  purge(run: RetentionRun, limit: number): Promise<number>;
}

/** A core kind: `due` selects the due rows' ids (`id`, text), `apply` acts on a batch of them. */
function sqlKind(
  kind: string,
  due: (run: RetentionRun) => { sql: string; parameters: unknown[] },
  apply: (ids: string[], run: RetentionRun) => Promise<void>,
): RetentionKind {
  return {
    kind,
    async count(run) {
      const { sql, parameters } = due(run);
      const [{ count }] = await tx().query(`SELECT count(*)::int AS count FROM (${sql}) due`, parameters);
      return count;
    },
    async purge(run, limit) {
      const { sql, parameters } = due(run);
      // Rows another worker's run holds are left to it: nothing is handled (nor announced) twice.
      const ids = (await tx().query(`${sql} ORDER BY 1 LIMIT ${Number(limit)} FOR UPDATE SKIP LOCKED`, parameters) as { id: string }[]).map((row) => row.id);
      if (ids.length) await apply(ids, run);
      return ids.length;
    },
  };
}

function before(now: Date, amount: { months?: number; days?: number }): Date {
  return DateTime.fromJSDate(now, { zone: 'utc' }).minus(amount).toJSDate();
}

/** Rdvs kept by this run start after this. */
export const rdvCutoff = ({ now, settings }: RetentionRun) => before(now, { months: settings.rdvMonths });

/** An agent's last sign-in, or their creation when they never signed in. */
const AGENT_ACTIVITY = `coalesce(a.last_seen_at, a.created_at)`;

/**
 * Agents the job may remove: not territorial admins (a territory is never left without
 * one by a job), inactive since `$1`, with no rdv that this run keeps (starting from `$2`).
 */
const REMOVABLE_AGENTS = `
  SELECT a.id::text AS id FROM agents a
   WHERE a.deleted_at IS NULL AND NOT a.territorial_admin AND ${AGENT_ACTIVITY} < $1
     AND NOT EXISTS (SELECT 1 FROM rdv_agents ra WHERE ra.agent_id = a.id AND ra.starts_at >= $2)`;

/** A notice counts when given after the agent's last activity. */
const NOTICE_STANDS = `a.retention_warned_at IS NOT NULL AND a.retention_warned_at >= ${AGENT_ACTIVITY}`;

const rdvs = sqlKind(
  'rdvs',
  (run) => ({ sql: `SELECT id::text AS id FROM rdvs WHERE starts_at < $1`, parameters: [rdvCutoff(run)] }),
  async (ids) => {
    const zone = await territoryTimeZone();
    for (const record of await loadRdvRecords(ids)) {
      // Ids and times only: partners deleting their copy need nothing personal.
      const { context: _context, custom_fields: _fields, participations, ...rdv } = rdvJson(record, zone);
      await recordEvent('rdv', 'destroyed', {
        ...rdv,
        participations: participations.map(({ id, user_id, status }) => ({ id, user_id, status })),
        webhook_reason: RGPD_REASON,
      }, { organisationId: record.rdv.organisation_id });
    }
    // Participations, links and notification receipts go with them (foreign keys).
    await tx().query(`DELETE FROM rdvs WHERE id = ANY($1::uuid[])`, [ids]);
  },
);

const usagers = sqlKind(
  'usagers',
  (run) => {
    const cutoff = before(run.now, { months: run.settings.usagerMonths });
    return {
      sql: `SELECT u.id::text AS id FROM users u
             WHERE u.anonymised_at IS NULL AND u.created_at < $1 AND u.updated_at < $1
               AND NOT EXISTS (SELECT 1 FROM participations p JOIN rdvs r ON r.id = p.rdv_id WHERE p.user_id = u.id AND r.starts_at >= $2)`,
      parameters: [cutoff, rdvCutoff(run)],
    };
  },
  async (ids, { platform, now }) => {
    const profiles = await profilesOf(ids);
    for (const id of ids) {
      for (const organisationId of profiles.get(id)!) {
        await recordEvent('user', 'destroyed', { id, organisation_ids: [organisationId], webhook_reason: RGPD_REASON }, { organisationId });
      }
      await anonymiseUser(platform, id, { authorAgentId: null, at: now });
    }
  },
);

const agentNotices = sqlKind(
  'agent_notices',
  (run) => ({
    // Told `agentNoticeDays` before they would be due: inactive since that much less than the period.
    sql: `${REMOVABLE_AGENTS} AND a.email IS NOT NULL AND NOT (${NOTICE_STANDS})`,
    parameters: [before(run.now, { months: run.settings.agentMonths, days: -run.settings.agentNoticeDays }), rdvCutoff(run)],
  }),
  async (ids, run) => {
    const { platform, now, settings } = run;
    const [{ name: territory }] = await tx().query(`SELECT name FROM territories`);
    const agents: { email: string }[] = await tx().query(
      `WITH told AS (UPDATE agents SET retention_warned_at = $2 WHERE id = ANY($1::uuid[]) RETURNING email) SELECT email FROM told`, [ids, now]);
    const removal = DateTime.fromJSDate(now, { zone: await territoryTimeZone() }).plus({ days: settings.agentNoticeDays }).setLocale('fr').toFormat('d MMMM yyyy');
    for (const { email } of agents) {
      run.mail.push(plainEmail(platform, email, territory, 'Votre compte d’agent sera supprimé faute d’activité', [
        `Votre compte d’agent n’a servi à aucune connexion ni aucun rendez-vous depuis longtemps : comme le veut la protection des données personnelles, il sera supprimé à partir du ${removal}.`,
        'Pour le garder, connectez-vous simplement avant cette date.',
      ], { label: 'Se connecter', url: `${platform.config.publicUrl}/admin` }));
    }
  },
);

const agents = sqlKind(
  'agents',
  (run) => ({
    // Agents without an email (intervenants) cannot be told; the others must have been, long enough ago.
    sql: `${REMOVABLE_AGENTS} AND (a.email IS NULL OR (${NOTICE_STANDS} AND a.retention_warned_at <= $3))`,
    parameters: [before(run.now, { months: run.settings.agentMonths }), rdvCutoff(run), before(run.now, { days: run.settings.agentNoticeDays })],
  }),
  async (ids, { platform, now }) => {
    const roles: { agent_id: string; organisation_id: string }[] = await tx().query(
      `SELECT agent_id, organisation_id FROM agent_roles WHERE agent_id = ANY($1::uuid[]) ORDER BY agent_id, organisation_id`, [ids]);
    for (const { agent_id: id, organisation_id: organisationId } of roles) {
      await recordEvent('agent', 'destroyed', { id, webhook_reason: RGPD_REASON }, { organisationId });
    }
    // As the reference does: the row stays for the histories it authored, with nothing of the person.
    await tx().query(
      `UPDATE agents SET email = NULL, first_name = 'Agent', last_name = 'supprimé', password_hash = NULL,
              totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL, totp_recovery_hashes = '{}',
              calendar_uid = replace(gen_random_uuid()::text, '-', ''), deleted_at = $2, updated_at = $2
        WHERE id = ANY($1::uuid[])`, [ids, now]);
    // Their sessions and password links stop opening with the account (both look for an agent not deleted) and expire soon.
    for (const table of ['agent_roles', 'agent_services', 'invitations']) {
      await tx().query(`DELETE FROM ${table} WHERE agent_id = ANY($1::uuid[])`, [ids]);
    }
    for (const id of ids) await forgetAgentCopies(platform, id);
  },
);

const recordVersions = sqlKind(
  'record_versions',
  ({ now, settings }) => ({
    sql: `SELECT id::text AS id FROM record_versions WHERE (model = ANY($1) AND created_at < $2) OR created_at < $3`,
    parameters: [PERSONAL_VERSION_MODELS, before(now, { months: settings.personalVersionMonths }), before(now, { months: settings.versionMonths })],
  }),
  async (ids) => {
    await tx().query(`DELETE FROM record_versions WHERE id = ANY($1::bigint[])`, [ids]);
  },
);

const notificationReceipts = sqlKind(
  'notification_receipts',
  (run) => ({
    // Receipts of rdvs this run deletes go with their rdv.
    sql: `SELECT n.id::text AS id FROM notification_receipts n
           WHERE n.anonymised_at IS NULL AND n.created_at < $1
             AND NOT EXISTS (SELECT 1 FROM rdvs r WHERE r.id = n.rdv_id AND r.starts_at < $2)`,
    parameters: [before(run.now, { months: run.settings.receiptMonths }), rdvCutoff(run)],
  }),
  async (ids, { now }) => {
    await anonymiseReceipts(`id = ANY($1::uuid[])`, [ids], now);
  },
);

const outboxEvents = sqlKind(
  'outbox_events',
  ({ now, settings }) => ({
    sql: `SELECT o.id::text AS id FROM outbox_events o
           WHERE o.dispatched_at < $1
             AND NOT EXISTS (SELECT 1 FROM consumer_receipts c WHERE c.event_id = o.id AND c.status = 'pending')`,
    parameters: [before(now, { days: settings.eventDays })],
  }),
  async (ids) => {
    await tx().query(`DELETE FROM outbox_events WHERE id = ANY($1::bigint[])`, [ids]);
  },
);

const jobFailures = sqlKind(
  'job_failures',
  ({ now, settings }) => ({
    sql: `SELECT id::text AS id FROM job_failures WHERE created_at < $1`,
    parameters: [before(now, { days: settings.eventDays })],
  }),
  async (ids) => {
    await tx().query(`DELETE FROM job_failures WHERE id = ANY($1::bigint[])`, [ids]);
  },
);

/** Short-lived records, taken first: the events (and their deliveries) a run records are for the next runs to judge. */
export const EVENT_RETENTION_KINDS: readonly RetentionKind[] = [outboxEvents, jobFailures];

/**
 * Records about people, in the order a run takes them: rdvs first, so that usagers and
 * agents are judged on the rdvs the run keeps (which the preview, taken before, says alike).
 */
export const PERSONAL_RETENTION_KINDS: readonly RetentionKind[] = [
  rdvs, usagers, agentNotices, agents, recordVersions, notificationReceipts,
];
