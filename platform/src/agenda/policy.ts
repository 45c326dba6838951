/**
 * Who may change an agent's agenda (plages d'ouverture, absences).
 *
 * The seeds give a basic agent "ses propres plages d'ouverture, indisponibilités
 * et rendez-vous" and only the rdvs of colleagues sharing a service, while admins
 * (and, per the issue, the Secrétariat) change every agent's agenda in their
 * organisation. So: everyone writes their own agenda; admins and the Secrétariat
 * write every member's; a basic agent reads (canSeeAgent) but does not write a
 * same-service colleague's. Territorial admins administer every organisation.
 */
import { AgentActor, seesWholeOrganisation } from '../agents/actor';
import { AgentRow, canSeeAgent, loadAgents } from '../agents/agents';
import { AppError } from '../errors';

export type AgendaOwner = Pick<AgentRow, 'id' | 'roles' | 'service_ids'>;

/** An agent's plages in one organisation. */
export function canWritePlagesOf(actor: AgentActor, agentId: string, organisationId: string): boolean {
  return actor.agentId === agentId || seesWholeOrganisation(actor, organisationId);
}

export function requirePlageWriter(actor: AgentActor, agentId: string, organisationId: string): void {
  if (!canWritePlagesOf(actor, agentId, organisationId)) {
    throw AppError.forbidden("Only admins and the Secrétariat may change another agent's plages");
  }
}

/** An agent's absences hold in every organisation: writable by whoever manages the agent's agenda in one of them. */
export function canWriteAbsencesOf(actor: AgentActor, agent: AgendaOwner): boolean {
  return actor.agentId === agent.id || agent.roles.some((role) => seesWholeOrganisation(actor, role.organisation_id));
}

export function requireAbsenceWriter(actor: AgentActor, agent: AgendaOwner): void {
  if (!canWriteAbsencesOf(actor, agent)) {
    throw AppError.forbidden("Only admins and the Secrétariat may change another agent's absences");
  }
}

/** The agent if the actor sees them (not deleted, in this territory, within canSeeAgent), else null. */
export async function findVisibleAgent(actor: AgentActor, agentId: string): Promise<AgentRow | null> {
  const [agent] = await loadAgents('a.id = $1', [agentId]);
  return agent && canSeeAgent(actor, agent) ? agent : null;
}

/** The agent named by a body's `agent_id`: refused at that path when the actor does not see them. */
export async function visibleAgent(actor: AgentActor, agentId: string): Promise<AgentRow> {
  const agent = await findVisibleAgent(actor, agentId);
  if (!agent) throw AppError.invalidField('agent_id', 'is not an agent you can see');
  return agent;
}
