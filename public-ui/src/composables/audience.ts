import type { LocationQuery } from 'vue-router';
import type { Audience } from '../api/public';

/** The portal's prescripteur entrance is the usager one with `?prescripteur=1`. */
export function audienceOf(query: LocationQuery): Audience {
  return query.prescripteur === '1' ? 'prescripteur' : 'usager';
}

export function audienceQuery(audience: Audience): Record<string, string> {
  return audience === 'prescripteur' ? { prescripteur: '1' } : {};
}
