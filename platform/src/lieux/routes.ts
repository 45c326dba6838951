import { scopedResourceRoutes } from '../organisations/scoped-resource';
import { Lieu, LIEU_DEFAULTS } from './lieu.entity';

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
});
