import { AgentActor, isMember, isOrganisationAdmin } from '../agents/actor';
import { AppError } from '../errors';

/** An organisation the agent does not belong to does not exist for them: 404, not 403. */
export function requireMember(actor: AgentActor, organisationId: string): void {
  if (!isMember(actor, organisationId)) throw AppError.notFound('Organisation');
}

export function requireOrganisationAdmin(actor: AgentActor, organisationId: string): void {
  requireMember(actor, organisationId);
  if (!isOrganisationAdmin(actor, organisationId)) throw AppError.forbidden('Only admins of this organisation may do this');
}
