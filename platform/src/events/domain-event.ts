import type { DomainEventKind } from './outbox';

/** An outbox row as consumers receive it, after the change committed. */
export interface DomainEvent {
  /** The outbox id: a record's events come in increasing order. */
  id: string;
  /** The record's kind: rdv, motif, lieu, agent, organisation, user, plage_ouverture... */
  model: string;
  event: DomainEventKind;
  record_id: string;
  /** The record as the API shows it (before deletion, for `destroyed`). */
  payload: Record<string, unknown>;
  organisation_id: string | null;
  territory_id: string;
  /** ISO 8601 with the territory's offset. */
  occurred_at: string;
}
