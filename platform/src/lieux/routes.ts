import { Raw } from 'typeorm';
import { AppError } from '../errors';
import { scopedResourceRoutes } from '../organisations/scoped-resource';
import { Lieu, LIEU_DEFAULTS } from './lieu.entity';
import { stillOfferedSql } from './reads';

export function lieuJson(lieu: Lieu) {
  const { territory_id: _territory, deleted_at: _deleted, created_at: _created, updated_at: _updated, ...json } = lieu;
  return json;
}

export const lieuRoutes = scopedResourceRoutes<Lieu>({
  entity: Lieu,
  model: 'lieu',
  plural: 'lieux',
  schema: 'api/lieu.json',
  tag: 'lieux',
  orderBy: 'name',
  defaults: LIEU_DEFAULTS,
  toJson: lieuJson,
  async check(body, _request, existing) {
    const availability = body.availability ?? existing?.availability ?? 'enabled';
    const day = body.single_use_day !== undefined ? body.single_use_day : existing?.single_use_day ?? null;
    if (availability === 'single_use' && day === null) throw AppError.invalidField('single_use_day', 'is required for a lieu used once');
    if (availability !== 'single_use' && body.single_use_day) throw AppError.invalidField('single_use_day', 'is only for a lieu used once (single_use)');
  },
  // A lieu used once leaves the lists (and so the plage form) once its day is over.
  listedOnly: ({ platform }) => ({
    availability: Raw((column) => stillOfferedSql(`${column.slice(0, column.lastIndexOf('.') + 1)}`, ':now'), { now: platform.clock.now() }),
  }),
});
