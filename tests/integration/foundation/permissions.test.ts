import { DEMO_OPERATOR } from '../../../platform/src/bootstrap';
import { demoIds, TestPlatform } from '../../support/platform';
import { fingerprint, invitationLink, invitationToken, lieuBody, motifBody } from './helpers';

/**
 * Who may do what, route by route. Columns are the access levels of the demo tenant:
 * - platform: the platform admin (operator, above territories)
 * - territorial: territorial admin of the demo territory (territoire@)
 * - admin: admin of the Mairie (admin.mairie@)
 * - basic: basic agent of the Mairie, État civil (agent.etatcivil@)
 * - secretariat: basic agent of the Mairie in the Secrétariat service (secretariat@)
 * - other_admin: admin of the other organisation, the CCAS (travailleur.social@)
 * Each route targets records of the Mairie made fresh for the call (an agent and a motif of
 * État civil, a lieu, an empty organisation, an invitation), so every cell starts from the same state.
 */
const ACTORS = ['platform', 'territorial', 'admin', 'basic', 'secretariat', 'other_admin'] as const;
type ActorName = (typeof ACTORS)[number];

const EMAILS: Record<ActorName, string> = {
  platform: DEMO_OPERATOR.email,
  territorial: 'territoire@demo.test',
  admin: 'admin.mairie@demo.test',
  basic: 'agent.etatcivil@demo.test',
  secretariat: 'secretariat@demo.test',
  other_admin: 'travailleur.social@demo.test',
};

const DEMO_SERVICES = { enabled: ['etat_civil', 'titres_identite', 'urbanisme', 'social', 'secretariat'] };

//                                                         platform territorial admin basic secretariat other_admin
const MATRIX: [string, [number, number, number, number, number, number]][] = [
  ['POST   /territories',                                   [201, 403, 403, 403, 403, 403]],
  ['GET    /territories',                                   [200, 403, 403, 403, 403, 403]],
  ['GET    /territories/current',                           [403, 200, 200, 200, 200, 200]],
  ['PATCH  /territories/current',                           [403, 200, 403, 403, 403, 403]],
  ['GET    /organisations',                                 [403, 200, 200, 200, 200, 200]],
  ['POST   /organisations',                                 [403, 201, 403, 403, 403, 403]],
  ['GET    /organisations/:mairie',                         [403, 200, 200, 200, 200, 404]],
  ['PATCH  /organisations/:mairie',                         [403, 200, 200, 403, 403, 404]],
  ['DELETE /organisations/:empty',                          [403, 204, 403, 403, 403, 403]],
  ['GET    /services',                                      [403, 200, 200, 200, 200, 200]],
  ['GET    /organisations/:mairie/agents',                  [403, 200, 200, 200, 200, 404]],
  ['POST   /organisations/:mairie/agents',                  [403, 201, 201, 403, 403, 404]],
  ['GET    /agents/:agent',                                 [403, 200, 200, 200, 200, 404]],
  ['PATCH  /agents/:agent',                                 [403, 200, 200, 403, 403, 404]],
  ['DELETE /agents/:agent',                                 [403, 204, 204, 403, 403, 404]],
  ['POST   /invitations/:token/accept',                     [200, 200, 200, 200, 200, 200]],
  ['GET    /organisations/:mairie/motifs',                  [403, 200, 200, 200, 200, 404]],
  ['POST   /organisations/:mairie/motifs',                  [403, 201, 201, 403, 403, 404]],
  ['GET    /motifs/:motif',                                 [403, 200, 200, 200, 200, 404]],
  ['PATCH  /motifs/:motif',                                 [403, 200, 200, 403, 403, 404]],
  ['DELETE /motifs/:motif',                                 [403, 204, 204, 403, 403, 404]],
  ['GET    /organisations/:mairie/lieux',                   [403, 200, 200, 200, 200, 404]],
  ['POST   /organisations/:mairie/lieux',                   [403, 201, 201, 403, 403, 404]],
  ['GET    /lieux/:lieu',                                   [403, 200, 200, 200, 200, 404]],
  ['PATCH  /lieux/:lieu',                                   [403, 200, 200, 403, 403, 404]],
  ['DELETE /lieux/:lieu',                                   [403, 204, 204, 403, 403, 404]],
  ['GET    /territories/current/config/services',           [403, 200, 403, 403, 403, 403]],
  ['PUT    /territories/current/config/services',           [403, 200, 403, 403, 403, 403]],
  // The schema is the same file for every territory (openapi.json publishes it too): any agent may read it.
  ['GET    /territories/current/config/services/schema',    [403, 200, 200, 200, 200, 200]],
  ['GET    /territories/current/config/services/versions',  [403, 200, 403, 403, 403, 403]],
  ['POST   /territories/current/config/services/versions/1/restore', [403, 200, 403, 403, 403, 403]],
];

interface Request {
  method: string;
  path: string;
  body?: unknown;
}

// One platform for the file: the visibility checks run first, on the demo tenant as loaded;
// the matrix then makes its own records for every cell.
let test: TestPlatform;
let demo: Awaited<ReturnType<typeof demoIds>>;
beforeAll(async () => {
  test = await TestPlatform.start();
  demo = await demoIds(test);
});
afterAll(() => test?.stop());

describe('what each access level sees', () => {
  let motifs: Record<string, string>;
  beforeAll(async () => {
    const rows = await test.sql<{ id: string; service_id: string }>(`SELECT id, service_id FROM motifs WHERE organisation_id = $1`, [demo.mairie]);
    motifs = Object.fromEntries(rows.map((row) => [row.service_id, row.id]));
  });

  async function ids(email: string, path: string): Promise<string[]> {
    const response = await test.call('get', `/api/v1${path}`, { token: await test.signIn(email) });
    expect(response.status).toBe(200);
    return response.body.data.map((record: { id: string }) => record.id).sort();
  }

  it('a basic agent sees their own agenda and those sharing one of their services, and the motifs of their services', async () => {
    expect(await ids('agent.etatcivil@demo.test', `/organisations/${demo.mairie}/agents`)).toEqual([demo.mairieAdmin, demo.basicEtatCivil].sort());
    expect(await ids('agent.urbanisme@demo.test', `/organisations/${demo.mairie}/agents`)).toEqual([demo.basicUrbanisme]);
    expect(await ids('agent.etatcivil@demo.test', `/organisations/${demo.mairie}/motifs`)).toEqual([motifs.etat_civil, motifs.titres_identite].sort());

    const token = await test.signIn('agent.etatcivil@demo.test');
    expect((await test.call('get', `/api/v1/agents/${demo.basicUrbanisme}`, { token })).status).toBe(404);
    expect((await test.call('get', `/api/v1/motifs/${motifs.urbanisme}`, { token })).status).toBe(404);
    expect((await test.call('get', `/api/v1/agents/${demo.mairieAdmin}`, { token })).status).toBe(200);
  });

  it('a basic agent of the Secrétariat sees every agenda and motif of their organisation, still with basic rights', async () => {
    const mairieAgents = [demo.territorialAdmin, demo.mairieAdmin, demo.basicEtatCivil, demo.basicUrbanisme, demo.secretariat].sort();
    expect(await ids('secretariat@demo.test', `/organisations/${demo.mairie}/agents`)).toEqual(mairieAgents);
    expect(await ids('secretariat@demo.test', `/organisations/${demo.mairie}/motifs`)).toEqual(Object.values(motifs).sort());
    const token = await test.signIn('secretariat@demo.test');
    expect((await test.call('patch', `/api/v1/motifs/${motifs.urbanisme}`, { token, body: { name: 'Renommé' } })).status).toBe(403);
    expect((await test.call('get', `/api/v1/organisations/${demo.ccas}/agents`, { token })).status).toBe(404);
  });

  it('an organisation admin sees every agenda of their organisation and nothing of the other one', async () => {
    expect(await ids('admin.mairie@demo.test', `/organisations/${demo.mairie}/agents`))
      .toEqual([demo.territorialAdmin, demo.mairieAdmin, demo.basicEtatCivil, demo.basicUrbanisme, demo.secretariat].sort());
    expect(await ids('admin.mairie@demo.test', '/organisations')).toEqual([demo.mairie]);
    expect(await ids('travailleur.social@demo.test', '/organisations')).toEqual([demo.ccas]);
    const token = await test.signIn('admin.mairie@demo.test');
    for (const path of [`/agents/${demo.ccasAdmin}`, `/agents/${demo.intervenant}`, `/organisations/${demo.ccas}`, `/organisations/${demo.ccas}/motifs`]) {
      expect({ path, status: (await test.call('get', `/api/v1${path}`, { token })).status }).toEqual({ path, status: 404 });
    }
  });

  it('the territorial admin sees every organisation of the territory and its agents', async () => {
    expect(await ids('territoire@demo.test', '/organisations')).toEqual([demo.mairie, demo.ccas].sort());
    expect(await ids('territoire@demo.test', `/organisations/${demo.ccas}/agents`)).toEqual([demo.territorialAdmin, demo.ccasAdmin, demo.intervenant].sort());
  });

  it('nobody sees the configuration documents but the territorial admin', async () => {
    for (const email of ['admin.mairie@demo.test', 'agent.etatcivil@demo.test', 'secretariat@demo.test']) {
      const response = await test.call('get', '/api/v1/territories/current/config/services', { token: await test.signIn(email) });
      expect({ email, status: response.status }).toEqual({ email, status: 403 });
    }
    const document = await test.call('get', '/api/v1/territories/current/config/services', { token: await test.signIn('territoire@demo.test') });
    expect(document.body.document).toEqual(DEMO_SERVICES);
  });
});

describe('the permission matrix', () => {
  const tokens = {} as Record<ActorName, string>;
  let sequence = 0;

  /** Calls as the territorial admin to make a fixture; fails loudly if refused. */
  async function make(method: string, path: string, body?: unknown): Promise<any> {
    const response = await test.call(method, `/api/v1${path}`, { token: tokens.territorial, body });
    if (response.status >= 300) throw new Error(`fixture ${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  const freshAgent = async () => (await make('post', `/organisations/${demo.mairie}/agents`,
    { email: `cible${++sequence}@demo.test`, first_name: 'Cible', last_name: 'Agent', access_level: 'basic', service_ids: ['etat_civil'] }));
  const freshMotif = async () => (await make('post', `/organisations/${demo.mairie}/motifs`, motifBody(`Motif ${++sequence}`))).id;
  const freshLieu = async () => (await make('post', `/organisations/${demo.mairie}/lieux`, lieuBody(`Lieu ${++sequence}`))).id;

  /** The request of each row, with the records it targets made just before. */
  const REQUESTS: Record<string, () => Promise<Request>> = {
    'POST   /territories': async () => ({ method: 'post', path: '/territories',
      body: { name: `Territoire ${++sequence}`, admin: { email: `territoire${sequence}@ailleurs.test`, password: 'a-long-password-2026' } } }),
    'GET    /territories': async () => ({ method: 'get', path: '/territories' }),
    'GET    /territories/current': async () => ({ method: 'get', path: '/territories/current' }),
    'PATCH  /territories/current': async () => ({ method: 'patch', path: '/territories/current', body: { timezone: 'Europe/Paris' } }),
    'GET    /organisations': async () => ({ method: 'get', path: '/organisations' }),
    'POST   /organisations': async () => ({ method: 'post', path: '/organisations', body: { name: `Médiathèque ${++sequence}` } }),
    'GET    /organisations/:mairie': async () => ({ method: 'get', path: `/organisations/${demo.mairie}` }),
    'PATCH  /organisations/:mairie': async () => ({ method: 'patch', path: `/organisations/${demo.mairie}`, body: { opening_hours: `Horaires ${++sequence}` } }),
    'DELETE /organisations/:empty': async () => ({ method: 'delete', path: `/organisations/${(await make('post', '/organisations', { name: `Vide ${++sequence}` })).id}` }),
    'GET    /services': async () => ({ method: 'get', path: '/services' }),
    'GET    /organisations/:mairie/agents': async () => ({ method: 'get', path: `/organisations/${demo.mairie}/agents` }),
    'POST   /organisations/:mairie/agents': async () => ({ method: 'post', path: `/organisations/${demo.mairie}/agents`,
      body: { email: `invite${++sequence}@demo.test`, access_level: 'basic', service_ids: ['etat_civil'] } }),
    'GET    /agents/:agent': async () => ({ method: 'get', path: `/agents/${(await freshAgent()).agent.id}` }),
    'PATCH  /agents/:agent': async () => ({ method: 'patch', path: `/agents/${(await freshAgent()).agent.id}`, body: { first_name: 'Renommé' } }),
    'DELETE /agents/:agent': async () => ({ method: 'delete', path: `/agents/${(await freshAgent()).agent.id}` }),
    'POST   /invitations/:token/accept': async () => ({ method: 'post',
      path: `/invitations/${invitationToken(await invitationLink(test, (await freshAgent()).agent.email))}/accept`, body: { password: 'mon-mot-de-passe-2026' } }),
    'GET    /organisations/:mairie/motifs': async () => ({ method: 'get', path: `/organisations/${demo.mairie}/motifs` }),
    'POST   /organisations/:mairie/motifs': async () => ({ method: 'post', path: `/organisations/${demo.mairie}/motifs`, body: motifBody(`Nouveau ${++sequence}`) }),
    'GET    /motifs/:motif': async () => ({ method: 'get', path: `/motifs/${await freshMotif()}` }),
    'PATCH  /motifs/:motif': async () => ({ method: 'patch', path: `/motifs/${await freshMotif()}`, body: { default_duration_in_min: 45 } }),
    'DELETE /motifs/:motif': async () => ({ method: 'delete', path: `/motifs/${await freshMotif()}` }),
    'GET    /organisations/:mairie/lieux': async () => ({ method: 'get', path: `/organisations/${demo.mairie}/lieux` }),
    'POST   /organisations/:mairie/lieux': async () => ({ method: 'post', path: `/organisations/${demo.mairie}/lieux`, body: lieuBody(`Nouveau ${++sequence}`) }),
    'GET    /lieux/:lieu': async () => ({ method: 'get', path: `/lieux/${await freshLieu()}` }),
    'PATCH  /lieux/:lieu': async () => ({ method: 'patch', path: `/lieux/${await freshLieu()}`, body: { availability: 'disabled' } }),
    'DELETE /lieux/:lieu': async () => ({ method: 'delete', path: `/lieux/${await freshLieu()}` }),
    'GET    /territories/current/config/services': async () => ({ method: 'get', path: '/territories/current/config/services' }),
    'PUT    /territories/current/config/services': async () => ({ method: 'put', path: '/territories/current/config/services', body: DEMO_SERVICES }),
    'GET    /territories/current/config/services/schema': async () => ({ method: 'get', path: '/territories/current/config/services/schema' }),
    'GET    /territories/current/config/services/versions': async () => ({ method: 'get', path: '/territories/current/config/services/versions' }),
    'POST   /territories/current/config/services/versions/1/restore': async () => ({ method: 'post', path: '/territories/current/config/services/versions/1/restore' }),
  };

  beforeAll(async () => {
    for (const actor of ACTORS) tokens[actor] = await test.signIn(EMAILS[actor]);
  });

  const CELLS = MATRIX.flatMap(([action, statuses]) => ACTORS.map((actor, column) => ({ action, actor, status: statuses[column] })));

  it('names every route of the matrix once', () => {
    expect(Object.keys(REQUESTS).sort()).toEqual(MATRIX.map(([action]) => action).sort());
  });

  it.each(CELLS)('$action as $actor → $status', async ({ action, actor, status }) => {
    const request = await REQUESTS[action]();
    const before = await fingerprint(test);
    const response = await test.call(request.method, `/api/v1${request.path}`, { token: tokens[actor], body: request.body });
    expect({ status: response.status, detail: response.body?.detail }).toEqual(expect.objectContaining({ status }));
    const after = await fingerprint(test);
    if (status >= 400 || request.method === 'get') expect(after).toEqual(before); // refused or read: nothing written
    else expect(after).not.toEqual(before);
  });
});
