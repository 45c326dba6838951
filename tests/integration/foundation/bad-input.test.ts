import { DEMO_OPERATOR } from '../../../platform/src/bootstrap';
import { demoIds, TestPlatform } from '../../support/platform';
import { expectProblem, fingerprint, motifBody } from './helpers';

describe('bad input gets a clear error and changes nothing', () => {
  let test: TestPlatform;
  let demo: Awaited<ReturnType<typeof demoIds>>;
  let admin: string;
  let motifsPath: string;

  beforeAll(async () => {
    test = await TestPlatform.start();
    demo = await demoIds(test);
    admin = await test.signIn('admin.mairie@demo.test');
    motifsPath = `/api/v1/organisations/${demo.mairie}/motifs`;
  });
  afterAll(() => test?.stop());

  /** Calls, checks the problem answer, and that no table changed. */
  async function refused(status: number, method: string, path: string, options: Parameters<TestPlatform['call']>[2] = {}) {
    const before = await fingerprint(test);
    const response = await test.call(method, path, { token: admin, ...options });
    expectProblem(response, status);
    expect(await fingerprint(test)).toEqual(before);
    return response.body as { detail: string; errors: { path: string; message: string }[] };
  }
  const paths = (problem: { errors: { path: string }[] }) => problem.errors.map((error) => error.path).sort();

  it('malformed JSON → 400', async () => {
    const problem = await refused(400, 'post', motifsPath, { rawBody: '{"name": "Mariage", ' });
    expect(problem.detail).toMatch(/JSON/);
    await refused(400, 'patch', `/api/v1/organisations/${demo.mairie}`, { rawBody: "{'name': 'quotes'}" });
  });

  it('wrong types → 422 naming each field, nested ones with dotted paths', async () => {
    const problem = await refused(422, 'post', motifsPath, {
      body: { ...motifBody('Mariage'), default_duration_in_min: '30', collectif: 'oui', location_type: 'chez moi', color: 12 },
    });
    expect(paths(problem)).toEqual(['collectif', 'color', 'default_duration_in_min', 'location_type']);
    expect(paths(await refused(422, 'post', motifsPath, { body: [motifBody('Mariage')] }))).toEqual(['']);
    expect(paths(await refused(422, 'post', motifsPath, { body: {} })))
      .toEqual(['default_duration_in_min', 'location_type', 'name', 'service_id']);

    const operator = await test.signIn(DEMO_OPERATOR.email);
    const nested = await refused(422, 'post', '/api/v1/territories', {
      token: operator, body: { name: 'Nouveau', admin: { email: 42, password: 'un-long-mot-de-passe' } },
    });
    expect(paths(nested)).toEqual(['admin.email']);
  });

  it('unknown fields → 422 naming the field, on creation and on change', async () => {
    const created = await refused(422, 'post', motifsPath, { body: { ...motifBody('Mariage'), couleur: 'rouge' } });
    expect(created.errors).toEqual([{ path: 'couleur', message: 'is not a known field' }]);
    const [motif] = await test.sql(`SELECT id FROM motifs WHERE organisation_id = $1 LIMIT 1`, [demo.mairie]);
    const changed = await refused(422, 'patch', `/api/v1/motifs/${motif.id}`, { body: { name: 'Renommé', territory_id: demo.ccas } });
    expect(changed.errors).toEqual([{ path: 'territory_id', message: 'is not a known field' }]);
    expect(paths(await refused(422, 'patch', `/api/v1/motifs/${motif.id}`, { body: {} }))).toEqual(['']);
  });

  it('a 10 MB body → 413', async () => {
    const huge = JSON.stringify({ ...motifBody('Mariage'), instruction_for_rdv: 'x'.repeat(10 * 1024 * 1024) });
    await refused(413, 'post', motifsPath, { rawBody: huge });
  });

  it('a body that is not JSON → 400', async () => {
    await refused(400, 'post', motifsPath, { rawBody: 'name=Mariage', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await refused(400, 'post', motifsPath, { rawBody: JSON.stringify(motifBody('Mariage')), headers: { 'content-type': 'text/plain' } });
  });

  it('stores SQL and script in strings verbatim: neither executed nor refused', async () => {
    const name = `Robert'); DROP TABLE motifs; --`;
    const instruction = `<script>alert("x")</script> \\' OR '1'='1 ; SELECT pg_sleep(10)`;
    const created = await test.call('post', motifsPath, { token: admin, body: { ...motifBody(name), instruction_for_rdv: instruction } });
    expect(created.status).toBe(201);
    const read = await test.call('get', `/api/v1/motifs/${created.body.id}`, { token: admin });
    expect(read.body).toMatchObject({ name, instruction_for_rdv: instruction });
    const [stored] = await test.sql(`SELECT name, instruction_for_rdv FROM motifs WHERE id = $1`, [created.body.id]);
    expect(stored).toEqual({ name, instruction_for_rdv: instruction });
    expect((await test.sql(`SELECT count(*)::int AS count FROM motifs`))[0].count).toBeGreaterThan(1);

    const organisation = await test.call('patch', `/api/v1/organisations/${demo.mairie}`, { token: admin, body: { opening_hours: `<img src=x onerror=alert(1)>'--` } });
    expect(organisation.body.opening_hours).toBe(`<img src=x onerror=alert(1)>'--`);
  });

  it('a missing, unknown or expired token → 401', async () => {
    const path = `/api/v1/organisations/${demo.mairie}/motifs`;
    expect((await refused(401, 'post', path, { token: undefined, body: motifBody('Sans jeton') })).detail).toMatch(/bearer token/i);
    await refused(401, 'post', path, { token: 'A'.repeat(43), body: motifBody('Jeton inconnu') });
    await refused(401, 'get', path, { token: undefined, headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });

    const expiring = await test.signIn('agent.etatcivil@demo.test');
    const start = test.clock.now();
    try {
      test.clock.advance(test.platform.config.sessionTtlHours * 3600_000 + 1000);
      expect((await refused(401, 'get', path, { token: expiring })).detail).toMatch(/expired/);
    } finally {
      test.clock.set(start);
    }
  });

  it('pagination: per_page=0 or abc → 400, per_page=500 is capped at 200', async () => {
    for (const query of ['per_page=0', 'per_page=abc', 'per_page=-5', 'page=0', 'per_page=1e3']) {
      const problem = await refused(400, 'get', `${motifsPath}?${query}`);
      expect({ query, paths: paths(problem) }).toEqual({ query, paths: [query.split('=')[0]] });
    }
    const capped = await test.call('get', `${motifsPath}?per_page=500`, { token: admin });
    expect(capped.status).toBe(200);
    expect(capped.body.meta).toMatchObject({ page: 1, per_page: 200 });
  });

  it('a repeated query parameter → 400', async () => {
    const problem = await refused(400, 'get', `${motifsPath}?per_page=10&per_page=20`);
    expect(problem.errors).toEqual([{ path: 'per_page', message: 'is repeated' }]);
  });

  it('a method the route does not have, or no HTTP method at all → 400', async () => {
    expect((await refused(400, 'put', '/api/v1/organisations', { body: { name: 'Mairie' } })).detail).toMatch(/not allowed/);
    expect((await refused(400, 'propfind', '/api/v1/organisations')).detail).toMatch(/Unknown HTTP method/);
  });

  it('an unknown route, or an id that is no id, → 404 problem+json', async () => {
    await refused(404, 'get', '/api/v1/nothing-here');
    await refused(404, 'post', '/api/v1/organisations/nothing/motifs/here', { body: {} });
    for (const id of ['not-an-id', '000000000000000000000000000000000000', '------------------------------------', `${demo.mairie}x`]) {
      await refused(404, 'get', `/api/v1/motifs/${encodeURIComponent(id)}`);
      await refused(404, 'get', `/api/v1/organisations/${encodeURIComponent(id)}`);
      await refused(404, 'get', `/api/v1/agents/${encodeURIComponent(id)}`);
      await refused(404, 'get', `/api/v1/organisations/${encodeURIComponent(id)}/motifs`);
    }
  });
});
