import { route } from '../http/route';
import { requireTerritorialAdmin } from '../territories/policy';
import { exportTenant } from './export';
import { tenantFileMap } from './files';

export const tenancyRoutes = [
  route({
    method: 'get', path: '/api/v1/territories/current/export', tag: 'territories', access: 'agent',
    summary: 'The territory as tenant files (path → content), as `npm run tenant -- export` writes them (territorial admins)',
    async handle({ actor, platform }) {
      requireTerritorialAdmin(actor);
      return { files: tenantFileMap(await exportTenant(platform)) };
    },
  }),
];
