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
}

export interface PublicLieu {
  id: string;
  name: string;
  address: string;
  phone_number: string | null;
}

export interface PublicOrganisation {
  id: string;
  slug: string;
  name: string;
  phone_number: string | null;
  email: string | null;
  website: string | null;
  opening_hours: string | null;
  services: PublicService[];
  motifs: PublicMotif[];
  lieux: PublicLieu[];
}

export interface Creneau {
  starts_at: string;
  ends_at: string;
  lieu_id: string | null;
  motif_id: string;
}

export interface CreneauxBody {
  data: Creneau[];
}

export interface NextAvailability {
  starts_at: string | null;
}

export interface Prescripteur {
  first_name: string;
  last_name: string;
  email: string;
  phone_number: string | null;
}

export interface BookingRequest {
  motif_id: string;
  lieu_id: string | null;
  starts_at: string;
  user: Record<string, unknown>;
  prescripteur?: Record<string, unknown>;
}

/** A pending rdv: the slot is held until `expires_at` while the email code is awaited. */
export interface PendingRdv {
  id: string;
  status: string;
  expires_at?: string;
  /** Where the code went, masked or not. */
  code_sent_to?: string;
  manage_url?: string;
}

export interface RdvRecap {
  id: string;
  status: string;
  starts_at: string;
  ends_at: string;
  duration_in_min?: number;
  motif: {
    id: string;
    name: string;
    location_type: LocationType;
    instruction_for_rdv: string | null;
    rdvs_editable_by_user?: boolean;
    rdvs_cancellable_by_user?: boolean;
  };
  lieu: PublicLieu | null;
  organisation: {
    slug: string;
    name: string;
    phone_number: string | null;
    email: string | null;
    website?: string | null;
    opening_hours?: string | null;
  };
  /** Whether the usager may still cancel or move it, and why not. */
  cancellable?: boolean;
  cancel_refusal_reason?: string | null;
  movable?: boolean;
  move_refusal_reason?: string | null;
  manage_url?: string;
  ics_url?: string | null;
}

/** What confirming the code answers: the rdv, now booked. */
export type ConfirmedRdv = RdvRecap & { manage_url: string };

/** A form the platform describes: JSON Schema (2020-12) and JSON Forms UI schema. */
export interface FormDescription {
  schema: Record<string, any>;
  ui_schema?: Record<string, any>;
}

/** What a public booking asks: the territory's usager form for the public, and the prescripteur's identity. */
export interface BookingForms {
  user: FormDescription;
  prescripteur: FormDescription;
}
