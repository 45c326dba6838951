import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { openEventSecret } from '../../../platform/src/events/outbox';
import { TestPlatform } from '../../support/platform';
import { agendaFixture, expectStatus, plageBody } from '../agenda/helpers';

export { expectStatus };

/** Monday 30 November 2026, 08:00 in Paris: the booking tests' "now". */
export const NOW = new Date('2026-11-30T07:00:00Z');

/**
 * The demo tenant with agendas to book in: Anne (État civil) open for CNI at the
 * Hôtel de ville on weekdays 09:00–12:00, Hugo (Urbanisme) for the phone motif
 * on weekdays 14:00–17:00, Karim (CCAS) for the first social welcome; and usagers.
 */
export async function bookingFixture(test: TestPlatform) {
  const f = await agendaFixture(test);
  const plage = async (token: string, organisationId: string, body: Record<string, unknown>) => {
    const response = await test.call('post', `/api/v1/organisations/${organisationId}/plages_ouverture`, { token, body });
    expectStatus(response, 201);
    return response.body.id as string;
  };
  await plage(f.tokens.mairieAdmin, f.mairie, plageBody(f));
  await plage(f.tokens.mairieAdmin, f.mairie, plageBody(f, {
    agent_id: f.basicUrbanisme, motif_ids: [f.permis], title: 'Urbanisme', start_time: '14:00', end_time: '17:00',
  }));
  await plage(f.tokens.ccasAdmin, f.ccas, plageBody(f, {
    agent_id: f.ccasAdmin, lieu_id: f.maisonSolidarites, motif_ids: [f.accueilSocial], title: 'Accueil',
  }));
  const user = async (organisationId: string, token: string, body: Record<string, unknown>) => {
    const response = await test.call('post', `/api/v1/organisations/${organisationId}/users`, { token, body });
    expectStatus(response, 201);
    return response.body.id as string;
  };
  return {
    ...f,
    camille: await user(f.mairie, f.tokens.mairieAdmin, { first_name: 'Camille', last_name: 'Martin', email: 'camille@example.fr', phone_number: '0612345678' }),
    dominique: await user(f.mairie, f.tokens.mairieAdmin, { first_name: 'Dominique', last_name: 'Lefèvre', email: 'dominique@example.fr' }),
    sacha: await user(f.mairie, f.tokens.mairieAdmin, { first_name: 'Sacha', last_name: 'Petit', phone_number: '0145454545' }),
    createUser: user,
  };
}

export type BookingFixture = Awaited<ReturnType<typeof bookingFixture>>;

/** The rdv events of the outbox, oldest first. */
export async function rdvEvents(test: TestPlatform, rdvId: string) {
  return test.sql<{ event: string; payload: Record<string, any>; actor_agent_id: string | null }>(
    `SELECT event, payload, actor_agent_id FROM outbox_events WHERE model = 'rdv' AND record_id = $1 ORDER BY id`, [rdvId]);
}

/** The public créneaux of a motif at a lieu, from one day to another (YYYY-MM-DD). */
export async function publicCreneaux(test: TestPlatform, slug: string, motifId: string, lieuId: string, from: string, to = from) {
  const response = await test.call('get', `/api/public/organisations/${slug}/creneaux?motif_id=${motifId}&lieu_id=${lieuId}&from=${from}&to=${to}`);
  expectStatus(response, 200);
  return response.body.data as { starts_at: string; ends_at: string; agent_id: string; lieu_id: string }[];
}

/**
 * Online bookings of the Hôtel de ville's CNI créneaux in December, one after another, each
 * for a new usager (`<label> N`): from `address` as the reverse proxy says (none: the machine
 * itself), with a Proof-Of-Work header if given.
 */
export async function successivePublicBookings(test: TestPlatform, f: BookingFixture, label: string) {
  const creneaux = (await publicCreneaux(test, f.mairieSlug, f.cni, f.hotelDeVille, '2026-12-01', '2026-12-31')).map((slot) => slot.starts_at);
  let next = 0;
  return (address?: string, proof?: string) => {
    const index = next++;
    return test.call('post', '/api/public/rdvs', {
      headers: { ...(address ? { 'x-forwarded-for': address } : {}), ...(proof ? { 'proof-of-work': proof } : {}) },
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: creneaux[index], user: { first_name: 'Usager', last_name: `${label} ${index}`, email: `${label.toLowerCase()}${index}@example.fr` } },
    });
  };
}

/** The code sent for an online booking or an usager account (sealed in the outbox event the notifications send). */
export async function sentCode(test: TestPlatform, model: 'rdv_hold' | 'usager_account', recordId: string): Promise<string> {
  const [event] = await test.sql(`SELECT payload FROM outbox_events WHERE model = $1 AND record_id = $2 ORDER BY id DESC LIMIT 1`, [model, recordId]);
  return openEventSecret<{ code: string }>(test.platform.config, model, event.payload).code;
}

export function holdCode(test: TestPlatform, holdId: string): Promise<string> {
  return sentCode(test, 'rdv_hold', holdId);
}

/** Any 6 digits but the right ones. */
export function wrongCode(code: string): string {
  return code === '000000' ? '000001' : '000000';
}

/** The Proof-Of-Work header a 428's challenge asks for, solved as the public portal does (altcha-lib). */
export async function solvedProof(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('the challenge could not be solved');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}
