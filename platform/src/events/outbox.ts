import type { PlatformConfig } from '../config';
import { currentTerritoryId, tx } from '../db/database';
import { currentRequestId } from '../logging';
import { secretBoxFor } from '../plugins/secrets';
import { OutboxEvent } from './outbox-event.entity';

export type DomainEventKind = 'created' | 'updated' | 'destroyed';

/**
 * Writes a domain event in the current transaction (the outbox): it exists if and
 * only if the change committed. Dispatchers hand it to consumers afterwards.
 */
export async function recordEvent(
  model: string,
  event: DomainEventKind,
  payload: { id: string } & Record<string, unknown>,
  context: { organisationId?: string | null; actorAgentId?: string | null } = {},
): Promise<void> {
  await tx().insert(OutboxEvent, {
    territory_id: currentTerritoryId(),
    organisation_id: context.organisationId ?? null,
    model,
    event,
    record_id: payload.id,
    payload: JSON.parse(JSON.stringify(payload)),
    actor_agent_id: context.actorAgentId ?? null,
    request_id: currentRequestId() ?? null,
  });
}

/** Where an event's sealed secret belongs: copied to another event, it does not open. */
function secretPlace(model: string, recordId: string): string {
  return `outbox:${model}:${recordId}`;
}

/**
 * The secret an event carries to the one consumer that sends it (a code, a link holding
 * one), sealed with the instance's secret box: the outbox, the queue's jobs, webhooks and
 * other consumers see ciphertext only.
 */
export function sealEventSecret(config: PlatformConfig, model: string, recordId: string, secret: Record<string, string>): string {
  return secretBoxFor(config).seal(JSON.stringify(secret), secretPlace(model, recordId));
}

/** The secret `sealEventSecret` put in an event's `secret`, at send time. */
export function openEventSecret<T extends Record<string, string>>(config: PlatformConfig, model: string, payload: { id: string; secret: string }): T {
  return JSON.parse(secretBoxFor(config).open(payload.secret, secretPlace(model, payload.id))) as T;
}
