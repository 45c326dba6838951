/** Shapes of the public API (`/api/public`), as /work/shared/API.md and the platform's routes give them. */

export type LocationType = 'public_office' | 'phone' | 'home' | 'visio';
export type BookableBy = 'agents' | 'agents_and_prescripteurs' | 'everyone';

export interface PublicService {
  id: string;
  name: string;
}

export interface PublicMotif {
  id: string;
  name: string;
  service_id: string;
  default_duration_in_min: number;
  location_type: LocationType;
  bookable_by: BookableBy;
  collectif: boolean;
  restriction_for_rdv: string | null;
  /** Identity cards and passports (`cni`, `passport`, `cni_passport`): some fields apply to these only. */
  category: string | null;
  /** « Liste d'options »: when not empty, the usager picks one; one with a duration makes créneaux that long. */
  options?: { label: string; duration_in_min: number | null }[];
}

export interface PublicLieu {
  id: string;
  name: string;
  address: string;
  phone_number: string | null;
}

/** Who an organisation is and how to reach it: on its page, and in a rdv's recap. */
export interface PublicOrganisationInfo {
  slug: string;
  name: string;
  phone_number: string | null;
  email: string | null;
  website: string | null;
  opening_hours: string | null;
}

export interface PublicOrganisation extends PublicOrganisationInfo {
  id: string;
  services: PublicService[];
  motifs: PublicMotif[];
  lieux: PublicLieu[];
}

export interface Creneau {
  starts_at: string;
  ends_at: string;
  lieu_id: string;
  motif_id: string;
}

export interface CreneauxBody {
  data: Creneau[];
}

export interface NextAvailability {
  starts_at: string | null;
}

export interface BookingRequest {
  motif_id: string;
  /** The motif's option chosen, when it has options. */
  motif_option?: string;
  lieu_id: string;
  starts_at: string;
  user: Record<string, unknown>;
  prescripteur?: Record<string, unknown>;
  /** The usager read the warnings the platform raised (a pré-demande number booked elsewhere) and books anyway. */
  accept_warnings?: boolean;
}

/** A pending booking: the slot is held until `expires_at` while the code sent by email is awaited. */
export interface PendingRdv {
  id: string;
  status: 'pending';
  expires_at: string;
  /** The address the code went to, masked (`c*****@exemple.fr`). */
  code_sent_to: string;
}

/** Why the usager may not cancel or move the rdv online. */
export type RefusalReason = 'already_cancelled' | 'not_cancellable_online' | 'not_movable_online' | 'booked_by_agent' | 'too_late';

/** The rdv as its usager sees it (self-service page, confirmation). */
export interface RdvRecap {
  id: string;
  status: string;
  starts_at: string;
  ends_at: string;
  duration_in_min: number;
  motif: {
    id: string;
    name: string;
    location_type: LocationType;
    instruction_for_rdv: string | null;
  };
  lieu: PublicLieu | null;
  organisation: PublicOrganisationInfo;
  cancellable: boolean;
  cancel_refusal_reason: RefusalReason | null;
  cancellable_until: string;
  movable: boolean;
  move_refusal_reason: RefusalReason | null;
}

/** What confirming the code answers: the rdv, now booked, and its self-service link. */
export type ConfirmedRdv = RdvRecap & { manage_url: string };

/** A form the platform describes: JSON Schema (2020-12) and JSON Forms UI schema. */
export interface FormDescription {
  schema: Record<string, any>;
  ui_schema?: Record<string, any>;
}

/** The page of an agent's invitation to open one's account (GET /api/public/account_invitations/{token}). */
export interface AccountInvitation {
  status: 'pending' | 'used' | 'expired' | 'account_exists';
  first_name: string;
  organisation: { name: string; slug: string };
  expires_at: string;
}
