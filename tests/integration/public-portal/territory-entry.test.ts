import { DEMO_OPERATOR } from '../../../platform/src/bootstrap';
import { TestPlatform } from '../../support/platform';
import { expectProblem } from '../foundation/helpers';

const DEMO_SLUG = 'demo-communaute-de-communes-du-val-fleuri';

/**
 * A territory's entry page (issue 19): its organisations with something to book online,
 * the communes of their lieux and their motifs open to everyone, so an usager needs no
 * organisation's link to start.
 */
describe("a territory's entry page", () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await TestPlatform.start();
  });
  afterAll(() => test?.stop());

  it('lists the organisations with their communes and the motifs open online to everyone', async () => {
    const page = await test.call('get', `/api/public/territories/${DEMO_SLUG}`);
    expect(page.status).toBe(200);
    expect(page.body.name).toBe('Démo — Communauté de communes du Val Fleuri');
    const online = await test.sql<{ slug: string; name: string }>(
      `SELECT DISTINCT o.slug, m.name FROM organisations o JOIN motifs m ON m.organisation_id = o.id
        WHERE m.deleted_at IS NULL AND m.bookable_by = 'everyone'`);
    const listed = page.body.organisations.flatMap((o: { slug: string; motifs: { name: string }[] }) => o.motifs.map((m) => ({ slug: o.slug, name: m.name })));
    expect(listed).toHaveLength(online.length);
    expect(listed).toEqual(expect.arrayContaining(online));
    const cities = await test.sql<{ slug: string; city: string }>(
      `SELECT DISTINCT o.slug, l.city FROM organisations o JOIN lieux l ON l.organisation_id = o.id WHERE l.city IS NOT NULL AND l.deleted_at IS NULL`);
    expect(cities.length).toBeGreaterThan(0);
    for (const { slug, city } of cities) {
      const organisation = page.body.organisations.find((o: { slug: string }) => o.slug === slug);
      if (organisation) expect(organisation.communes).toContain(city);
    }
    // A motif only agents book is not shown.
    const [hidden] = await test.sql(`SELECT name FROM motifs WHERE bookable_by <> 'everyone' AND deleted_at IS NULL LIMIT 1`);
    expect(hidden).toBeDefined();
    expect(listed.map((m: { name: string }) => m.name)).not.toContain(hidden.name);
  });

  it('gives a territory of the same name another slug, and answers 404 for an unknown one', async () => {
    const operator = await test.signIn(DEMO_OPERATOR.email);
    const created = await test.call('post', '/api/v1/territories', {
      token: operator, body: { name: 'Démo — Communauté de communes du Val Fleuri', admin: { email: 'admin@homonyme.test', password: 'un-mot-de-passe-solide' } },
    });
    expect(created.status).toBe(201);
    const [stored] = await test.sql(`SELECT slug FROM territories WHERE id = $1`, [created.body.id]);
    expect(stored.slug).toBe(`${DEMO_SLUG}-${created.body.id.slice(0, 8)}`);
    expect((await test.call('get', `/api/public/territories/${stored.slug}`)).body.organisations).toEqual([]);
    expectProblem(await test.call('get', '/api/public/territories/nulle-part'), 404);
  });
});
