/**
 * Connected agents' calendars follow their rdvs. Each change of an rdv asks for it to be
 * synced (`outlook_rdv_syncs.requested` grows); one job at a time per rdv (a lease)
 * compares what each agent's calendar should hold with what was written
 * (`outlook_events`) and creates, patches or deletes the difference. Working from the
 * rdv as it is now, jobs that run late or twice apply its changes in order.
 *
 * A create is recorded before it is sent, with its transaction id: if the worker dies
 * before recording Graph's answer, the next run's create is refused as a duplicate and
 * the event is found again by that id, never written twice.
 *
 * Faults stay with their agent: a revoked connection is marked « à reconnecter » and
 * skipped, a throttled agent's work waits what Graph asked while the others' goes on.
 */
import crypto from 'node:crypto';
import { AppError, CoreRdv, DomainEvent, PluginContext, PluginJobRun } from '../../platform/src/plugins/sdk';
import type { OutlookConfig } from './config';
import { Endpoints, endpointsOf, graphErrorCode, MicrosoftError, Revoked, Throttled } from './microsoft';
import { forgetTokens, GraphSession } from './session';

type Context = PluginContext<OutlookConfig>;

export const SYNC_JOB = 'sync-rdv';
export const INITIAL_SYNC_JOB = 'initial-sync';
export const DISCONNECT_JOB = 'disconnect';
const SYNC_ATTEMPTS = 8;
/** Longer than a job may run: a second job of the rdv waits this long at most for a dead one's lease. */
const LEASE_MS = 120_000;
/** A disconnection queued inside the request's transaction waits this long at most for its commit. */
const COMMIT_WAIT_MS = 60_000;
const INITIAL_SYNC_DAYS = 31;

export interface SyncJob {
  rdv_id: string;
  generation: number;
}

export interface AgentJob {
  agent_id: string;
  /** Epoch ms (the platform's clock). */
  queued_at?: number;
}

/** What the calendar of an agent holds for an rdv. */
export interface GraphEvent {
  subject: string;
  body: { contentType: 'HTML'; content: string };
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  location: { displayName: string };
  attendees: [];
}

interface EventRow {
  agent_id: string;
  transaction_id: string;
  graph_event_id: string | null;
  fingerprint: string | null;
}

const LOCATION_LABELS: Record<string, string> = { phone: 'Par téléphone', home: 'À domicile', visio: 'En visioconférence' };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/**
 * The event of a live rdv (pure): the motif, the wall-clock times in the territory's zone,
 * the lieu, the link to the fiche. Nothing of its usagers leaves the platform.
 */
export function eventOf(rdv: CoreRdv, motif: { name: string; location_type: string } | null, lieu: { name: string; address: string } | null, link: string, timeZone: string): GraphEvent {
  const local = (iso: string) => iso.slice(0, 19);
  const where = lieu ? `${lieu.name}, ${lieu.address}` : (motif && LOCATION_LABELS[motif.location_type]) ?? '';
  return {
    subject: motif?.name ?? 'Rendez-vous',
    body: {
      contentType: 'HTML',
      content: `<p><a href="${escapeHtml(link)}">Voir le rendez-vous</a></p>`
        + '<p>Rendez-vous synchronisé automatiquement : modifiez-le dans l’outil de prise de rendez-vous, pas dans Outlook (vos changements ici seraient remplacés).</p>',
    },
    start: { dateTime: local(rdv.starts_at), timeZone },
    end: { dateTime: local(rdv.ends_at), timeZone },
    location: { displayName: where },
    attendees: [],
  };
}

const fingerprintOf = (event: GraphEvent) => crypto.createHash('sha256').update(JSON.stringify(event)).digest('hex');

/** Stable for an rdv, an agent and a connection: a create sent again is known to Graph. */
export function transactionIdOf(rdvId: string, agentId: string, salt: string): string {
  return crypto.createHash('sha256').update(`${rdvId}/${agentId}/${salt}`).digest('hex').slice(0, 40);
}

// --- Asking for syncs -------------------------------------------------------

/** Asks for these rdvs to be synced: a new generation each, and its job. */
export async function requestSync(ctx: Context, rdvIds: string[]): Promise<void> {
  if (!rdvIds.length) return;
  const requested = await ctx.db.query<SyncJob>(
    `INSERT INTO outlook_rdv_syncs (territory_id, rdv_id) SELECT $1, unnest($2::uuid[])
     ON CONFLICT (rdv_id) DO UPDATE SET requested = outlook_rdv_syncs.requested + 1, last_error = NULL, updated_at = now()
     RETURNING rdv_id::text AS rdv_id, requested AS generation`,
    [ctx.territoryId, [...new Set(rdvIds)]],
  );
  for (const job of requested) await queueSync(ctx, job);
}

function queueSync(ctx: Context, { rdv_id, generation }: SyncJob): Promise<void> {
  return ctx.queue.add(SYNC_JOB, { rdv_id, generation }, { jobId: `${rdv_id}.${generation}`, attempts: SYNC_ATTEMPTS });
}

export function queueInitialSync(ctx: Context, agentId: string): Promise<void> {
  return ctx.queue.add(INITIAL_SYNC_JOB, { agent_id: agentId }, { attempts: 5 });
}

export function queueDisconnect(ctx: Context, agentId: string): Promise<void> {
  const job: AgentJob = { agent_id: agentId, queued_at: ctx.now().getTime() };
  return ctx.queue.add(DISCONNECT_JOB, job, { attempts: SYNC_ATTEMPTS });
}

/** An rdv's change concerns Outlook when one of its agents is connected, or an event was written for it. */
export async function onEvent(event: DomainEvent, ctx: Context): Promise<void> {
  if (event.model !== 'rdv') return;
  const rdv = await ctx.core.rdv(event.record_id);
  const [concerned] = await ctx.db.query(
    `SELECT 1 FROM outlook_connections WHERE agent_id = ANY($1::uuid[])
     UNION ALL SELECT 1 FROM outlook_events WHERE rdv_id = $2 LIMIT 1`,
    [rdv?.agent_ids ?? [], event.record_id],
  );
  if (concerned) await requestSync(ctx, [event.record_id]);
}

/**
 * Connecting syncs the agent's rdvs from a month ago on, and the events written before
 * (a connection « à reconnecter » missed the cancellations and the rdvs the agent left).
 */
export async function initialSync(job: AgentJob, ctx: Context): Promise<void> {
  const since = new Date(ctx.now().getTime() - INITIAL_SYNC_DAYS * 24 * 3600_000);
  const rdvs = await ctx.core.rdvsOfAgent({ agentId: job.agent_id, endsAfter: since });
  const written = await ctx.db.query<{ rdv_id: string }>(`SELECT rdv_id::text AS rdv_id FROM outlook_events WHERE agent_id = $1`, [job.agent_id]);
  await requestSync(ctx, [...rdvs.filter((rdv) => !rdv.cancelled).map((rdv) => rdv.id), ...written.map((row) => row.rdv_id)]);
}

// --- Connection state -------------------------------------------------------

async function recordSuccess(ctx: Context, agentId: string): Promise<void> {
  await ctx.db.query(`UPDATE outlook_connections SET last_success_at = $2, last_error = NULL, last_error_at = NULL, updated_at = now() WHERE agent_id = $1`, [agentId, ctx.now()]);
}

async function recordError(ctx: Context, agentId: string, error: Error, status?: 'reconnect'): Promise<void> {
  await ctx.db.query(
    `UPDATE outlook_connections SET last_error = $2, last_error_at = $3, status = COALESCE($4, status), updated_at = now() WHERE agent_id = $1`,
    [agentId, frenchMessage(error), ctx.now(), status ?? null],
  );
}

/** Our own errors speak French; others do not reach the agent as they are. */
export function frenchMessage(error: Error): string {
  if (error instanceof MicrosoftError || error instanceof Revoked || error instanceof Throttled) return error.message;
  if (error instanceof AppError && error.kind === 'unavailable') return 'Microsoft n’a pas pu être joint (réseau ou délai dépassé) : nouvel essai plus tard';
  return 'Erreur inattendue pendant la synchronisation : nouvel essai plus tard';
}

// --- Writing events ---------------------------------------------------------

/**
 * Each event we create carries its transaction id in an extended property of ours too:
 * filtering on an extended property is Graph's documented way to find an event by our id.
 */
export const TRANSACTION_PROPERTY = 'String {b7dc7910-170b-4aa7-a387-16dba4e98c9c} Name lapinTransactionId';

async function findByTransactionId(session: GraphSession, transactionId: string): Promise<string | null> {
  const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${TRANSACTION_PROPERTY}' and ep/value eq '${transactionId}')`;
  const { body } = await session.call({ method: 'GET', path: `/me/events?$filter=${encodeURIComponent(filter)}&$select=id&$top=1`, what: 'Recherche de l’événement' });
  return body.value?.[0]?.id ?? null;
}

async function saveEventRow(ctx: Context, rdvId: string, agentId: string, graphEventId: string | null, fingerprint: string | null): Promise<void> {
  await ctx.db.query(
    `UPDATE outlook_events SET graph_event_id = $3, fingerprint = $4, updated_at = now() WHERE rdv_id = $1 AND agent_id = $2`,
    [rdvId, agentId, graphEventId, fingerprint],
  );
}

/** Makes the agent's calendar hold the event: created (once), or patched when it changed. */
async function writeEvent(ctx: Context, session: GraphSession, rdvId: string, row: EventRow | undefined, event: GraphEvent, salt: string): Promise<void> {
  const fingerprint = fingerprintOf(event);
  if (row?.graph_event_id) {
    if (row.fingerprint === fingerprint) return;
    const patched = await session.call({ method: 'PATCH', path: `/me/events/${encodeURIComponent(row.graph_event_id)}`, body: event, accept: [404], what: 'Mise à jour de l’événement' });
    if (patched.status !== 404) return saveEventRow(ctx, rdvId, session.agentId, row.graph_event_id, fingerprint);
    // Deleted in Outlook: written again, under a transaction id of its own.
    row = undefined;
    salt = `${salt}/${ctx.now().toISOString()}`;
    await ctx.db.query(`DELETE FROM outlook_events WHERE rdv_id = $1 AND agent_id = $2`, [rdvId, session.agentId]);
  }
  if (!row) {
    // Recorded before sending: a worker dying after Graph created the event leaves its transaction id here.
    await ctx.db.query(
      `INSERT INTO outlook_events (territory_id, rdv_id, agent_id, transaction_id) VALUES ($1, $2, $3, $4) ON CONFLICT (rdv_id, agent_id) DO NOTHING`,
      [ctx.territoryId, rdvId, session.agentId, transactionIdOf(rdvId, session.agentId, salt)],
    );
    [row] = await ctx.db.query<EventRow>(
      `SELECT agent_id::text AS agent_id, transaction_id, graph_event_id, fingerprint FROM outlook_events WHERE rdv_id = $1 AND agent_id = $2`, [rdvId, session.agentId],
    );
  }
  const transactionId = row!.transaction_id;
  const created = await session.call({
    method: 'POST', path: '/me/events', accept: [400], what: 'Création de l’événement',
    body: { ...event, transactionId, singleValueExtendedProperties: [{ id: TRANSACTION_PROPERTY, value: transactionId }] },
  });
  if (created.status !== 400) return saveEventRow(ctx, rdvId, session.agentId, created.body.id, fingerprint);
  if (graphErrorCode(created) !== 'ErrorDuplicateTransactionId') throw new MicrosoftError(400, graphErrorCode(created), 'Création de l’événement : Microsoft a refusé la demande (400)');
  // Created by an earlier run whose answer was lost: found again, and made current.
  const existing = await findByTransactionId(session, transactionId);
  if (!existing) throw new MicrosoftError(400, 'ErrorDuplicateTransactionId', 'Création de l’événement : Microsoft le dit déjà créé mais ne le trouve pas');
  await session.call({ method: 'PATCH', path: `/me/events/${encodeURIComponent(existing)}`, body: event, what: 'Mise à jour de l’événement' });
  await saveEventRow(ctx, rdvId, session.agentId, existing, fingerprint);
}

/** Removes the event from the agent's calendar; one already gone is success. */
async function removeEvent(ctx: Context, session: GraphSession, rdvId: string, row: EventRow): Promise<void> {
  const eventId = row.graph_event_id ?? (await findByTransactionId(session, row.transaction_id));
  if (eventId) await session.call({ method: 'DELETE', path: `/me/events/${encodeURIComponent(eventId)}`, accept: [404], what: 'Suppression de l’événement' });
  await ctx.db.query(`DELETE FROM outlook_events WHERE rdv_id = $1 AND agent_id = $2`, [rdvId, session.agentId]);
}

// --- Jobs -------------------------------------------------------------------

/** What went wrong for the agents of one rdv: throttled ones wait what Graph asked (the longest), others are retried. */
class AgentFaults {
  retryAfterMs = 0;
  readonly failures: string[] = [];

  async handle(ctx: Context, agentId: string, error: unknown): Promise<void> {
    if (error instanceof Revoked) {
      ctx.logger.warn('outlook connection revoked', { agent_id: agentId });
      await recordError(ctx, agentId, error, 'reconnect');
    } else if (error instanceof Throttled) {
      this.retryAfterMs = Math.max(this.retryAfterMs, error.retryAfterMs);
      await recordError(ctx, agentId, error);
    } else {
      this.failures.push(`agent ${agentId}: ${(error as Error).message}`);
      await recordError(ctx, agentId, error as Error);
    }
  }
}

/** Makes every concerned agent's calendar hold what the rdv calls for now; a revoked agent is skipped, not a fault. */
async function reconcileRdv(ctx: Context, endpoints: Endpoints, rdvId: string, attempt: number): Promise<AgentFaults> {
  const faults = new AgentFaults();
  const rdv = await ctx.core.rdv(rdvId);
  // Turned off for the rdv's organisation: what was written stays as it is.
  if (rdv && !(await ctx.settingsFor(rdv.organisation_id)).enabled) return faults;
  const wanted = rdv && !rdv.cancelled ? rdv.agent_ids : [];
  const rows = await ctx.db.query<EventRow>(
    `SELECT agent_id::text AS agent_id, transaction_id, graph_event_id, fingerprint FROM outlook_events WHERE rdv_id = $1`, [rdvId],
  );
  const agentIds = [...new Set([...wanted, ...rows.map((row) => row.agent_id)])];
  const connections = await ctx.db.query<{ agent_id: string; connected_at: Date }>(
    `SELECT agent_id::text AS agent_id, connected_at FROM outlook_connections WHERE agent_id = ANY($1::uuid[]) AND status = 'connected'`, [agentIds],
  );
  if (!connections.length) return faults;

  let event: GraphEvent | null = null;
  if (rdv && wanted.length) {
    const [[motif], [lieu], timeZone] = await Promise.all([
      ctx.core.motifs({ ids: [rdv.motif_id] }), rdv.lieu_id ? ctx.core.lieux({ ids: [rdv.lieu_id] }) : Promise.resolve([]), ctx.core.timeZone(),
    ]);
    event = eventOf(rdv, motif ?? null, lieu ?? null, ctx.core.links.adminRdv(rdv.id), timeZone);
  }
  for (const { agent_id: agentId, connected_at: connectedAt } of connections) {
    const session = new GraphSession(ctx, endpoints, agentId, attempt);
    const row = rows.find((candidate) => candidate.agent_id === agentId);
    try {
      if (event && wanted.includes(agentId)) await writeEvent(ctx, session, rdvId, row, event, new Date(connectedAt).toISOString());
      else if (row) await removeEvent(ctx, session, rdvId, row);
      await recordSuccess(ctx, agentId);
    } catch (error) {
      await faults.handle(ctx, agentId, error);
    }
  }
  return faults;
}

/**
 * One rdv's sync: under its lease, from the rdv as it is now; a later generation already
 * done needs nothing. Throttled, it runs again when Graph said; failing, it is retried, and
 * given up after the last attempt (the agents' connections keep the error) until the rdv changes.
 */
export async function syncRdv(job: SyncJob, ctx: Context, run: PluginJobRun): Promise<void> {
  const [request] = await ctx.db.query<{ requested: number; done: number }>(`SELECT requested, done FROM outlook_rdv_syncs WHERE rdv_id = $1`, [job.rdv_id]);
  if (!request || request.done >= job.generation) return;
  const endpoints = endpointsOf(ctx);
  if (!endpoints) throw new Error('Outlook: OUTLOOK_CLIENT_ID or OUTLOOK_CLIENT_SECRET is not set, no event can be written');
  const [leased] = await ctx.db.query<{ requested: number }>(
    `UPDATE outlook_rdv_syncs SET leased_until = now() + $2 * interval '1 millisecond', updated_at = now()
      WHERE rdv_id = $1 AND (leased_until IS NULL OR leased_until < now()) RETURNING requested`,
    [job.rdv_id, LEASE_MS],
  );
  if (!leased) run.defer(); // another job of this rdv is writing: this one applies after it

  let faults: AgentFaults | null = null;
  let failure: Error | null = null;
  try {
    faults = await reconcileRdv(ctx, endpoints, job.rdv_id, run.attempt);
    if (faults.failures.length) failure = new Error(`Outlook, rdv ${job.rdv_id}: ${faults.failures.join('; ')}`);
  } catch (error) {
    failure = error as Error;
  }
  const waitMs = faults?.retryAfterMs ?? 0;
  const settled = waitMs === 0 && (!failure || run.nextRetryDelayMs === null);
  await ctx.db.query(
    `UPDATE outlook_rdv_syncs SET leased_until = NULL, updated_at = now(), last_error = $3,
            done = CASE WHEN $4::boolean THEN GREATEST(done, $2) ELSE done END
      WHERE rdv_id = $1`,
    [job.rdv_id, leased.requested, failure?.message ?? (waitMs ? `throttled for ${waitMs} ms` : null), settled],
  );
  if (waitMs > 0) run.defer(waitMs);
  if (failure) throw failure;
}

/** Deletes the events written for the agent, then forgets the tokens and the connection. */
export async function disconnect(job: AgentJob, ctx: Context, run: PluginJobRun): Promise<void> {
  const [connection] = await ctx.db.query<{ status: string }>(`SELECT status FROM outlook_connections WHERE agent_id = $1`, [job.agent_id]);
  if (!connection) return;
  if (connection.status !== 'disconnecting') {
    // Queued inside the request's transaction, not committed yet (or connected again since).
    if (ctx.now().getTime() - (job.queued_at ?? 0) < COMMIT_WAIT_MS) run.defer();
    return;
  }
  const rows = await ctx.db.query<EventRow & { rdv_id: string }>(
    `SELECT rdv_id::text AS rdv_id, agent_id::text AS agent_id, transaction_id, graph_event_id, fingerprint FROM outlook_events WHERE agent_id = $1`, [job.agent_id],
  );
  const endpoints = endpointsOf(ctx);
  if (endpoints && rows.length) {
    const session = new GraphSession(ctx, endpoints, job.agent_id, run.attempt);
    try {
      for (const row of rows) await removeEvent(ctx, session, row.rdv_id, row);
    } catch (error) {
      // Without a working token nothing more can be deleted; the last attempt forgets all the same.
      if (!(error instanceof Revoked) && run.nextRetryDelayMs !== null) {
        if (error instanceof Throttled) run.defer(error.retryAfterMs);
        await recordError(ctx, job.agent_id, error as Error);
        throw error;
      }
      ctx.logger.warn('outlook events left in the calendar on disconnection', { agent_id: job.agent_id, error: (error as Error).message });
    }
  }
  await ctx.db.transaction(async () => {
    await forgetTokens(ctx, job.agent_id);
    await ctx.db.query(`DELETE FROM outlook_events WHERE agent_id = $1`, [job.agent_id]);
    await ctx.db.query(`DELETE FROM outlook_connections WHERE agent_id = $1 AND status = 'disconnecting'`, [job.agent_id]);
  });
}

/** Queues again syncs and disconnections untouched for `staleAfterMs` whose job may have been lost. */
export async function recover(ctx: Context, staleAfterMs: number): Promise<void> {
  const stale = await ctx.db.query<SyncJob>(
    `SELECT rdv_id::text AS rdv_id, requested AS generation FROM outlook_rdv_syncs
      WHERE done < requested AND updated_at < now() - $1 * interval '1 millisecond' ORDER BY updated_at LIMIT 1000`,
    [staleAfterMs],
  );
  for (const job of stale) await queueSync(ctx, job);
  const leaving = await ctx.db.query<{ agent_id: string }>(
    `SELECT agent_id::text AS agent_id FROM outlook_connections WHERE status = 'disconnecting' AND updated_at < now() - $1 * interval '1 millisecond'`,
    [staleAfterMs],
  );
  for (const { agent_id } of leaving) await queueDisconnect(ctx, agent_id);
}
