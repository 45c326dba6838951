import { route } from '../http/route';
import { requireTerritorialAdmin } from '../territories/policy';
import { dueCounts } from './jobs';

export const retentionRoutes = [
  route({
    method: 'get', path: '/api/v1/territories/current/retention', tag: 'territories', access: 'agent',
    response: 'api/retention.preview.json',
    summary: 'What the next RGPD retention run deletes or anonymises in the territory, per kind (territorial admins)',
    async handle({ actor, platform }) {
      requireTerritorialAdmin(actor);
      const now = platform.clock.now();
      const counts = await dueCounts(platform, now);
      const settings = platform.config.retention;
      return {
        as_of: now.toISOString(),
        kinds: Object.entries(counts).map(([kind, count]) => ({ kind, count })),
        settings: {
          rdv_months: settings.rdvMonths,
          usager_months: settings.usagerMonths,
          agent_months: settings.agentMonths,
          agent_notice_days: settings.agentNoticeDays,
          personal_version_months: settings.personalVersionMonths,
          version_months: settings.versionMonths,
          receipt_months: settings.receiptMonths,
          event_days: settings.eventDays,
        },
      };
    },
  }),
];
