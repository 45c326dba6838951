import { route } from '../http/route';
import { requireMember, requireOrganisationAdmin } from '../organisations/policy';
import { requireTerritorialAdmin } from '../territories/policy';
import { computeStatistics, readStatisticsQuery } from './statistics';

const FILTERS = '?from=&to= (inclusive local days; the last 90 days by default, 400 at most)&motif_id=&lieu_id=&agent_id=&service=';

export const statisticsRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/statistics', tag: 'statistics', access: 'agent',
    response: 'api/statistics.json',
    summary: `The organisation's statistics (organisation admins): rdvs by status, created per week by origin, service, motif and location type, past rdvs per week by status, lead time, notifications, agents' activity ${FILTERS}`,
    async handle({ actor, params, query, platform }) {
      requireOrganisationAdmin(actor, params.org);
      const statisticsQuery = await readStatisticsQuery({ ...query, organisation_id: undefined }, platform.clock.now());
      return computeStatistics({ organisationId: params.org }, statisticsQuery, platform.clock.now(), platform.db.embedded);
    },
  }),
  route({
    method: 'get', path: '/api/v1/territories/current/statistics', tag: 'statistics', access: 'agent',
    response: 'api/statistics.json',
    summary: `The territory's statistics (territorial admins), the same figures over every organisation ${FILTERS}&organisation_id=`,
    async handle({ actor, query, platform }) {
      requireTerritorialAdmin(actor);
      const statisticsQuery = await readStatisticsQuery(query, platform.clock.now());
      if (statisticsQuery.filters.organisationId) requireMember(actor, statisticsQuery.filters.organisationId);
      return computeStatistics({ territoryId: actor.territoryId }, statisticsQuery, platform.clock.now(), platform.db.embedded);
    },
  }),
];
