/**
 * The check before a CNI/passport booking commits (INTEGRATIONS.md §1.b, "Booking rules"):
 * one well-formed, distinct pré-demande number per person, and, when the territory asks
 * for it, each number's status from ANTS within 4 seconds.
 */
import { AppError, BookingCheck, BookingCheckResult, FieldError, PluginChecks, PluginContext } from '../../platform/src/plugins/sdk';
import { antsEndpoint, AntsAppointment, NumberStatus, numberStatuses } from './api';
import { AntsConfig, isAntsCategory } from './config';
import { isNumber, NUMBER_FIELD } from './numbers';

/** As the reference waits. */
export const CHECK_TIMEOUT_MS = 4_000;
export const TIMEOUT_MESSAGE = "Le numéro de pré-demande n'a pas pu être validé auprès de l'ANTS : réessayez dans 30 secondes";

/** What the usager is told for each refused status (the reference's words). */
export const STATUS_MESSAGES: Record<string, string> = {
  consumed: 'correspond à un dossier déjà instruit',
  declared: "n'est pas officiellement reconnu par l'ANTS",
  unknown: "n'est pas reconnu par l'ANTS",
  expired: 'correspond à un dossier expiré',
};

export const MESSAGES = {
  missing: 'Le numéro de pré-demande ANTS est obligatoire pour ce motif (un par personne)',
  malformed: 'Le numéro de pré-demande ANTS compte 10 lettres ou chiffres',
  duplicate: 'Ce numéro de pré-demande ANTS est déjà donné pour une autre personne de ce rendez-vous',
};

/** Changes that book a person at a time and place: the status is asked again only for these. */
const BOOKING_CHANGES = ['created', 'moved', 'usagers'];

/** `user.custom_fields` (online) → `user.custom_fields.ants_pre_demande_number`; an agent's `user_ids.0` stays as is. */
export function numberPath(usagerPath: string): string {
  return /(^|\.)custom_fields$/.test(usagerPath) ? `${usagerPath}.${NUMBER_FIELD}` : usagerPath;
}

export function statusError(number: string, status: string): string {
  return `Le numéro de pré-demande ${number} ${STATUS_MESSAGES[status] ?? `n'est pas accepté par l'ANTS (statut « ${status} »)`}`;
}

export function elsewhereWarning(number: string, appointment: AntsAppointment): string {
  return `Le numéro de pré-demande ${number} est déjà utilisé pour un rendez-vous auprès de ${appointment.meeting_point}`
    + `${appointment.appointment_date ? ` (${appointment.appointment_date})` : ''} : annulez-le avant d'en prendre un nouveau (${appointment.management_url})`;
}

/** Each person's number, or the errors of those missing, malformed or given twice (pure). */
export function readNumbers(usagers: BookingCheck['usagers']): { numbers: Map<string, string>; errors: FieldError[] } {
  const numbers = new Map<string, string>();
  const errors: FieldError[] = [];
  for (const usager of usagers) {
    const path = numberPath(usager.path);
    const value = usager.custom_fields[NUMBER_FIELD];
    if (value === undefined || value === null || value === '') errors.push({ path, message: MESSAGES.missing });
    else if (typeof value !== 'string' || !isNumber(value)) errors.push({ path, message: MESSAGES.malformed });
    else if (numbers.has(value.toUpperCase())) errors.push({ path, message: MESSAGES.duplicate });
    else numbers.set(value.toUpperCase(), path);
  }
  return { numbers, errors };
}

/** Errors for refused statuses, warnings for appointments held elsewhere (not this rdv's own) (pure). */
export function judgeStatuses(numbers: Map<string, string>, statuses: Record<string, NumberStatus>, ownUrls: Set<string>): BookingCheckResult {
  const errors: FieldError[] = [];
  const warnings: FieldError[] = [];
  for (const [number, path] of numbers) {
    const { status, appointments } = statuses[number];
    if (status !== 'validated') {
      errors.push({ path, message: statusError(number, status) });
      continue;
    }
    for (const appointment of appointments.filter((candidate) => !ownUrls.has(candidate.management_url))) {
      warnings.push({ path, message: elsewhereWarning(number, appointment) });
    }
  }
  return { errors, warnings };
}

async function checkBooking(check: BookingCheck, ctx: PluginContext<AntsConfig>): Promise<BookingCheckResult | void> {
  if (!isAntsCategory(check.motif.category) || !check.changes.some((change) => BOOKING_CHANGES.includes(change))) return;
  const { numbers, errors } = readNumbers(check.usagers);
  if (errors.length) return { errors };
  if (!ctx.config.check_numbers || numbers.size === 0) return;
  const endpoint = await antsEndpoint(ctx, ctx.config);
  if (!endpoint) return;
  let statuses: Record<string, NumberStatus>;
  try {
    // A little under the checks' bound, so that a slow ANTS is logged here rather than cut off by the host.
    statuses = await numberStatuses(ctx, endpoint, [...numbers.keys()], check.lieu?.id ?? null, CHECK_TIMEOUT_MS - 250);
  } catch (error) {
    ctx.logger.warn('ANTS status check failed', { error: (error as Error).message });
    throw new AppError('unavailable', TIMEOUT_MESSAGE);
  }
  const own = check.rdvId
    ? await ctx.db.query<{ management_url: string }>(`SELECT management_url FROM ants_appointments WHERE rdv_id = $1`, [check.rdvId])
    : [];
  const result = judgeStatuses(numbers, statuses, new Set(own.map((row) => row.management_url)));
  return result.errors!.length ? { errors: result.errors } : result;
}

export const checks: PluginChecks<AntsConfig> = {
  booking: checkBooking,
  timeoutMs: CHECK_TIMEOUT_MS,
  timeoutMessage: TIMEOUT_MESSAGE,
};
