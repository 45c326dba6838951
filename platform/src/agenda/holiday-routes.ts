/**
 * The public holidays of a year as the territory's agendas see them: the admin UI
 * lists them from here (the browser holds no holiday calendar of its own).
 */
import { AppError } from '../errors';
import { route } from '../http/route';
import { loadSearchSettings } from '../scheduling/search';
import { holidayZones, isHolidayZone, publicHolidays } from './holidays';

/** The years date-holidays' French rules are meant for, give or take. */
const FIRST_YEAR = 1950;
const LAST_YEAR = 2200;

function malformed(path: string, message: string): AppError {
  return new AppError('malformed', `${path} ${message}`, [{ path, message }]);
}

export const holidayRoutes = [
  route({
    method: 'get', path: '/api/v1/holidays', tag: 'holidays', access: 'agent',
    summary: "The public holidays of a year (?year=[&zone=], the territory's zone by default), "
      + 'each with whether the territory reopened it (its `holidays` configuration document in force)',
    async handle({ query, platform }) {
      const year = Number(query.year);
      if (!/^\d{4}$/.test(query.year ?? '') || year < FIRST_YEAR || year > LAST_YEAR) {
        throw malformed('year', `must be a year from ${FIRST_YEAR} to ${LAST_YEAR}`);
      }
      if (query.zone !== undefined && !isHolidayZone(query.zone)) {
        throw malformed('zone', `must be one of ${holidayZones.join(', ')}`);
      }
      const settings = await loadSearchSettings(platform.schemas);
      const zone = query.zone ?? settings.holidays.zone;
      const reopened = new Set(settings.holidays.reopened);
      return {
        zone,
        year,
        data: publicHolidays(zone, `${year}-01-01`, `${year}-12-31`).map((holiday) => ({ ...holiday, reopened: reopened.has(holiday.date) })),
      };
    },
  }),
];
