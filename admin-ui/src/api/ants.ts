import { api } from './client';

/** The ANTS plugin's agent routes (territorial admins): its token, and what the hub is told. */
const BASE = '/api/v1/plugins/ants';

export interface AntsStatus {
  /** Whether the territory's API coordination token is stored (it is never read back). */
  api_token_set: boolean;
  /** Whether the instance has the token the hub must send (ANTS_HUB_AUTH_TOKEN). */
  hub_token_set: boolean;
  /** The base URL to give ANTS: the hub appends getManagedMeetingPoints... to it. */
  hub_base_url: string;
}

export interface MeetingPoint {
  lieu_id: string;
  organisation_id: string;
  organisation_name: string;
  name: string;
  published: boolean;
  /** Why the lieu is not published, in French. */
  reasons: string[];
  meeting_point: { id: string; name: string; public_entry_address: string; zip_code: string; city_name: string } | null;
}

/** A failed attempt of the plugin's work (a declaration to ANTS...). */

export const antsApi = {
  status: () => api.get<AntsStatus>(`${BASE}/status`),
  setToken: (token: string) => api.put<void>(`${BASE}/api_token`, { token }),
  removeToken: () => api.delete(`${BASE}/api_token`),
  meetingPoints: () => api.get<{ data: MeetingPoint[] }>(`${BASE}/meeting_points`),
};
