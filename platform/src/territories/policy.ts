import type { AgentActor } from '../agents/actor';
import { AppError } from '../errors';

export function requireTerritorialAdmin(actor: AgentActor): void {
  if (!actor.territorialAdmin) throw AppError.forbidden('Only territorial admins may do this');
}
