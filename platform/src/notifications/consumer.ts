/**
 * The notifications consumer of the event pipeline. An rdv event (its
 * `webhook_reason`, as booking records it) tells usagers and agents, and plans
 * the reminder; a plage or absence event tells its agent; an online booking's
 * hold and an usager account's creation email their one-time code. It reads the
 * rdv as it is when it runs; receipts make a second delivery of the same event
 * send nothing more.
 */
import { CONSUMER_ATTEMPTS, type EventConsumer } from '../events/consumers';
import type { DomainEvent } from '../events/domain-event';
import { openEventSecret } from '../events/outbox';
import { definitionOf, type AgendaFields } from '../agenda/definitions';
import { expandOccurrences } from '../agenda/recurrence';
import { issueRdvLink } from '../booking/links';
import { tx } from '../db/database';
import { EXPORT_MODEL, exportReadyOutgoing } from '../exports/ready-email';
import type { LogSink } from '../logging';
import type { Platform } from '../platform';
import { agentRdvEmail, type AgentRdvChange } from './agent-emails';
import { agendaChangeEmail, type AgendaModel } from './agenda-emails';
import { accountCodeEmail, holdCodeEmail, type AccountPayload, type HoldPayload } from './code-emails';
import { deliver, type Outgoing } from './delivery';
import { currentNotificationsDocument } from './current-document';
import { platformMail } from './mail';
import { agentWantsNotification } from './preferences';
import { prescripteurConfirmationEmail } from './prescripteur-emails';
import { loadRdvSnapshot, type RdvSnapshot } from './rdv-snapshot';
import { maskEmail } from './receipts';
import { scheduleReminder } from './reminders';
import type { NotificationEvent } from './templates';
import { usagerOutgoing } from './usager-messages';
import { arrivalOutgoing } from './waiting-room';

export const NOTIFICATIONS_CONSUMER = 'notifications';

/** What booking writes in an rdv event's payload that notifications read. */
interface RdvEventPayload {
  id: string;
  webhook_reason?: string;
  previous_starts_at?: string | null;
  previous_lieu_id?: string | null;
  actor?: { type: string; agent_id: string | null };
  notify?: boolean;
  subject_user_id?: string;
}

interface Meaning {
  /** What usagers are told, if anything. */
  usager: NotificationEvent | null;
  /** Which participations hear it: those still expected, those the change cancelled, the one usager it is about. */
  audience: 'active' | 'revoked' | 'excused' | 'noshow' | 'subject';
  agent: AgentRdvChange | null;
  /** The rdv's time was set or changed: its reminder is planned. */
  plansReminder: boolean;
}

const MEANINGS: Record<string, Meaning> = {
  rdv_created: { usager: 'rdv_created', audience: 'active', agent: 'created', plansReminder: true },
  rdv_restored: { usager: 'rdv_created', audience: 'active', agent: 'created', plansReminder: true },
  rdv_updated: { usager: 'rdv_updated', audience: 'active', agent: 'updated', plansReminder: true },
  rdv_cancelled_by_agent: { usager: 'rdv_cancelled_by_agent', audience: 'revoked', agent: 'cancelled', plansReminder: false },
  rdv_cancelled_by_user: { usager: 'rdv_cancelled_by_user', audience: 'excused', agent: 'cancelled', plansReminder: false },
  rdv_unscheduled: { usager: 'rdv_unscheduled', audience: 'revoked', agent: 'cancelled', plansReminder: false },
  rdv_noshow: { usager: 'rdv_noshow', audience: 'noshow', agent: null, plansReminder: false },
  rdv_participation_added: { usager: 'rdv_created', audience: 'subject', agent: null, plansReminder: true },
  rdv_participation_cancelled_by_user: { usager: 'rdv_cancelled_by_user', audience: 'subject', agent: null, plansReminder: false },
  rdv_participation_removed: { usager: 'rdv_cancelled_by_agent', audience: 'subject', agent: null, plansReminder: false },
};

/** Outbox models that carry a one-time code to email, and the receipt's event for each. */
const CODE_EMAILS: Record<string, string> = { rdv_hold: 'rdv_hold_code', usager_account: 'account_code' };

/** Agenda models that agents hear about, and the preference that says whether they do. */
const AGENDA_LEVELS: Record<AgendaModel, string> = {
  plage_ouverture: 'plage_ouverture_notification_level',
  absence: 'absence_notification_level',
};

/** What a booking is: its prescripteur, if it has one, hears that it is confirmed. */
const BOOKINGS = new Set(['rdv_created', 'rdv_participation_added']);

const CANCELLED = new Set(['excused', 'revoked']);
const STANDING = new Set(['unknown', 'seen', 'noshow']);

function recipientsOf(snapshot: RdvSnapshot, meaning: Meaning, payload: RdvEventPayload) {
  const chosen = snapshot.participations.filter((participation) => {
    switch (meaning.audience) {
      case 'subject':
        return participation.user_id === payload.subject_user_id;
      case 'active':
        return !CANCELLED.has(participation.status);
      default:
        return participation.status === meaning.audience;
    }
  });
  return chosen.map((participation) => ({ participationId: participation.id, user: participation.user }));
}

/** An update tells usagers only when the time or the place changed. */
function meaningOf(payload: RdvEventPayload): Meaning | null {
  const meaning = MEANINGS[payload.webhook_reason ?? ''];
  if (!meaning) return null;
  if (payload.webhook_reason === 'rdv_updated' && !payload.previous_starts_at && !payload.previous_lieu_id) return null;
  return meaning;
}

/**
 * Whether the event still says something true: a creation or a change is not
 * announced once the rdv is cancelled (the cancellation is, in its turn), nor
 * for an online booking still awaiting its confirmation.
 */
function stillTrue(snapshot: RdvSnapshot, meaning: Meaning): boolean {
  if (meaning.audience === 'active' || meaning.plansReminder) return STANDING.has(snapshot.status);
  return true;
}

export class NotificationsConsumer implements EventConsumer {
  readonly name = NOTIFICATIONS_CONSUMER;

  constructor(
    private readonly platform: Platform,
    private readonly log: LogSink,
  ) {}

  handles(model: string): boolean {
    return model === 'rdv' || model === EXPORT_MODEL || Object.hasOwn(CODE_EMAILS, model) || Object.hasOwn(AGENDA_LEVELS, model);
  }

  async handle(event: DomainEvent): Promise<void> {
    if (event.model === 'rdv') await this.rdvEvent(event);
    else if (Object.hasOwn(AGENDA_LEVELS, event.model)) await this.agendaEvent(event);
    else if (event.model === EXPORT_MODEL) await deliver(this.platform, event.territory_id, () => exportReadyOutgoing(this.platform, event), { maxAttempts: CONSUMER_ATTEMPTS });
    else await this.codeEmail(event);
  }

  private async rdvEvent(event: DomainEvent): Promise<void> {
    const payload = event.payload as unknown as RdvEventPayload;
    if (payload.webhook_reason === 'rdv_user_arrived') return this.arrivalEvent(event, payload);
    const meaning = meaningOf(payload);
    if (!meaning) return;
    const source = `event:${event.id}`;
    const previousStartsAt = payload.previous_starts_at ? new Date(payload.previous_starts_at) : null;
    const planned: { reminder?: { startsAt: Date; hoursBefore: number } } = {};

    await deliver(
      this.platform,
      event.territory_id,
      async () => {
        const snapshot = await loadRdvSnapshot(payload.id);
        if (!snapshot || !stillTrue(snapshot, meaning)) return [];
        const document = await currentNotificationsDocument(this.platform);
        if (meaning.plansReminder) planned.reminder = { startsAt: snapshot.starts_at, hoursBefore: document.reminder.hours_before };
        const outgoing: Outgoing[] = [];
        if (meaning.usager && payload.notify !== false) {
          outgoing.push(...usagerOutgoing(this.platform, {
            source,
            event: meaning.usager,
            snapshot,
            recipients: recipientsOf(snapshot, meaning, payload),
            previousStartsAt,
            document,
            manageUrl: (participationId) => issueRdvLink(this.platform, participationId),
            log: this.log,
          }));
        }
        if (meaning.agent) outgoing.push(...this.agentOutgoing(source, snapshot, meaning.agent, payload, previousStartsAt));
        if (BOOKINGS.has(payload.webhook_reason ?? '')) outgoing.push(...this.prescripteurOutgoing(source, snapshot, recipientsOf(snapshot, meaning, payload)));
        return outgoing;
      },
      { maxAttempts: CONSUMER_ATTEMPTS },
    );

    if (planned.reminder && this.platform.queue) {
      await scheduleReminder(this.platform, this.platform.queue, { territoryId: event.territory_id, rdvId: payload.id, ...planned.reminder });
    }
  }

  /** Salle d'attente: the rdv's agents hear that its usager arrived, as the territory's settings say. */
  private async arrivalEvent(event: DomainEvent, payload: RdvEventPayload): Promise<void> {
    await deliver(
      this.platform,
      event.territory_id,
      async () => {
        const snapshot = await loadRdvSnapshot(payload.id);
        if (!snapshot || !STANDING.has(snapshot.status)) return [];
        const actorAgentId = payload.actor?.type === 'agent' ? payload.actor.agent_id : null;
        return arrivalOutgoing(this.platform, `event:${event.id}`, snapshot, actorAgentId);
      },
      { maxAttempts: CONSUMER_ATTEMPTS },
    );
  }

  /** A one-time code (online booking, usager account): by email, once, while it is still of use. */
  private async codeEmail(event: DomainEvent): Promise<void> {
    // The code travels sealed (events/outbox.ts): it is opened here, to be sent.
    const payload = event.payload as unknown as { id: string; secret: string; email: string; first_name: string; expires_at: string; rdv_id?: string };
    await deliver(
      this.platform,
      event.territory_id,
      async () => {
        const [place] = await tx().query(
          `SELECT o.name, t.timezone, (SELECT id FROM rdvs WHERE id = $2) AS rdv_id
             FROM organisations o JOIN territories t ON t.id = o.territory_id WHERE o.id = $1`,
          [event.organisation_id, payload.rdv_id ?? null],
        );
        const target = {
          dedupeKey: `event:${event.id}:email:code`,
          rdvId: place?.rdv_id ?? null,
          event: CODE_EMAILS[event.model],
          channel: 'email' as const,
          recipientType: 'user' as const,
          recipientId: null,
          recipient: maskEmail(payload.email),
        };
        if (!place) return [{ target, skip: 'the organisation no longer exists' }];
        if (new Date(payload.expires_at) <= this.platform.clock.now()) return [{ target, skip: 'the code expired before it could be sent' }];
        const { config } = this.platform;
        const message = event.model === 'rdv_hold'
          ? holdCodeEmail(this.platform, { ...payload, ...openEventSecret<Pick<HoldPayload, 'code' | 'confirm_url'>>(config, event.model, payload) }, place.name, place.timezone)
          : accountCodeEmail(this.platform, { ...payload, ...openEventSecret<Pick<AccountPayload, 'code'>>(config, event.model, payload) }, place.name, place.timezone);
        return [{ target, compose: async () => () => platformMail(this.platform).send(message) }];
      },
      { maxAttempts: CONSUMER_ATTEMPTS },
    );
  }

  /** A plage d'ouverture or an absence changed: its agent hears of it if their preference says so. */
  private async agendaEvent(event: DomainEvent): Promise<void> {
    const model = event.model as AgendaModel;
    const item = event.payload as unknown as AgendaFields & { agent_id: string; title: string | null; lieu_id?: string };
    await deliver(
      this.platform,
      event.territory_id,
      async () => {
        const [row] = await tx().query(
          `SELECT o.actor_agent_id, t.timezone, t.name AS territory_name, org.name AS organisation_name,
                  a.first_name, a.last_name, a.email, a.${AGENDA_LEVELS[model]} AS level,
                  l.name AS lieu_name, l.address AS lieu_address
             FROM outbox_events o
             JOIN territories t ON t.id = o.territory_id
             JOIN agents a ON a.id = $2 AND a.deleted_at IS NULL
             LEFT JOIN organisations org ON org.id = o.organisation_id
             LEFT JOIN lieux l ON l.id = $3
            WHERE o.id = $1`,
          [event.id, item.agent_id, item.lieu_id ?? null],
        );
        if (!row?.email) return []; // an intervenant, or an agent gone since
        const wanted = agentWantsNotification(row.level, {
          agentId: item.agent_id,
          actorAgentId: row.actor_agent_id,
          now: this.platform.clock.now(),
          timezone: row.timezone,
          happensBetween: (from, to) => expandOccurrences(definitionOf(item), row.timezone, { start: from.getTime(), end: to.getTime() }).length > 0,
        });
        if (!wanted) return [];
        const name = [row.first_name, row.last_name].filter(Boolean).join(' ');
        const message = agendaChangeEmail(this.platform, {
          model,
          change: event.event,
          item,
          lieu: row.lieu_name ? { name: row.lieu_name, address: row.lieu_address } : null,
          organisationName: row.organisation_name ?? row.territory_name,
          agent: { name, email: row.email },
          url: `${this.platform.config.publicUrl}/admin/`,
        });
        return [{
          target: {
            dedupeKey: `event:${event.id}:email:agent:${item.agent_id}`,
            rdvId: null,
            event: `agent_${model}_${event.event}`,
            channel: 'email',
            recipientType: 'agent',
            recipientId: item.agent_id,
            recipient: maskEmail(row.email),
          },
          compose: async () => () => platformMail(this.platform).send(message),
        }];
      },
      { maxAttempts: CONSUMER_ATTEMPTS },
    );
  }

  /** Agents of the rdv who want to hear of this change (their preferences), by email with the calendar file. */
  /** Seed 001: the prescripteur who booked online for an usager receives a confirmation. */
  private prescripteurOutgoing(source: string, snapshot: RdvSnapshot, booked: Array<{ participationId: string }>): Outgoing[] {
    const ids = new Set(booked.map((recipient) => recipient.participationId));
    return snapshot.participations.flatMap((participation): Outgoing[] => {
      const { prescripteur } = participation;
      if (!prescripteur || !ids.has(participation.id)) return [];
      const message = prescripteurConfirmationEmail(this.platform, snapshot, prescripteur, participation.user);
      return [{
        target: {
          dedupeKey: `${source}:email:prescripteur:${participation.id}`,
          rdvId: snapshot.id,
          event: 'prescripteur_rdv_created',
          channel: 'email',
          recipientType: 'prescripteur',
          recipientId: null,
          recipient: maskEmail(prescripteur.email),
        },
        compose: async () => () => platformMail(this.platform).send(message),
      }];
    });
  }

  private agentOutgoing(source: string, snapshot: RdvSnapshot, change: AgentRdvChange, payload: RdvEventPayload, previousStartsAt: Date | null): Outgoing[] {
    const now = this.platform.clock.now();
    const actorAgentId = payload.actor?.type === 'agent' ? payload.actor.agent_id : null;
    return snapshot.agents.flatMap((agent): Outgoing[] => {
      const email = agent.email;
      if (!email) return []; // an intervenant: an agenda without a mailbox
      const wanted = agentWantsNotification(agent.rdv_notifications_level, {
        agentId: agent.id, actorAgentId, now, timezone: snapshot.timezone,
        happensBetween: (from, to) => snapshot.starts_at >= from && snapshot.starts_at < to,
      });
      if (!wanted) return [];
      const message = agentRdvEmail(this.platform, snapshot, { ...agent, email }, change, previousStartsAt);
      return [{
        target: {
          dedupeKey: `${source}:email:agent:${agent.id}`,
          rdvId: snapshot.id,
          event: `agent_rdv_${change}`,
          channel: 'email',
          recipientType: 'agent',
          recipientId: agent.id,
          recipient: maskEmail(email),
        },
        compose: async () => () => platformMail(this.platform).send(message),
      }];
    });
  }
}
