import { currentTerritoryId, tx } from '../db/database';
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
  });
}
