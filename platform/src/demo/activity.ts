import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { ManualClock } from '../clock';
import { createApp } from '../http/app';
import type { Platform } from '../platform';

/**
 * A living demo organisation on first start: agendas open for the coming months, usagers
 * with the territory's own fields, and rdvs of the last two weeks (with what happened to
 * them) and of the next two. All of it is made through the HTTP API, as agents would have
 * made it: the past weeks on a clock set back to their start, so that their rdvs were
 * booked "then". No notification is sent for them.
 */

const DEMO_PASSWORD = 'demo-password-2026';
const PAST_WEEKS = 2;
const COMING_WEEKS = 2;

interface Agendas {
  /** Agent email → the motifs (by name) their plages offer, the lieu, the days and hours. */
  [email: string]: { motifs: string[]; lieu: string; days: string; hours: [string, string][] };
}

const MAIRIE_AGENDAS: Agendas = {
  'agent.etatcivil@demo.test': {
    motifs: ["Carte d'identité et passeport", 'Mariage — constitution du dossier'],
    lieu: 'Hôtel de ville', days: 'MO,TU,WE,TH,FR', hours: [['09:00', '12:00'], ['13:30', '17:00']],
  },
  'admin.mairie@demo.test': {
    motifs: ["Carte d'identité et passeport"],
    lieu: 'Mairie annexe des Tilleuls', days: 'TU,TH', hours: [['09:00', '12:00']],
  },
  'agent.urbanisme@demo.test': {
    motifs: ['Permis de construire — conseil'],
    lieu: 'Hôtel de ville', days: 'MO,WE', hours: [['14:00', '17:00']],
  },
};

const USAGERS = [
  { first_name: 'Camille', last_name: 'Martin', email: 'camille.martin@demo.test', phone_number: '0612345601', custom_fields: { situation_familiale: 'couple', nombre_enfants: 2 } },
  { first_name: 'Julien', last_name: 'Bernard', email: 'julien.bernard@demo.test', phone_number: '0612345602', custom_fields: { situation_familiale: 'celibataire', nombre_enfants: 0 } },
  { first_name: 'Inès', last_name: 'Dubois', email: 'ines.dubois@demo.test', phone_number: '0612345603', custom_fields: { situation_familiale: 'parent_isole', nombre_enfants: 1, numero_allocataire: '1234567' } },
  { first_name: 'Mohamed', last_name: 'Leroy', phone_number: '0612345604', custom_fields: { besoin_interprete: true } },
  { first_name: 'Chloé', last_name: 'Moreau', email: 'chloe.moreau@demo.test', phone_number: '0612345605', custom_fields: {} },
  { first_name: 'Lucas', last_name: 'Fournier', email: 'lucas.fournier@demo.test', phone_number: '0612345606', custom_fields: { situation_familiale: 'couple', nombre_enfants: 3 } },
  { first_name: 'Sarah', last_name: 'Girard', phone_number: '0612345607', custom_fields: { numero_allocataire: '7654321' } },
  { first_name: 'Hugo', last_name: 'Lambert', email: 'hugo.lambert@demo.test', phone_number: '0612345608', custom_fields: {} },
];

/** What happened to the past rdvs, in turn: mostly seen, now and then absent or excused. */
const PAST_STATUSES = ['seen', 'seen', 'seen', 'noshow', 'seen', 'seen', 'excused', 'seen'] as const;

/** Calls the platform's own API over loopback, as one signed-in agent. */
class DemoAgent {
  private constructor(private readonly baseUrl: string, private readonly token: string) {}

  static async signIn(baseUrl: string, email: string): Promise<DemoAgent> {
    const { token } = await call<{ token: string }>(baseUrl, 'post', '/api/v1/auth/sign_in', undefined, { email, password: DEMO_PASSWORD });
    return new DemoAgent(baseUrl, token);
  }

  get<T>(path: string): Promise<T> {
    return call<T>(this.baseUrl, 'get', path, this.token);
  }

  send<T>(method: 'post' | 'patch', path: string, body: unknown): Promise<T> {
    return call<T>(this.baseUrl, method, path, this.token, body);
  }
}

async function call<T>(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: method.toUpperCase(),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Demo activity: ${method.toUpperCase()} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Serves the platform on an ephemeral loopback port for the time of `work`. */
async function withApi(platform: Platform, work: (baseUrl: string) => Promise<void>): Promise<void> {
  const server = createApp(platform).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  try {
    await work(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

interface Named { id: string; name: string }
interface Creneau { starts_at: string; agent_id: string; lieu_id: string; motif_id: string }

interface Mairie {
  id: string;
  motifs: Named[];
  usagerIds: string[];
}

/** Books every `every`-th free créneau of each motif between two days, for usagers in turn; answers the rdvs' ids. */
async function bookCreneaux(agent: DemoAgent, mairie: Mairie, from: DateTime, to: DateTime, every: number, firstUsager: number): Promise<string[]> {
  const booked: string[] = [];
  let usager = firstUsager;
  for (const motif of mairie.motifs) {
    const query = new URLSearchParams({ motif_id: motif.id, from: from.toISODate()!, to: to.toISODate()! });
    const { data } = await agent.get<{ data: Creneau[] }>(`/api/v1/organisations/${mairie.id}/creneaux?${query}`);
    const taken = new Map<string, number>();
    for (const [index, creneau] of data.entries()) {
      // Créneaux of one agent overlap each other: keep one in `every`, one after the other.
      if (index % every !== 0 || (taken.get(creneau.agent_id) ?? 0) > Date.parse(creneau.starts_at)) continue;
      const rdv = await agent.send<{ id: string; ends_at: string }>('post', `/api/v1/organisations/${mairie.id}/rdvs`, {
        motif_id: motif.id, lieu_id: creneau.lieu_id, starts_at: creneau.starts_at, agent_ids: [creneau.agent_id],
        user_ids: [mairie.usagerIds[usager++ % mairie.usagerIds.length]],
        custom_fields: { orientation: usager % 3 === 0 ? 'Site internet' : 'Accueil' },
        notify: false,
      });
      taken.set(creneau.agent_id, Date.parse(rdv.ends_at));
      booked.push(rdv.id);
    }
  }
  return booked;
}

export async function seedDemoActivity(platform: Platform, timeZone = 'Europe/Paris'): Promise<void> {
  const thisMonday = DateTime.fromJSDate(platform.clock.now(), { zone: timeZone }).startOf('week');
  const firstMonday = thisMonday.minus({ weeks: PAST_WEEKS });
  const mairie: Mairie = { id: '', motifs: [], usagerIds: [] };

  // The past weeks, lived on a clock set back to their first Monday morning.
  const then = new ManualClock(firstMonday.set({ hour: 7 }).toJSDate());
  let pastRdvIds: string[] = [];
  await withApi({ ...platform, clock: then }, async (baseUrl) => {
    const admin = await DemoAgent.signIn(baseUrl, 'admin.mairie@demo.test');
    const organisations = await admin.get<{ data: (Named & { slug: string })[] }>('/api/v1/organisations');
    mairie.id = organisations.data.find((organisation) => organisation.slug === 'mairie-val-fleuri')!.id;
    mairie.motifs = (await admin.get<{ data: Named[] }>(`/api/v1/organisations/${mairie.id}/motifs`)).data;
    const lieux = (await admin.get<{ data: Named[] }>(`/api/v1/organisations/${mairie.id}/lieux`)).data;
    const agents = (await admin.get<{ data: { id: string; email: string | null }[] }>(`/api/v1/organisations/${mairie.id}/agents?per_page=200`)).data;

    for (const [email, agenda] of Object.entries(MAIRIE_AGENDAS)) {
      for (const [start_time, end_time] of agenda.hours) {
        await admin.send('post', `/api/v1/organisations/${mairie.id}/plages_ouverture`, {
          agent_id: agents.find((agent) => agent.email === email)!.id,
          lieu_id: lieux.find((lieu) => lieu.name === agenda.lieu)!.id,
          motif_ids: agenda.motifs.map((name) => mairie.motifs.find((motif) => motif.name === name)!.id),
          first_day: firstMonday.toISODate(), start_time, end_time,
          recurrence: `FREQ=WEEKLY;BYDAY=${agenda.days}`, until: thisMonday.plus({ months: 6 }).toISODate(),
        });
      }
    }
    for (const usager of USAGERS) {
      mairie.usagerIds.push((await admin.send<{ id: string }>('post', `/api/v1/organisations/${mairie.id}/users`, usager)).id);
    }
    pastRdvIds = await bookCreneaux(admin, mairie, firstMonday, thisMonday.minus({ days: 1 }), 4, 0);
  });

  // Today: what happened to the past rdvs, and those of the coming weeks.
  await withApi(platform, async (baseUrl) => {
    const admin = await DemoAgent.signIn(baseUrl, 'admin.mairie@demo.test');
    for (const [index, id] of pastRdvIds.entries()) {
      await admin.send('patch', `/api/v1/rdvs/${id}`, { status: PAST_STATUSES[index % PAST_STATUSES.length], notify: false });
    }
    const today = DateTime.fromJSDate(platform.clock.now(), { zone: timeZone }).startOf('day');
    const coming = await bookCreneaux(admin, mairie, today, today.plus({ weeks: COMING_WEEKS }), 5, 3);
    // The service cancelled one of them.
    if (coming.length > 2) await admin.send('patch', `/api/v1/rdvs/${coming[2]}`, { status: 'revoked', notify: false });
  });
}
