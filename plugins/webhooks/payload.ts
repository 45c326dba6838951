import crypto from 'node:crypto';
import type { DomainEvent } from '../../platform/src/plugins/sdk';

/** What an endpoint may subscribe to: the reference's list. */
export const SUBSCRIPTIONS = [
  'rdv', 'absence', 'plage_ouverture', 'user', 'user_profile', 'organisation', 'motif', 'lieu', 'agent', 'agent_role',
] as const;

export function isSubscription(model: string): boolean {
  return (SUBSCRIPTIONS as readonly string[]).includes(model);
}

/** The reference names models after its classes: `plage_ouverture` → `PlageOuverture`. */
export function modelName(model: string): string {
  return model.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

/**
 * `{"data": ..., "meta": {"model", "event", "webhook_reason", "timestamp"}}`, as the reference
 * sends it. The event's `webhook_reason` (rdv changes carry one) moves to `meta`. Built once
 * per delivery and stored, so every attempt sends the same bytes.
 */
export function webhookBody(event: DomainEvent): string {
  const { webhook_reason: reason, ...data } = event.payload;
  return JSON.stringify({
    data,
    meta: {
      model: modelName(event.model),
      event: event.event,
      webhook_reason: typeof reason === 'string' ? reason : null,
      timestamp: event.occurred_at,
    },
  });
}

/** What a test event is logged as (`webhook.test`): no model an endpoint subscribes to. */
export const TEST_MODEL = 'webhook';
export const TEST_EVENT = 'test';

/**
 * The body of a test event, shaped as every other one so that a receiver checks its
 * parsing and its signature check: the endpoint in `data`, `Webhook`/`test` in `meta`.
 */
export function testBody(endpoint: { id: string; organisation_id: string; target_url: string }, timestamp: string): string {
  return JSON.stringify({
    data: {
      id: endpoint.id,
      organisation_id: endpoint.organisation_id,
      target_url: endpoint.target_url,
      message: 'Événement de test envoyé depuis Lapin à la demande d’un administrateur',
    },
    meta: { model: modelName(TEST_MODEL), event: TEST_EVENT, webhook_reason: null, timestamp },
  });
}

export function hmacHex(secret: string, content: string): string {
  return crypto.createHmac('sha256', secret).update(content).digest('hex');
}

/**
 * `X-Lapin-Signature`: the reference's signature of the raw body. `X-Lapin-Timestamp`
 * (Unix seconds, at sending) and `X-Lapin-Signature-V2` over `timestamp.body` let a
 * receiver refuse a replayed request.
 */
export function signatureHeaders(secret: string, body: string, timestamp: number): Record<string, string> {
  return {
    'x-lapin-signature': hmacHex(secret, body),
    'x-lapin-timestamp': String(timestamp),
    'x-lapin-signature-v2': hmacHex(secret, `${timestamp}.${body}`),
  };
}
