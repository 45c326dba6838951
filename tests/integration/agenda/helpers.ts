import { ApiResponse, demoIds, TestPlatform } from '../../support/platform';

/** Monday 30 November 2026, 08:00 in Paris: the tests' "now". */
export const NOW = new Date('2026-11-30T07:00:00Z');

/** The demo tenant's agenda-related ids, by readable names, and tokens of its agents. */
export async function agendaFixture(test: TestPlatform) {
  const ids = await demoIds(test);
  const motif = async (name: string) => (await test.sql(`SELECT id FROM motifs WHERE name = $1`, [name]))[0].id as string;
  const lieu = async (name: string) => (await test.sql(`SELECT id FROM lieux WHERE name = $1`, [name]))[0].id as string;
  const [{ territory_id: territoryId }] = await test.sql(`SELECT territory_id FROM organisations WHERE id = $1`, [ids.mairie]);
  const [{ slug: mairieSlug }] = await test.sql(`SELECT slug FROM organisations WHERE id = $1`, [ids.mairie]);
  return {
    ...ids,
    territoryId: territoryId as string,
    mairieSlug: mairieSlug as string,
    cni: await motif("Carte d'identité et passeport"),
    mariage: await motif('Mariage — constitution du dossier'),
    permis: await motif('Permis de construire — conseil'),
    accueilSocial: await motif('Premier accueil social'),
    atelier: await motif('Atelier numérique (collectif)'),
    hotelDeVille: await lieu('Hôtel de ville'),
    annexe: await lieu('Mairie annexe des Tilleuls'),
    maisonSolidarites: await lieu('Maison des solidarités'),
    tokens: {
      territorialAdmin: await test.signIn('territoire@demo.test'),
      mairieAdmin: await test.signIn('admin.mairie@demo.test'),
      etatCivil: await test.signIn('agent.etatcivil@demo.test'),
      urbanisme: await test.signIn('agent.urbanisme@demo.test'),
      secretariat: await test.signIn('secretariat@demo.test'),
      ccasAdmin: await test.signIn('travailleur.social@demo.test'),
    },
  };
}

export type AgendaFixture = Awaited<ReturnType<typeof agendaFixture>>;

/** Fails the test with the answer's body when the call did not succeed as expected. */
export function expectStatus(response: ApiResponse, status: number): void {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
}

/** The field paths of a problem answer, sorted. */
export function errorPaths(response: ApiResponse): string[] {
  return (response.body.errors as { path: string }[]).map((error) => error.path).sort();
}

/** A weekly plage body for Anne (État civil) at the Hôtel de ville, for the CNI motif. */
export function plageBody(f: AgendaFixture, extra: Record<string, unknown> = {}) {
  return {
    agent_id: f.basicEtatCivil,
    lieu_id: f.hotelDeVille,
    motif_ids: [f.cni],
    title: 'Titres — matin',
    first_day: '2026-11-30',
    start_time: '09:00',
    end_time: '12:00',
    recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
    until: '2027-06-30',
    ...extra,
  };
}
