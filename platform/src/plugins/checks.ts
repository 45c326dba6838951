/**
 * Checks before commit (sdk.ts `checks.booking`): every plugin on for the rdv's
 * organisation examines a booking inside the request, before anything is written.
 * Errors refuse it (422), warnings until the caller confirms them (409), and a
 * plugin that throws or does not answer in time refuses it too (503): a booking
 * is never made unchecked, nor left hanging.
 */
import { isoInZone } from '../agenda/iso';
import { currentTerritoryId } from '../db/database';
import { AppError, FieldError } from '../errors';
import { listLieux } from '../lieux/reads';
import { consoleLog, errorMessage } from '../logging';
import type { Motif } from '../motifs/motif.entity';
import type { Platform } from '../platform';
import { coreMotif } from './core-reads';
import { createPluginContext, readPluginSettings } from './host';
import { installedPlugins } from './registry';
import type { BookingChange, BookingCheck, BookingCheckResult, BookingCheckUsager, PluginDefinition } from './sdk';

/** How long a plugin's checks may take unless it says (sdk.ts); the instance's HTTP ceiling caps it. */
const DEFAULT_CHECK_TIMEOUT_MS = 5_000;

/** A booking about to be written, as the booking code knows it. */
export interface BookingToCheck {
  changes: BookingChange[];
  channel: BookingCheck['channel'];
  organisationId: string;
  rdvId: string | null;
  motif: Motif;
  lieuId: string | null;
  startsAt: Date;
  endsAt: Date;
  /** The rdv's active usagers after the change. */
  usagers: BookingCheckUsager[];
  /** The rdv fiche's custom fields after the change. */
  customFields: Record<string, unknown>;
  timeZone: string;
}

/** The plugins' warnings, to confirm with the booking's own (agent booking); throws for errors and failures. */
export async function pluginBookingWarnings(platform: Platform, booking: BookingToCheck): Promise<FieldError[]> {
  const checking: { plugin: PluginDefinition<any>; config: unknown }[] = [];
  for (const plugin of installedPlugins(platform)) {
    if (!plugin.checks?.booking) continue;
    const settings = await readPluginSettings(platform, plugin, booking.organisationId);
    if (settings.enabled) checking.push({ plugin, config: settings.config });
  }
  if (!checking.length) return [];

  const check = await bookingCheck(booking);
  const territoryId = currentTerritoryId();
  const results = await Promise.all(checking.map(({ plugin, config }) => {
    const ctx = createPluginContext(platform, plugin, { territoryId, organisationId: booking.organisationId, settings: { enabled: true, config } }, consoleLog);
    return boundedCheck(platform, plugin, () => plugin.checks!.booking!(structuredClone(check), ctx));
  }));
  const errors = results.flatMap((result) => result?.errors ?? []);
  if (errors.length) throw AppError.invalid('The booking is refused', errors);
  return results.flatMap((result) => result?.warnings ?? []);
}

/** Runs the plugins' checks: 422 on errors, 409 on warnings unless `confirmed`, 503 when a plugin fails or is late. */
export async function checkBooking(platform: Platform, booking: BookingToCheck, confirmed: boolean): Promise<void> {
  const warnings = await pluginBookingWarnings(platform, booking);
  if (warnings.length && !confirmed) throw AppError.conflict('The booking needs your explicit confirmation', warnings);
}

async function bookingCheck(booking: BookingToCheck): Promise<BookingCheck> {
  const [lieu] = booking.lieuId ? await listLieux({ ids: [booking.lieuId] }) : [];
  return {
    changes: booking.changes,
    channel: booking.channel,
    organisationId: booking.organisationId,
    rdvId: booking.rdvId,
    motif: coreMotif(booking.motif),
    lieu: lieu ?? null,
    starts_at: isoInZone(booking.startsAt.getTime(), booking.timeZone),
    ends_at: isoInZone(booking.endsAt.getTime(), booking.timeZone),
    usagers: booking.usagers,
    custom_fields: booking.customFields,
  };
}

const LATE = Symbol('late');

/**
 * One plugin's check within its time: late, it refuses with the plugin's words; an AppError it
 * throws is meant for the caller and passes as it is; any other failure refuses with ours.
 */
async function boundedCheck(platform: Platform, plugin: PluginDefinition<any>, run: () => Promise<BookingCheckResult | void>): Promise<BookingCheckResult | void> {
  const timeoutMs = Math.min(plugin.checks!.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, platform.config.jobs.httpTimeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), timeoutMs);
  });
  let outcome: BookingCheckResult | void | typeof LATE;
  try {
    outcome = await Promise.race([Promise.resolve().then(run), deadline]);
  } catch (error) {
    consoleLog('warn', 'plugin booking check failed', { plugin: plugin.name, territory_id: currentTerritoryId(), error: errorMessage(error) });
    if (error instanceof AppError) throw error;
    throw new AppError('unavailable', 'La vérification de ce rendez-vous a échoué : réessayez dans quelques instants.');
  } finally {
    clearTimeout(timer);
  }
  if (outcome !== LATE) return outcome;
  consoleLog('warn', 'plugin booking check timed out', { plugin: plugin.name, territory_id: currentTerritoryId(), timeout_ms: timeoutMs });
  throw new AppError('unavailable', plugin.checks!.timeoutMessage ?? 'La vérification de ce rendez-vous n’a pas abouti à temps : réessayez dans quelques instants.');
}
