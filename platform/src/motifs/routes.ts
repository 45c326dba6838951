import { isDeepStrictEqual } from 'node:util';
import { In, IsNull } from 'typeorm';
import { AgentActor, seesWholeOrganisation } from '../agents/actor';
import { ConfigStore } from '../configuration/store';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent } from '../events/outbox';
import { ApiRequest, route } from '../http/route';
import { requireOrganisationAdmin } from '../organisations/policy';
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

/** The rules of a motif a schema cannot express, for a change `body` of `existing` (or a new motif). */
async function checkMotif(body: Partial<Motif>, { platform }: ApiRequest<'agent'>, existing?: Motif): Promise<void> {
  if (body.service_id !== undefined) {
    const enabled = await enabledServices(new ConfigStore(platform.schemas));
    if (!enabled.includes(body.service_id)) throw AppError.invalidField('service_id', 'is not a service enabled in this territory');
  }
  const min = body.min_public_booking_delay ?? existing?.min_public_booking_delay ?? 0;
  const max = body.max_public_booking_delay ?? existing?.max_public_booking_delay ?? Infinity;
  if (min > max) throw AppError.invalidField('max_public_booking_delay', 'must not be shorter than the minimum delay');
  body.options?.forEach((option, index) => {
    if (body.options!.findIndex((other) => other.label.trim() === option.label.trim()) < index) {
      throw AppError.invalidField(`options.${index}.label`, 'is already an option of this motif');
    }
    option.duration_in_min ??= null;
  });
}

interface BulkUpdate {
  motif_ids: string[];
  changes: Partial<Motif>;
  preview?: boolean;
}

/**
 * « Modifier des motifs en masse » (seed 001): one field, one value, for several motifs of the
 * organisation; each motif is checked as its own change would be, and nothing is written
 * unless every one passes. The answer lists each motif's value before and after.
 */
const bulkUpdateRoute = route({
  method: 'post', path: '/api/v1/organisations/:org/motifs/bulk_update', tag: 'motifs', access: 'agent',
  body: 'api/motif.bulk_update.json',
  summary: 'Change one field of several motifs at once ({motif_ids, changes: {field: value}, preview}); preview answers what would change and writes nothing',
  async handle(request) {
    const { actor, params, body, platform } = request as ApiRequest<'agent', BulkUpdate>;
    requireOrganisationAdmin(actor, params.org);
    try {
      platform.schemas.validate('api/motif.json', body.changes, { partial: true });
    } catch (error) {
      if (error instanceof AppError) throw AppError.invalid(error.message, error.errors.map((e) => ({ ...e, path: `changes.${e.path}` })));
      throw error;
    }
    const [field, value] = Object.entries(body.changes)[0] as [keyof Motif, unknown];
    const found = await tx().findBy(Motif, { id: In(body.motif_ids), organisation_id: params.org, deleted_at: IsNull() });
    const motifs = body.motif_ids.map((id, index) => {
      const motif = found.find((candidate) => candidate.id === id);
      if (!motif) throw new AppError('not_found', 'Motif not found', [{ path: `motif_ids.${index}`, message: 'names no motif of this organisation' }]);
      return motif;
    });
    for (const [index, motif] of motifs.entries()) {
      try {
        await checkMotif({ [field]: value }, request as ApiRequest<'agent'>, motif);
      } catch (error) {
        if (error instanceof AppError) throw AppError.invalid(error.message, error.errors.map((e) => ({ ...e, path: `motif_ids.${index}`, message: `${e.path} ${e.message}` })));
        throw error;
      }
    }
    const data = motifs.map((motif) => ({ id: motif.id, name: motif.name, field, from: motif[field], to: value, changed: !isDeepStrictEqual(motif[field], value) }));
    if (!body.preview) {
      const at = platform.clock.now();
      for (const motif of motifs.filter((_, index) => data[index].changed)) {
        Object.assign(motif, { [field]: value, updated_at: at });
        await tx().save(Motif, motif);
        await recordEvent('motif', 'updated', motifJson(motif), { organisationId: params.org, actorAgentId: actor.agentId });
      }
    }
    return { preview: body.preview ?? false, data };
  },
});

export const motifRoutes = [bulkUpdateRoute, ...scopedResourceRoutes<Motif>({
  entity: Motif,
  model: 'motif',
  plural: 'motifs',
  schema: 'api/motif.json',
  tag: 'motifs',
  orderBy: 'name',
  defaults: MOTIF_DEFAULTS,
  toJson: motifJson,
  visibleTo: motifsVisibleTo,
  check: checkMotif,
})];
