import { definePlugin } from '../../platform/src/plugins/sdk';
import { configSchema, OutlookConfig } from './config';
import { callbackRoutes, connectionRoutes } from './connections';
import { migrations } from './migrations';
import { eventRetention } from './retention';
import { DISCONNECT_JOB, disconnect, INITIAL_SYNC_JOB, initialSync, onEvent, recover, SYNC_JOB, syncRdv } from './sync';

/**
 * Outlook 365: each agent who connects their Microsoft account in « Mon compte » finds
 * their rdvs in their Outlook calendar, kept true as rdvs are booked, moved, cancelled or
 * given to other agents (one way: Outlook is never read). INTEGRATIONS.md §2, README.md.
 */
export default definePlugin<OutlookConfig>({
  name: 'outlook',
  version: '1.0.0',
  description: 'Outlook 365 : les rendez-vous des agents écrits dans leur agenda Outlook, tenus à jour',
  scope: 'organisation',
  configSchema,
  instanceSettings: {
    clientId: { env: 'OUTLOOK_CLIENT_ID', description: 'The Azure application (client) id' },
    clientSecret: { env: 'OUTLOOK_CLIENT_SECRET', description: "The Azure application's client secret" },
    authorityUrl: { env: 'OUTLOOK_AUTHORITY_URL', description: 'The identity platform, https://login.microsoftonline.com/common/oauth2/v2.0 by default (a tenant, a sovereign cloud, tests)' },
    graphUrl: { env: 'OUTLOOK_GRAPH_URL', description: 'Microsoft Graph, https://graph.microsoft.com/v1.0 by default' },
  },
  events: ['rdv.*'],
  onEvent,
  jobs: { [SYNC_JOB]: syncRdv, [INITIAL_SYNC_JOB]: initialSync, [DISCONNECT_JOB]: disconnect },
  routes: connectionRoutes,
  partnerRoutes: callbackRoutes,
  migrations,
  recover,
  retention: [eventRetention],
});
