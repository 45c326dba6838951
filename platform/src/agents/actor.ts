import type { AccessLevel } from './agent.entity';

/** A signed-in agent with what their access depends on. */
export interface AgentActor {
  kind: 'agent';
  agentId: string;
  territoryId: string;
  territorialAdmin: boolean;
  /**
   * Territorial admins: the ids of every organisation of their territory, where they act as
   * admins. Empty for other agents. An id outside this set is another territory's, or nobody's.
   */
  territoryOrganisationIds: Set<string>;
  /** organisation id → access level in it. */
  roles: Map<string, AccessLevel>;
  /** service slugs. */
  services: Set<string>;
}

export interface PlatformAdminActor {
  kind: 'platform_admin';
  adminId: string;
}

export type Actor = AgentActor | PlatformAdminActor;

export const SECRETARIAT = 'secretariat';

/** Territorial admins see every organisation of their territory; others, those they belong to. */
export function isMember(actor: AgentActor, organisationId: string): boolean {
  return actor.roles.has(organisationId) || actor.territoryOrganisationIds.has(organisationId);
}

export function isOrganisationAdmin(actor: AgentActor, organisationId: string): boolean {
  return actor.roles.get(organisationId) === 'admin' || actor.territoryOrganisationIds.has(organisationId);
}

/** Secrétariat agents book in every agenda of their organisations. */
export function seesWholeOrganisation(actor: AgentActor, organisationId: string): boolean {
  return isOrganisationAdmin(actor, organisationId) || (actor.roles.has(organisationId) && actor.services.has(SECRETARIAT));
}

export function sharesAService(actor: AgentActor, services: Iterable<string>): boolean {
  for (const service of services) if (actor.services.has(service)) return true;
  return false;
}
