import { definePlugin } from '../../platform/src/plugins/sdk';
import { configSchema, WebhooksConfig } from './config';
import { deliver, fanOut, recoverDeliveries, sendTestEvent } from './deliveries';
import { endpointRoutes } from './endpoints';
import { migrations } from './migrations';
import { SUBSCRIPTIONS } from './payload';
import { deliveryRetention } from './retention';

/**
 * Webhooks as RDV Service Public sends them (its consumers, such as rdv-insertion, keep
 * working): endpoints per organisation, signed JSON posts after commit, in order for
 * each record, retried, with a delivery log. See README.md.
 */
export default definePlugin<WebhooksConfig>({
  name: 'webhooks',
  version: '1.0.0',
  description: 'Signed HTTP notifications of changes to the systems of organisations',
  scope: 'organisation',
  enabledByDefault: true,
  configSchema,
  events: SUBSCRIPTIONS.map((model) => `${model}.*`),
  onEvent: fanOut,
  jobs: { deliver, 'test-event': sendTestEvent },
  routes: endpointRoutes,
  migrations,
  recover: recoverDeliveries,
  retention: [deliveryRetention],
});
