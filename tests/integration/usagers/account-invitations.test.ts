import crypto from 'node:crypto';
import { demoIds, TestPlatform } from '../../support/platform';
import { countRows, emailedLinks, expectProblem, fingerprint, invitationToken } from '../foundation/helpers';

const PASSWORD = 'le mot de passe de Léa';
const TTL_MS = 7 * 24 * 3600_000;

/** « Inviter à créer un compte » (seed 001): an agent sends the usager of a fiche a link to open their portal account. */
describe("inviting an usager to open their account", () => {
  let test: TestPlatform;
  let demo: Awaited<ReturnType<typeof demoIds>>;
  let mairieAgent: string;
  let ccasAgent: string;

  beforeAll(async () => {
    test = await TestPlatform.start();
    demo = await demoIds(test);
    mairieAgent = await test.signIn('admin.mairie@demo.test');
    ccasAgent = await test.signIn('travailleur.social@demo.test');
  });
  afterAll(() => test?.stop());

  async function newFiche(first_name: string, email?: string): Promise<string> {
    const created = await test.call('post', `/api/v1/organisations/${demo.mairie}/users`, {
      token: mairieAgent, body: { first_name, last_name: 'Invitée', ...(email ? { email } : {}) },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }
  const invite = (userId: string, token = mairieAgent) => test.call('post', `/api/v1/users/${userId}/invitation`, { token });
  const state = (userId: string, token = mairieAgent) => test.call('get', `/api/v1/users/${userId}/invitation`, { token });
  const links = (email: string) => emailedLinks(test, email, 'compte/invitation', 'public');
  const page = (link: string) => test.call('get', `/api/public/account_invitations/${invitationToken(link)}`);
  const accept = (link: string, password = PASSWORD) =>
    test.call('post', `/api/public/account_invitations/${invitationToken(link)}/accept`, { body: { password } });
  const signIn = (email: string, password: string) => test.call('post', '/api/public/accounts/sign_in', { body: { email, password } });

  it("emails a single-use link for the fiche's account, which opens it verified at the fiche's email, with no new fiche", async () => {
    const userId = await newFiche('Léa', 'Lea.Invitee@example.fr');
    expect((await state(userId)).body).toEqual({ email: 'Lea.Invitee@example.fr', has_account: false, invitation: null });

    const sent = await invite(userId);
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({
      email: 'Lea.Invitee@example.fr', has_account: false,
      invitation: { sent_at: expect.stringMatching(/\+0[12]:00$/), expires_at: expect.stringMatching(/\+0[12]:00$/) },
    });
    const [link] = await links('lea.invitee@example.fr');
    expect(link).toMatch(new RegExp(`^${test.baseUrl}/public/compte/invitation/[A-Za-z0-9_-]{40,}$`));
    // Only the token's hash is kept.
    const [row] = await test.sql(`SELECT token_hash FROM usager_account_invitations WHERE user_id = $1`, [userId]);
    expect(row.token_hash).toBe(crypto.createHash('sha256').update(invitationToken(link)).digest('hex'));

    // The page names the usager by first name only, and the organisation that invites.
    const shown = await page(link);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({
      status: 'pending', first_name: 'Léa', organisation: { name: expect.stringContaining('Mairie'), slug: 'mairie-val-fleuri' },
      expires_at: expect.any(String),
    });

    const before = await fingerprint(test);
    const short = await accept(link, 'trop court');
    expectProblem(short, 422);
    expect(short.body.errors.map((error: { path: string }) => error.path)).toEqual(['password']);
    expect(await fingerprint(test)).toEqual(before);

    const fiches = await countRows(test, 'users');
    const accepted = await accept(link);
    expect(accepted.status).toBe(201);
    expect(accepted.body).toEqual({ account: { id: expect.any(String), email: 'Lea.Invitee@example.fr', first_name: 'Léa', last_name: 'Invitée' } });
    expect(await countRows(test, 'users')).toEqual(fiches);
    expect((await signIn('lea.invitee@example.fr', PASSWORD)).status).toBe(200);

    // Used: the link opens nothing more, the agent sees the account and cannot invite again.
    expect((await page(link)).body.status).toBe('used');
    const reused = await accept(link, 'un autre mot de passe');
    expectProblem(reused, 409);
    expect(reused.body.detail).toMatch(/already used/);
    expectProblem(await signIn('lea.invitee@example.fr', 'un autre mot de passe'), 403);
    expect((await state(userId)).body).toMatchObject({ has_account: true, invitation: null });
    const again = await invite(userId);
    expectProblem(again, 409);
    expect(again.body.errors).toEqual([{ path: 'email', message: 'already has an account' }]);
  });

  it('refuses a fiche without email (422 at email) and writes nothing', async () => {
    const userId = await newFiche('Sans');
    const before = await fingerprint(test);
    const refused = await invite(userId);
    expectProblem(refused, 422);
    expect(refused.body.errors.map((error: { path: string }) => error.path)).toEqual(['email']);
    expect(await fingerprint(test)).toEqual(before);
  });

  it('refuses an expired link (410, on the injected clock) and only the newest link works', async () => {
    const userId = await newFiche('Marius', 'marius.invite@example.fr');
    expect((await invite(userId)).status).toBe(201);
    const [expiring] = await links('marius.invite@example.fr');
    const start = test.clock.now();
    try {
      test.clock.advance(TTL_MS + 60_000);
      expect((await page(expiring)).body.status).toBe('expired');
      const before = await fingerprint(test);
      const late = await accept(expiring);
      expectProblem(late, 410);
      expect(late.body.detail).toMatch(/expired/);
      expect(await fingerprint(test)).toEqual(before);
      // A week later, the agent signs in again: no invitation stands.
      const agent = await test.signIn('admin.mairie@demo.test');
      expect((await state(userId, agent)).body.invitation).toBeNull();

      // A new invitation: its link works, the earlier one is forgotten.
      expect((await invite(userId, agent)).status).toBe(201);
      const [fresh] = await links('marius.invite@example.fr');
      expect(fresh).not.toBe(expiring);
      expectProblem(await page(expiring), 404);
      expect((await accept(fresh)).status).toBe(201);
    } finally {
      test.clock.set(start);
    }
  });

  it('lets an account still awaiting its code at that email give way: the link proves the address', async () => {
    const userId = await newFiche('Nina', 'nina.invite@example.fr');
    const squatted = await test.call('post', '/api/public/accounts', {
      body: { organisation_slug: 'mairie-val-fleuri', email: 'nina.invite@example.fr', password: 'le mot de passe du squatteur', first_name: 'Intrus', last_name: 'Intrus' },
    });
    expect(squatted.status).toBe(202);
    expect((await invite(userId)).status).toBe(201);
    const [link] = await links('nina.invite@example.fr');
    expect((await accept(link)).status).toBe(201);
    expect((await signIn('nina.invite@example.fr', PASSWORD)).status).toBe(200);
    expectProblem(await signIn('nina.invite@example.fr', 'le mot de passe du squatteur'), 403);
  });

  it('forgets the invitation with the fiche: once deleted, its link opens nothing and its address is not kept', async () => {
    const userId = await newFiche('Paul', 'paul.invite@example.fr');
    expect((await invite(userId)).status).toBe(201);
    const [link] = await links('paul.invite@example.fr');
    expect((await test.call('delete', `/api/v1/users/${userId}`, { token: mairieAgent })).status).toBe(204);
    expectProblem(await page(link), 404);
    expectProblem(await accept(link), 404);
    expect(await test.sql(`SELECT 1 FROM usager_account_invitations WHERE user_id = $1`, [userId])).toEqual([]);
  });

  it("refuses the fiche of an organisation the agent is not in, and another territory's (404), writing nothing", async () => {
    const userId = await newFiche('Ophélie', 'ophelie.invite@example.fr');
    const other = await test.createTerritory('Autre territoire', 'admin@autre.test');
    const before = await fingerprint(test);
    expectProblem(await invite(userId, ccasAgent), 404);
    expectProblem(await invite(userId, other.token), 404);
    expectProblem(await test.call('get', `/api/v1/users/${userId}/invitation`, { token: other.token }), 404);
    expect(await fingerprint(test)).toEqual(before);
    expect(await links('ophelie.invite@example.fr')).toEqual([]);
  });
});
