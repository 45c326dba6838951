import { audienceQuery } from '../composables/audience';
import { api } from './client';
import type { AccountInvitation, BookingRequest, ConfirmedRdv, CreneauxBody, NextAvailability, PendingRdv, PublicOrganisation, RdvRecap, FormDescription } from './types';

const organisationPath = (slug: string) => `/api/public/organisations/${encodeURIComponent(slug)}`;
const rdvPath = (tokenOrId: string) => `/api/public/rdvs/${encodeURIComponent(tokenOrId)}`;

/** A prescripteur also sees the motifs opened to prescripteurs (`?prescripteur=1`). */
export type Audience = 'usager' | 'prescripteur';


export interface SlotQuery {
  motif_id: string;
  lieu_id?: string;
  /** Créneaux lasting this option's duration. */
  motif_option?: string;
}

export interface CreneauxQuery extends SlotQuery {
  /** Inclusive days, YYYY-MM-DD in the territory's zone. */
  from: string;
  to: string;
}

export const publicApi = {
  organisation: (slug: string, audience: Audience) => api.get<PublicOrganisation>(organisationPath(slug), audienceQuery(audience)),
  creneaux: (slug: string, audience: Audience, query: CreneauxQuery) =>
    api.get<CreneauxBody>(`${organisationPath(slug)}/creneaux`, { ...query, ...audienceQuery(audience) }),
  nextAvailability: (slug: string, audience: Audience, query: SlotQuery) =>
    api.get<NextAvailability>(`${organisationPath(slug)}/next_availability`, { ...query, ...audienceQuery(audience) }),
  /** The territory's usager form as the public portal shows it. */
  userForm: (slug: string) => api.get<FormDescription>(`${organisationPath(slug)}/forms/user`),

  /** Pending until the emailed code confirms it; confirmed at once for a signed-in usager. */
  book: (body: BookingRequest, idempotencyKey: string) => api.post<PendingRdv | ConfirmedRdv>('/api/public/rdvs', body, { idempotencyKey }),
  confirm: (id: string, code: string, idempotencyKey: string) => api.post<ConfirmedRdv>(`${rdvPath(id)}/confirm`, { code }, { idempotencyKey }),

  // The letters go in the body: URLs end up in logs.
  recap: (token: string, lastNamePrefix: string) => api.post<RdvRecap>(`${rdvPath(token)}/open`, { last_name_prefix: lastNamePrefix }),
  cancel: (token: string, lastNamePrefix: string) => api.post<RdvRecap>(`${rdvPath(token)}/cancel`, { last_name_prefix: lastNamePrefix }),
  move: (token: string, lastNamePrefix: string, startsAt: string, idempotencyKey: string) =>
    api.post<RdvRecap>(`${rdvPath(token)}/move`, { last_name_prefix: lastNamePrefix, starts_at: startsAt }, { idempotencyKey }),

  /** An agent's invitation to open one's account: who it is for, whether it still opens one; then the password that opens it. */
  accountInvitation: (token: string) => api.get<AccountInvitation>(`/api/public/account_invitations/${encodeURIComponent(token)}`),
  acceptAccountInvitation: (token: string, password: string) =>
    api.post<{ account: { email: string } }>(`/api/public/account_invitations/${encodeURIComponent(token)}/accept`, { password }),
};
