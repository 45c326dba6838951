import { In } from 'typeorm';
import { AgentActor, seesWholeOrganisation } from '../agents/actor';
import { ConfigStore } from '../configuration/store';
import { AppError } from '../errors';
import { scopedResourceRoutes } from '../organisations/scoped-resource';
import { enabledServices } from '../services/routes';
import { Motif, MOTIF_DEFAULTS } from './motif.entity';

export function motifJson(motif: Motif) {
  const { territory_id: _territory, deleted_at: _deleted, created_at: _created, updated_at: _updated, ...json } = motif;
  return json;
}

/** Basic agents see the motifs of their services; admins and the Secrétariat see them all. */
function motifsVisibleTo(actor: AgentActor, organisationId: string) {
  return seesWholeOrganisation(actor, organisationId) ? undefined : { service_id: In([...actor.services]) };
}

export const motifRoutes = scopedResourceRoutes<Motif>({
  entity: Motif,
  model: 'motif',
  plural: 'motifs',
  schema: 'api/motif.json',
  tag: 'motifs',
  orderBy: 'name',
  defaults: MOTIF_DEFAULTS,
  toJson: motifJson,
  visibleTo: motifsVisibleTo,
  async check(body, { platform }, existing) {
    if (body.service_id !== undefined) {
      const enabled = await enabledServices(new ConfigStore(platform.schemas));
      if (!enabled.includes(body.service_id)) throw AppError.invalidField('service_id', 'is not a service enabled in this territory');
    }
    const min = body.min_public_booking_delay ?? existing?.min_public_booking_delay ?? 0;
    const max = body.max_public_booking_delay ?? existing?.max_public_booking_delay ?? Infinity;
    if (min > max) throw AppError.invalidField('max_public_booking_delay', 'must not be shorter than the minimum delay');
  },
});
