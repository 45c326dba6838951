/**
 * The appointments declared to ANTS follow our rdvs (INTEGRATIONS.md §1.b): after a booking,
 * a move, a cancellation or a change of number, a job per rdv compares what ANTS should hold
 * (one appointment per person's number, at the rdv's time and meeting point) with what we
 * declared (`ants_appointments`), withdraws the difference and declares the rest. A move is
 * a withdrawal then a declaration. Each call is recorded as soon as it succeeded, so a retry
 * repeats none; a failure is thrown, retried with growing delays, then kept for admins.
 *
 * `ants_rdv_syncs` holds one row per rdv asked to sync: its generation grows with each
 * request, so a change made while a job runs gets a job of its own (a job id per rdv alone
 * would be dropped while the previous one is queued or kept), and a lease keeps two jobs of
 * one rdv from calling ANTS at once. recover() queues again the requests whose job was lost.
 */
import type { CoreRdv, DomainEvent, PluginContext, PluginJobRun } from '../../platform/src/plugins/sdk';
import { antsEndpoint, AppointmentKey, createAppointment, deleteAppointment } from './api';
import { AntsConfig, isAntsCategory } from './config';
import { publishedPoints } from './meeting-points';
import { NUMBER_FIELD, numberOf } from './numbers';

type Context = PluginContext<AntsConfig>;

export const SYNC_JOB = 'sync-rdv';
export const SYNC_ATTEMPTS = 8;
/** Longer than a job may run: a second job of the rdv waits this long at most for a crashed one. */
const LEASE_MS = 120_000;
const LEFT = ['excused', 'revoked'];

export interface SyncJob {
  rdv_id: string;
  generation: number;
  /** Epoch ms: a job queued inside a transaction waits for its commit, not for ever. */
  queued_at?: number;
}

/** A job that never sees its generation commit gives up after this. */
const COMMIT_WAIT_MS = 60_000;

/** An appointment ANTS should hold for this rdv. */
export interface DesiredAppointment extends AppointmentKey {
  user_id: string;
  participation_id: string;
}

/** An appointment we declared. */
export interface DeclaredAppointment extends AppointmentKey {
  id: string;
  management_url: string;
}

/** `2027-01-05T09:00:00+01:00` → `2027-01-05 09:00:00`: the wall-clock time where the rdv takes place. */
export function localAppointmentDate(startsAt: string): string {
  return startsAt.slice(0, 19).replace('T', ' ');
}

function keyOf(appointment: AppointmentKey): string {
  return [appointment.application_id, appointment.meeting_point_id, appointment.meeting_point, appointment.appointment_date].join('\u0000');
}

/**
 * What ANTS should hold for a live rdv at a published meeting point: one appointment per
 * active person's number (pure). Nothing for a cancelled rdv or one ANTS does not list.
 */
export function desiredAppointments(rdv: CoreRdv | null, meetingPoint: { id: string; name: string } | null): DesiredAppointment[] {
  if (!rdv || rdv.cancelled || !meetingPoint) return [];
  const desired = new Map<string, DesiredAppointment>();
  for (const usager of rdv.usagers) {
    const number = numberOf(usager.custom_fields);
    if (!number || LEFT.includes(usager.participation_status)) continue;
    const appointment = {
      application_id: number, meeting_point_id: meetingPoint.id, meeting_point: meetingPoint.name,
      appointment_date: localAppointmentDate(rdv.starts_at), user_id: usager.id, participation_id: usager.participation_id,
    };
    if (!desired.has(keyOf(appointment))) desired.set(keyOf(appointment), appointment);
  }
  return [...desired.values()];
}

/** Withdraw what is declared but no longer wanted, declare what is wanted but not declared (pure). */
export function reconcile(desired: DesiredAppointment[], declared: DeclaredAppointment[]): { toDelete: DeclaredAppointment[]; toCreate: DesiredAppointment[] } {
  const wanted = new Set(desired.map(keyOf));
  const held = new Set(declared.map(keyOf));
  return {
    toDelete: declared.filter((appointment) => !wanted.has(keyOf(appointment))),
    toCreate: desired.filter((appointment) => !held.has(keyOf(appointment))),
  };
}

/** Asks for these rdvs to be synced: a new generation each, and its job. */
export async function requestSync(ctx: Context, rdvIds: string[], organisationId: string): Promise<void> {
  if (!rdvIds.length) return;
  const requested = await ctx.db.query<SyncJob>(
    `INSERT INTO ants_rdv_syncs (territory_id, rdv_id, organisation_id)
     SELECT $1, unnest($2::uuid[]), $3
     ON CONFLICT (rdv_id) DO UPDATE SET generation = ants_rdv_syncs.generation + 1, status = 'pending',
       organisation_id = EXCLUDED.organisation_id, last_error = NULL, updated_at = now()
     RETURNING rdv_id::text AS rdv_id, generation`,
    [ctx.territoryId, [...new Set(rdvIds)], organisationId],
  );
  for (const job of requested) await queueSync(ctx, job);
}

function queueSync(ctx: Context, { rdv_id, generation }: SyncJob): Promise<void> {
  const job: SyncJob = { rdv_id, generation, queued_at: ctx.now().getTime() };
  return ctx.queue.add(SYNC_JOB, job, { jobId: `${rdv_id}.${generation}`, attempts: SYNC_ATTEMPTS });
}

/** Rdvs with appointments declared, among these. */
async function declaredRdvIds(ctx: Context, where: string, parameter: unknown): Promise<string[]> {
  const rows = await ctx.db.query<{ rdv_id: string }>(`SELECT DISTINCT rdv_id::text AS rdv_id FROM ants_appointments WHERE ${where}`, [parameter]);
  return rows.map((row) => row.rdv_id);
}

/**
 * `rdv.*`: an rdv of an ANTS motif, or one with declared appointments (its motif changed), is synced.
 * `user.updated`: the usager's coming rdvs, those declared under an old number and those under the new one.
 */
export async function onEvent(event: DomainEvent, ctx: Context): Promise<void> {
  if (!event.organisation_id) return;
  if (event.model === 'rdv') {
    const motifId = typeof event.payload.motif_id === 'string' ? event.payload.motif_id : null;
    const [motif] = motifId ? await ctx.core.motifs({ ids: [motifId] }) : [];
    const relevant = (motif && isAntsCategory(motif.category)) || (await declaredRdvIds(ctx, 'rdv_id = $1', event.record_id)).length > 0;
    if (relevant) await requestSync(ctx, [event.record_id], event.organisation_id);
    return;
  }
  if (event.model === 'user' && event.event === 'updated') {
    const declared = await ctx.db.query<{ rdv_id: string }>(
      `SELECT DISTINCT rdv_id::text AS rdv_id FROM ants_appointments WHERE user_id = $1 AND starts_at > $2`, [event.record_id, ctx.now()],
    );
    const number = numberOf(event.payload.custom_fields as Record<string, unknown> | undefined);
    const current = number
      ? (await ctx.core.rdvsByUsagerField({ field: NUMBER_FIELD, values: [number], endsAfter: ctx.now() }))
        .filter((rdv) => rdv.usagers.some((usager) => usager.id === event.record_id))
      : [];
    await requestSync(ctx, [...declared.map((row) => row.rdv_id), ...current.map((rdv) => rdv.id)], event.organisation_id);
  }
}

interface SyncRow {
  organisation_id: string;
  generation: number;
  status: 'pending' | 'done' | 'failed';
}

/** Makes ANTS hold what the rdv calls for now. */
export async function syncRdv(job: SyncJob, ctx: Context, run: PluginJobRun): Promise<void> {
  const [request] = await ctx.db.query<SyncRow>(`SELECT organisation_id::text AS organisation_id, generation, status FROM ants_rdv_syncs WHERE rdv_id = $1`, [job.rdv_id]);
  if (request && request.generation < job.generation) {
    // Queued inside a transaction not committed yet.
    if (ctx.now().getTime() - (job.queued_at ?? 0) < COMMIT_WAIT_MS) run.defer();
    return;
  }
  // A later request has its own job; a done one needs nothing.
  if (!request || request.generation !== job.generation || request.status !== 'pending') return;
  const leased = await ctx.db.query(
    `UPDATE ants_rdv_syncs SET leased_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1, updated_at = now()
      WHERE rdv_id = $1 AND (leased_until IS NULL OR leased_until < now()) RETURNING rdv_id`,
    [job.rdv_id, LEASE_MS],
  );
  if (!leased.length) run.defer(); // another job of this rdv is calling ANTS

  let failure: Error | null = null;
  try {
    await reconcileWithAnts(ctx, job.rdv_id, request.organisation_id);
  } catch (error) {
    failure = error as Error;
  }
  const lastAttempt = run.nextRetryDelayMs === null;
  await ctx.db.query(
    `UPDATE ants_rdv_syncs SET leased_until = NULL, last_error = $3, updated_at = now(),
            status = CASE WHEN generation <> $2 THEN status WHEN $3::text IS NULL THEN 'done' WHEN $4::boolean THEN 'failed' ELSE 'pending' END
      WHERE rdv_id = $1`,
    [job.rdv_id, job.generation, failure?.message ?? null, lastAttempt],
  );
  if (failure) throw failure;
}

async function reconcileWithAnts(ctx: Context, rdvId: string, organisationId: string): Promise<void> {
  const rdv = await ctx.core.rdv(rdvId);
  // The rdv's organisation decides (an usager's change comes from any of theirs); a deleted one's is the one that asked.
  const settings = await ctx.settingsFor(rdv?.organisation_id ?? organisationId);
  // Turned off: what was declared stays as it is (nothing is called any more).
  if (!settings.enabled) return;
  const now = ctx.now();
  // An rdv that took place keeps its appointments: ANTS keeps its history.
  if (rdv && Date.parse(rdv.starts_at) <= now.getTime()) return;
  const [motif] = rdv ? await ctx.core.motifs({ ids: [rdv.motif_id] }) : [];
  const point = rdv?.lieu_id && motif && isAntsCategory(motif.category) ? (await publishedPoints(ctx, [rdv.lieu_id])).get(rdv.lieu_id) : undefined;
  const desired = desiredAppointments(rdv, point?.meetingPoint ?? null);
  const declared = await ctx.db.query<DeclaredAppointment>(
    `SELECT id::text AS id, application_id, meeting_point_id, meeting_point, appointment_date, management_url
       FROM ants_appointments WHERE rdv_id = $1 AND starts_at > $2 ORDER BY id`,
    [rdvId, now],
  );
  const { toDelete, toCreate } = reconcile(desired, declared);
  if (!toDelete.length && !toCreate.length) return;
  const endpoint = await antsEndpoint(ctx, settings.config);
  if (!endpoint) throw new Error("ANTS : l'URL de l'API coordination ou son jeton n'est pas configuré, les rendez-vous ne peuvent pas être déclarés");

  const failures: string[] = [];
  // Withdrawals first: ANTS refuses a second appointment with the same management link.
  for (const appointment of toDelete) {
    try {
      await deleteAppointment(ctx, endpoint, appointment);
      await ctx.db.query(`DELETE FROM ants_appointments WHERE id = $1`, [appointment.id]);
    } catch (error) {
      failures.push(`withdrawing ${appointment.application_id} (${appointment.appointment_date}): ${(error as Error).message}`);
    }
  }
  for (const appointment of toCreate) {
    try {
      const managementUrl = await ctx.core.links.manageParticipation(appointment.participation_id);
      await createAppointment(ctx, endpoint, appointment, managementUrl);
      await ctx.db.query(
        `INSERT INTO ants_appointments (territory_id, rdv_id, user_id, application_id, meeting_point_id, meeting_point, appointment_date, starts_at, management_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [ctx.territoryId, rdvId, appointment.user_id, appointment.application_id, appointment.meeting_point_id, appointment.meeting_point,
          appointment.appointment_date, rdv!.starts_at, managementUrl],
      );
    } catch (error) {
      failures.push(`declaring ${appointment.application_id} (${appointment.appointment_date}): ${(error as Error).message}`);
    }
  }
  if (failures.length) throw new Error(`ANTS sync of rdv ${rdvId}: ${failures.join('; ')}`);
}

/** Queues again the requests untouched for `staleAfterMs` whose job may have been lost. */
export async function recoverSyncs(ctx: Context, staleAfterMs: number): Promise<void> {
  const stale = await ctx.db.query<SyncJob>(
    `SELECT rdv_id::text AS rdv_id, generation FROM ants_rdv_syncs
      WHERE status = 'pending' AND updated_at < now() - $1 * interval '1 millisecond' ORDER BY updated_at LIMIT 1000`,
    [staleAfterMs],
  );
  for (const job of stale) await queueSync(ctx, job);
}

/** Once the token is set, the rdvs given up for want of it (or for ANTS failing) are tried again. */
export async function retryFailedSyncs(ctx: Context): Promise<void> {
  const failed = await ctx.db.query<SyncJob>(
    `UPDATE ants_rdv_syncs SET generation = generation + 1, status = 'pending', updated_at = now()
      WHERE status = 'failed' RETURNING rdv_id::text AS rdv_id, generation`,
  );
  for (const job of failed) await queueSync(ctx, job);
}
