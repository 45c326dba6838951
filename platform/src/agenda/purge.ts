import { DateTime } from 'luxon';
import { tx } from '../db/database';
import type { PeriodicTask } from '../jobs/periodic';
import type { Platform } from '../platform';

/**
 * The daily job: deletes, in every territory, the plages d'ouverture whose last
 * occurrence ended more than a year before `now` (the seeds: "Les plages
 * d'ouverture de plus d'un an sont automatiquement supprimées"). `last_day` is a
 * local date; a day of margin keeps every time zone on the safe side. Rdvs are
 * untouched (they never referenced the plage). Housekeeping, not a user's
 * change: no outbox event. Answers how many plages were deleted.
 */
export async function purgeEndedPlages(platform: Platform, now: Date): Promise<number> {
  const cutoff = DateTime.fromJSDate(now, { zone: 'utc' }).minus({ years: 1, days: 1 }).toISODate();
  return platform.db.system(async () => {
    const [{ count }] = await tx().query(
      `WITH deleted AS (DELETE FROM plages_ouverture WHERE last_day < $1 RETURNING 1) SELECT count(*)::int AS count FROM deleted`,
      [cutoff],
    );
    return count;
  });
}

export const endedPlagesPurge: PeriodicTask = {
  name: 'ended plages purge',
  everyMs: 24 * 3600 * 1000,
  run: (platform) => purgeEndedPlages(platform, platform.clock.now()),
};
