/**
 * The API coordination of ANTS (INTEGRATIONS.md §1.b): parameters in the query string,
 * even for POST and DELETE; any non-2xx answer is an error.
 */
import { AppError, PluginContext } from '../../platform/src/plugins/sdk';
import { API_TOKEN_SECRET, AntsConfig } from './config';

export type NumberStatusName = 'validated' | 'consumed' | 'declared' | 'unknown' | 'expired';

export interface AntsAppointment {
  management_url: string;
  meeting_point: string;
  appointment_date: string;
}

export interface NumberStatus {
  status: NumberStatusName | string;
  appointments: AntsAppointment[];
}

/** One appointment as ANTS keys it; `appointment_date` is local wall-clock time (`2027-01-05 09:00:00`). */
export interface AppointmentKey {
  application_id: string;
  meeting_point_id: string;
  meeting_point: string;
  appointment_date: string;
}

/** What the API needs to be called: its base URL and the territory's token. */
export interface AntsEndpoint {
  apiUrl: string;
  token: string;
}

/** The endpoint, or null while the URL or the token is not set. */
export async function antsEndpoint(ctx: PluginContext<AntsConfig>, config: AntsConfig): Promise<AntsEndpoint | null> {
  const token = await ctx.secrets.get(API_TOKEN_SECRET);
  return config.api_url && token ? { apiUrl: config.api_url.replace(/\/+$/, ''), token } : null;
}

function urlOf(endpoint: AntsEndpoint, path: string, parameters: [string, string][]): string {
  return `${endpoint.apiUrl}/${path}?${new URLSearchParams(parameters).toString()}`;
}

/** Calls the API and answers its JSON body; AppError `unavailable` for a network failure, a non-2xx or an unreadable answer. */
async function call(ctx: PluginContext<AntsConfig>, endpoint: AntsEndpoint, method: 'GET' | 'POST' | 'DELETE', url: string, timeoutMs?: number): Promise<unknown> {
  const response = await ctx.http.request(url, {
    method,
    headers: { 'x-rdv-opt-auth-token': endpoint.token, accept: 'application/json' },
    timeoutMs,
  });
  if (response.status < 200 || response.status >= 300) {
    throw new AppError('unavailable', `ANTS answered HTTP ${response.status} to ${method} ${new URL(url).pathname}: ${response.body.trim().slice(0, 300)}`);
  }
  try {
    return JSON.parse(response.body);
  } catch {
    throw new AppError('unavailable', `ANTS answered ${method} ${new URL(url).pathname} with something other than JSON: ${response.body.trim().slice(0, 300)}`);
  }
}

/** The status of each number, as seen from this meeting point. */
export async function numberStatuses(
  ctx: PluginContext<AntsConfig>, endpoint: AntsEndpoint, numbers: string[], meetingPointId: string | null, timeoutMs?: number,
): Promise<Record<string, NumberStatus>> {
  const parameters: [string, string][] = numbers.map((number) => ['application_ids', number]);
  if (meetingPointId) parameters.push(['meeting_point_id', meetingPointId]);
  const body = await call(ctx, endpoint, 'GET', urlOf(endpoint, 'status', parameters), timeoutMs) as Record<string, Partial<NumberStatus>>;
  const statuses: Record<string, NumberStatus> = {};
  for (const number of numbers) {
    const entry = body?.[number];
    if (!entry || typeof entry.status !== 'string') throw new AppError('unavailable', `ANTS gave no status for ${number}`);
    statuses[number] = { status: entry.status, appointments: Array.isArray(entry.appointments) ? entry.appointments : [] };
  }
  return statuses;
}

function keyParameters(key: AppointmentKey): [string, string][] {
  return [
    ['application_id', key.application_id],
    ['meeting_point_id', key.meeting_point_id],
    ['meeting_point', key.meeting_point],
    ['appointment_date', key.appointment_date],
  ];
}

/** Declares an appointment; `{"success": false}` is a refusal, thrown like an HTTP error. */
export async function createAppointment(ctx: PluginContext<AntsConfig>, endpoint: AntsEndpoint, key: AppointmentKey, managementUrl: string): Promise<void> {
  const url = urlOf(endpoint, 'appointments', [...keyParameters(key), ['management_url', managementUrl]]);
  const body = await call(ctx, endpoint, 'POST', url) as { success?: unknown };
  if (body?.success !== true) throw new AppError('unavailable', `ANTS refused the appointment of ${key.application_id}: ${JSON.stringify(body).slice(0, 300)}`);
}

/** Withdraws an appointment; one ANTS no longer holds (`rowcount` 0) is gone all the same. */
export async function deleteAppointment(ctx: PluginContext<AntsConfig>, endpoint: AntsEndpoint, key: AppointmentKey): Promise<void> {
  await call(ctx, endpoint, 'DELETE', urlOf(endpoint, 'appointments', keyParameters(key)));
}
