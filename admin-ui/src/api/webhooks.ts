import { api } from './client';
import type { JsonSchema } from './schemas';

/** The webhooks plugin's endpoints and delivery log (organisation admins). */

export interface WebhookEndpoint {
  id: string;
  organisation_id: string;
  target_url: string;
  subscriptions: string[];
  /** Masked: its last 4 characters. */
  secret: string | null;
  created_at: string;
}

export interface WebhookDelivery {
  id: string;
  model: string;
  event: string;
  record_id: string;
  status: 'pending' | 'delivered' | 'failed';
  round: number;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

/**
 * The body schema of an endpoint, as the API's OpenAPI document shows it (inline: the
 * plugin owns it), so that the form follows it without a copy.
 */
export async function endpointBodySchema(): Promise<JsonSchema> {
  const document = await api.get<JsonSchema>('/api/openapi.json');
  return document.paths['/api/v1/organisations/{org}/webhook_endpoints'].post.requestBody.content['application/json'].schema;
}
