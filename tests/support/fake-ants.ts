/**
 * The API coordination of ANTS, faked by a real HTTP server on 127.0.0.1 (INTEGRATIONS.md
 * §1.b): `/api/status`, and `/api/appointments` declared (POST) and withdrawn (DELETE)
 * with their parameters in the query string, behind the `x-rdv-opt-auth-token` header.
 * Tests set each number's status and appointments held elsewhere, read what was declared
 * and every call, and ask for faults (a slow answer, a 500, a 401, a 429).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type AntsStatus = 'validated' | 'consumed' | 'declared' | 'unknown' | 'expired';

export interface AntsAppointment {
  application_id: string;
  meeting_point_id: string;
  meeting_point: string;
  appointment_date: string;
  management_url: string;
}

export interface AntsCall {
  method: string;
  /** `/api/status`, `/api/appointments`. */
  path: string;
  /** Query parameters, each a list (repeated ones keep their order). */
  params: Record<string, string[]>;
  token: string | undefined;
  accept: string | undefined;
}

export interface AntsFault {
  /** Only calls of this method and path (`POST /api/appointments`); every call when absent. */
  on?: string;
  status?: number;
  body?: string;
  /** Answer after this long (the platform may have given up by then). */
  delayMs?: number;
  /** How many calls it hits; 1 by default. */
  times?: number;
}

interface HeldNumber {
  status: AntsStatus;
  /** Appointments other editors declared. */
  elsewhere: Omit<AntsAppointment, 'application_id'>[];
}

const REQUIRED = {
  'POST /api/appointments': ['application_id', 'meeting_point_id', 'meeting_point', 'appointment_date', 'management_url'],
  'DELETE /api/appointments': ['application_id', 'meeting_point_id', 'meeting_point', 'appointment_date'],
} as Record<string, string[]>;

export class FakeAnts {
  readonly calls: AntsCall[] = [];
  /** What editors (we) declared and did not withdraw. */
  readonly declared: AntsAppointment[] = [];
  private readonly numbers = new Map<string, HeldNumber>();
  private faults: AntsFault[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly delayed = new Set<NodeJS.Timeout>();

  private constructor(private readonly server: http.Server, readonly url: string, readonly token: string) {}

  /** `url` is the API's base: what a territory sets as `api_url`. */
  static async start(token = 'fake-ants-token-0123456789'): Promise<FakeAnts> {
    let fake!: FakeAnts;
    const server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => fake.handle(request, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeAnts(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, token);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    return fake;
  }

  /** A number's status, with appointments held elsewhere; unknown numbers answer `unknown`. */
  setStatus(number: string, status: AntsStatus, elsewhere: HeldNumber['elsewhere'] = []): void {
    this.numbers.set(number, { status, elsewhere });
  }

  /** The next calls (matching `on`) answer this way. */
  fail(fault: AntsFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Calls of `method path`, e.g. `POST /api/appointments`. */
  callsTo(route: string): AntsCall[] {
    return this.calls.filter((call) => `${call.method} ${call.path}` === route);
  }

  /** What we hold declared for a number, as `date @ meeting point`. */
  declaredFor(number: string): string[] {
    return this.declared.filter((a) => a.application_id === number).map((a) => `${a.appointment_date} @ ${a.meeting_point}`);
  }

  reset(): void {
    this.calls.length = 0;
    this.declared.length = 0;
    this.numbers.clear();
    this.faults = [];
  }

  async stop(): Promise<void> {
    for (const timer of this.delayed) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url!, 'http://fake');
    const params: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) (params[name] ??= []).push(value);
    const call: AntsCall = {
      method: request.method!, path: url.pathname, params,
      token: request.headers['x-rdv-opt-auth-token'] as string | undefined, accept: request.headers.accept,
    };
    this.calls.push(call);
    const route = `${call.method} ${call.path}`;
    const fault = this.faults.find((candidate) => !candidate.on || candidate.on === route);
    if (fault) {
      fault.times! -= 1;
      if (fault.times! <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    }
    const answer = fault?.status !== undefined
      ? { status: fault.status, body: fault.body ?? JSON.stringify({ detail: `fault ${fault.status}` }) }
      : this.answer(call, route);
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      if (response.destroyed) return;
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body);
    }, fault?.delayMs ?? 0);
    this.delayed.add(timer);
  }

  private answer(call: AntsCall, route: string): { status: number; body: string } {
    const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });
    if (call.token !== this.token) return json(401, { detail: 'X-RDV-OPT-AUTH-TOKEN header invalid' });
    const one = (name: string) => call.params[name]?.[0];
    const missing = (REQUIRED[route] ?? []).filter((name) => !one(name));
    if (missing.length) return json(422, { detail: missing.map((name) => ({ loc: ['query', name], msg: 'field required' })) });

    if (route === 'GET /api/status') {
      const ids = call.params.application_ids ?? [];
      if (!ids.length) return json(422, { detail: [{ loc: ['query', 'application_ids'], msg: 'field required' }] });
      return json(200, Object.fromEntries(ids.map((id) => {
        const held = this.numbers.get(id) ?? { status: 'unknown', elsewhere: [] };
        const ours = this.declared.filter((a) => a.application_id === id).map(({ application_id: _id, ...rest }) => rest);
        return [id, { status: held.status, appointments: [...held.elsewhere, ...ours] }];
      })));
    }
    if (route === 'POST /api/appointments') {
      const appointment: AntsAppointment = {
        application_id: one('application_id')!, meeting_point_id: one('meeting_point_id')!, meeting_point: one('meeting_point')!,
        appointment_date: one('appointment_date')!, management_url: one('management_url')!,
      };
      if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(appointment.appointment_date)) {
        return json(422, { detail: [{ loc: ['query', 'appointment_date'], msg: 'invalid datetime format' }] });
      }
      // ANTS keeps one appointment per (application_id, management_url).
      if (this.declared.some((a) => a.application_id === appointment.application_id && a.management_url === appointment.management_url)) {
        return json(200, { success: false, message: 'appointment already exists' });
      }
      this.declared.push(appointment);
      return json(200, { success: true });
    }
    if (route === 'DELETE /api/appointments') {
      const matches = (a: AntsAppointment) => a.application_id === one('application_id') && a.meeting_point_id === one('meeting_point_id')
        && a.meeting_point === one('meeting_point') && a.appointment_date === one('appointment_date');
      const before = this.declared.length;
      for (let index = this.declared.length - 1; index >= 0; index--) if (matches(this.declared[index])) this.declared.splice(index, 1);
      return json(200, { rowcount: before - this.declared.length });
    }
    return json(404, { detail: 'Not Found' });
  }
}
