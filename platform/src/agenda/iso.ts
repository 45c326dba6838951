/**
 * Instants written as the API shows them: ISO 8601 with the territory's offset
 * (`2026-12-07T09:00:00+01:00`). A week's search answers thousands of créneaux,
 * and building a luxon DateTime for each costs ~10 µs; the zone's offset is
 * instead memoised per quarter hour (every zone's offset changes on a quarter
 * hour of UTC time) and the text is built from a shifted Date.
 */
import { IANAZone } from 'luxon';
import { AppError } from '../errors';
import type { EpochMs } from './time';

const QUARTER_HOUR_MS = 15 * 60_000;
const MAX_CACHED_OFFSETS = 100_000;
const offsetsByZone = new Map<string, { zone: IANAZone; offsets: Map<number, number> }>();

/** Minutes east of UTC in `timeZone` at `instant`. */
function offsetMinutes(instant: EpochMs, timeZone: string): number {
  let entry = offsetsByZone.get(timeZone);
  if (!entry) {
    if (!IANAZone.isValidZone(timeZone)) throw AppError.invalidField('timezone', `Unknown time zone "${timeZone}"`);
    entry = { zone: IANAZone.create(timeZone), offsets: new Map() };
    offsetsByZone.set(timeZone, entry);
  }
  const quarter = Math.floor(instant / QUARTER_HOUR_MS);
  let offset = entry.offsets.get(quarter);
  if (offset === undefined) {
    offset = entry.zone.offset(quarter * QUARTER_HOUR_MS);
    if (entry.offsets.size >= MAX_CACHED_OFFSETS) entry.offsets.clear();
    entry.offsets.set(quarter, offset);
  }
  return offset;
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** `2026-12-07T09:00:00+01:00`: the wall time of `instant` in `timeZone`, with its offset. */
export function isoInZone(instant: EpochMs, timeZone: string): string {
  const offset = offsetMinutes(instant, timeZone);
  const wall = new Date(instant + offset * 60_000).toISOString().slice(0, 19);
  const magnitude = Math.abs(offset);
  return `${wall}${offset < 0 ? '-' : '+'}${twoDigits(Math.floor(magnitude / 60))}:${twoDigits(magnitude % 60)}`;
}
