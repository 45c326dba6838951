import { hashToken } from '../../../platform/src/auth/secrets';
import { tx } from '../../../platform/src/db/database';
import { waitFor } from '../../support/events';
import { DEMO_PASSWORD, demoIds, TestPlatform } from '../../support/platform';
import { emailedLinks, expectProblem, fingerprint, invitationToken } from './helpers';

const NEW_PASSWORD = 'un-nouveau-mot-de-passe';
const MINUTE = 60_000;

describe("the agent's own account and credentials", () => {
  let test: TestPlatform;
  let demo: Awaited<ReturnType<typeof demoIds>>;

  beforeAll(async () => {
    test = await TestPlatform.start();
    demo = await demoIds(test);
  });
  afterAll(() => test?.stop());
  // Each case starts with no paused counter and at the same instant.
  let start: Date;
  beforeEach(() => {
    start = test.clock.now();
  });
  afterEach(async () => {
    test.clock.set(start);
    await test.sql(`DELETE FROM access_attempts`);
  });

  const me = (token: string) => test.call('get', '/api/v1/auth/me', { token });
  const changePassword = (token: string, current_password: string, password: string) =>
    test.call('post', '/api/v1/auth/password', { token, body: { current_password, password } });
  const askForLink = (email: string, headers: Record<string, string> = {}) =>
    test.call('post', '/api/v1/auth/password_resets', { body: { email }, headers });
  const resetLinks = (email: string) => emailedLinks(test, email, 'reset-password');
  /** Asks for a link for `email` and answers it once it arrived (it leaves after the answer). */
  async function requestLink(email: string): Promise<string> {
    const before = (await resetLinks(email)).length;
    expect((await askForLink(email)).status).toBe(202);
    await waitFor(`a reset link for ${email}`, async () => (await resetLinks(email)).length > before, 5_000);
    return (await resetLinks(email))[0];
  }

  describe('Mon compte', () => {
    it('lets the agent change their own name, and refuses an empty one writing nothing', async () => {
      const token = await test.signIn('agent.urbanisme@demo.test');
      const renamed = await test.call('patch', '/api/v1/auth/me', { token, body: { first_name: 'Sacha', last_name: 'Martin-Durand' } });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: demo.basicUrbanisme, first_name: 'Sacha', last_name: 'Martin-Durand' });
      expect((await me(token)).body).toMatchObject({ first_name: 'Sacha', last_name: 'Martin-Durand' });

      const before = await fingerprint(test);
      const empty = await test.call('patch', '/api/v1/auth/me', { token, body: { first_name: ' ', email: 'autre@demo.test' } });
      expectProblem(empty, 422);
      expect(empty.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['email', 'first_name']);
      expect(await fingerprint(test)).toEqual(before);
    });

    it('changes the password only with the current one, and closes the agent\'s other sessions', async () => {
      const here = await test.signIn('secretariat@demo.test');
      const elsewhere = await test.signIn('secretariat@demo.test');
      const colleague = await test.signIn('agent.etatcivil@demo.test');

      const before = await fingerprint(test);
      const wrong = await changePassword(here, 'pas-le-bon-mot-de-passe', NEW_PASSWORD);
      expectProblem(wrong, 422);
      expect(wrong.body.errors).toEqual([{ path: 'current_password', message: 'is not your current password' }]);
      const short = await changePassword(here, DEMO_PASSWORD, 'court');
      expectProblem(short, 422);
      expect(short.body.errors.map((error: { path: string }) => error.path)).toEqual(['password']);
      expectProblem(await test.call('post', '/api/v1/auth/password', { body: { current_password: DEMO_PASSWORD, password: NEW_PASSWORD } }), 401);
      // Nothing changed but the wrong guess's count.
      expect({ ...(await fingerprint(test)), access_attempts: '' }).toEqual({ ...before, access_attempts: '' });
      expect((await me(elsewhere)).status).toBe(200);

      expect((await changePassword(here, DEMO_PASSWORD, NEW_PASSWORD)).status).toBe(204);
      expect((await me(here)).status).toBe(200);
      const closed = await me(elsewhere);
      expectProblem(closed, 401);
      expect((await me(colleague)).status).toBe(200);
      expect((await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'secretariat@demo.test', password: DEMO_PASSWORD } })).status).toBe(401);
      expect(await test.signIn('secretariat@demo.test', NEW_PASSWORD)).toEqual(expect.any(String));
    });

    it('counts a wrong current password as a sign-in guess: the account pauses after 10', async () => {
      const token = await test.signIn('travailleur.social@demo.test');
      for (let guess = 0; guess < 10; guess++) expect((await changePassword(token, `mauvais-${guess}`, NEW_PASSWORD)).status).toBe(422);
      const paused = await changePassword(token, DEMO_PASSWORD, NEW_PASSWORD);
      expectProblem(paused, 429);
      expect(Number(paused.headers.get('retry-after'))).toBeGreaterThan(0);
      expectProblem(await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'travailleur.social@demo.test', password: DEMO_PASSWORD } }), 429);
    });
  });

  describe('idle sessions', () => {
    it(`refuses an agent's session unused for longer than the configured idle time (30 minutes by default)`, async () => {
      expect(test.platform.config.sessionIdleMinutes).toBe(30);
      const token = await test.signIn('agent.etatcivil@demo.test');
      // Used every 29 minutes, it lives on.
      for (let step = 0; step < 4; step++) {
        test.clock.advance(29 * MINUTE);
        expect((await me(token)).status).toBe(200);
      }
      test.clock.advance(31 * MINUTE);
      const idle = await me(token);
      expectProblem(idle, 401);
      expect(idle.body.detail).toMatch(/expired after 30 minutes without use/);
      // A new sign-in opens a new session.
      expect((await me(await test.signIn('agent.etatcivil@demo.test'))).status).toBe(200);
    });

    it('follows the idle time the platform is configured with', async () => {
      const config = test.platform.config;
      config.sessionIdleMinutes = 5;
      try {
        const token = await test.signIn('agent.urbanisme@demo.test');
        test.clock.advance(4 * MINUTE);
        expect((await me(token)).status).toBe(200);
        test.clock.advance(6 * MINUTE);
        expectProblem(await me(token), 401);
      } finally {
        config.sessionIdleMinutes = 30;
      }
    });
  });

  describe('Mot de passe oublié', () => {
    it('answers alike for a known and an unknown address, and emails a link to the agent only', async () => {
      const known = await askForLink('Admin.Mairie@demo.test');
      const unknown = await askForLink('personne@demo.test');
      expect(known.status).toBe(202);
      expect({ status: unknown.status, body: unknown.body }).toEqual({ status: known.status, body: known.body });
      await waitFor('the link emailed', async () => (await resetLinks('admin.mairie@demo.test')).length === 1, 5_000);
      const [link] = await resetLinks('admin.mairie@demo.test');
      expect(link).toMatch(new RegExp(`^${test.baseUrl}/admin/reset-password/[A-Za-z0-9_-]{40,}$`));
      expect(await resetLinks('personne@demo.test')).toEqual([]);
      // Only the token's hash is stored.
      const token = invitationToken(link);
      const stored = await test.sql(`SELECT token_hash FROM password_resets WHERE agent_id = $1`, [demo.mairieAdmin]);
      expect(stored).toEqual([{ token_hash: hashToken(token) }]);
      expect(JSON.stringify(await test.sql(`SELECT * FROM password_resets`))).not.toContain(token);
      // Looked up before any territory is known, like sessions: no agent request can read them.
      const [{ territory_id: territoryId }] = await test.sql(`SELECT territory_id FROM agents WHERE id = $1`, [demo.mairieAdmin]);
      await expect(test.db.tenant(territoryId, () => tx().query(`SELECT * FROM password_resets`))).rejects.toThrow(/permission denied/);
    });

    it('sets the new password once through the link, closes every session and signs the agent in', async () => {
      const open = await test.signIn('agent.urbanisme@demo.test');
      const link = await requestLink('agent.urbanisme@demo.test');
      const path = `/api/v1/auth/password_resets/${invitationToken(link)}`;
      expect((await test.call('get', path)).status).toBe(200);

      const before = await fingerprint(test);
      const short = await test.call('post', path, { body: { password: 'court' } });
      expectProblem(short, 422);
      expect(await fingerprint(test)).toEqual(before);

      const reset = await test.call('post', path, { body: { password: NEW_PASSWORD } });
      expect(reset.status).toBe(200);
      expect(reset.body.agent).toMatchObject({ id: demo.basicUrbanisme });
      expect((await me(reset.body.token)).status).toBe(200);
      expectProblem(await me(open), 401);
      expect(await test.signIn('agent.urbanisme@demo.test', NEW_PASSWORD)).toEqual(expect.any(String));

      // Single use.
      const afterUse = await fingerprint(test);
      expectProblem(await test.call('get', path), 410);
      expectProblem(await test.call('post', path, { body: { password: 'encore-un-autre-mot' } }), 410);
      expectProblem(await test.call('post', `/api/v1/auth/password_resets/${'x'.repeat(43)}`, { body: { password: NEW_PASSWORD } }), 404);
      expect(await fingerprint(test)).toEqual(afterUse);
    });

    it('lets a link expire after an hour, and only the newest link works', async () => {
      const email = 'agent.etatcivil@demo.test';
      const first = await requestLink(email);
      const second = await requestLink(email);
      expect(second).not.toBe(first);
      expectProblem(await test.call('get', `/api/v1/auth/password_resets/${invitationToken(first)}`), 404);

      test.clock.advance(59 * MINUTE);
      expect((await test.call('get', `/api/v1/auth/password_resets/${invitationToken(second)}`)).status).toBe(200);
      test.clock.advance(2 * MINUTE);
      const expired = await test.call('post', `/api/v1/auth/password_resets/${invitationToken(second)}`, { body: { password: NEW_PASSWORD } });
      expectProblem(expired, 410);
      expect(expired.body.detail).toMatch(/expired/);
      expect(await test.signIn(email)).toEqual(expect.any(String));
    });

    it('pauses asking for links: 5 for one address, 20 from one caller, an unknown address alike', async () => {
      for (const email of ['ccas.inconnu@demo.test', 'travailleur.social@demo.test']) {
        for (let ask = 0; ask < 5; ask++) expect((await askForLink(email)).status).toBe(202);
        const paused = await askForLink(email);
        expectProblem(paused, 429);
        expect(paused.headers.get('retry-after')).toBe('3600');
      }
      // 12 asked from this caller so far (refusals of an address count too): 8 more, then it is paused whatever the address.
      for (let ask = 0; ask < 8; ask++) expect((await askForLink(`quelqu.un.${ask}@demo.test`)).status).toBe(202);
      expectProblem(await askForLink('encore.un@demo.test'), 429);
      test.clock.advance(61 * MINUTE);
      expect((await askForLink('encore.un@demo.test')).status).toBe(202);
    });
  });
});
