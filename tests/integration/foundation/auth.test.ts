import { demoIds, TestPlatform } from '../../support/platform';

describe('signing in and out', () => {
  let test: TestPlatform;
  beforeAll(async () => {
    test = await TestPlatform.start();
  });
  afterAll(() => test.stop());

  it('answers a token and the agent for the right password, 401 for a wrong one', async () => {
    const ok = await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'ADMIN.mairie@demo.test', password: 'demo-password-2026' } });
    expect(ok.status).toBe(200);
    expect(ok.body.agent.email).toBe('admin.mairie@demo.test');
    expect(ok.body.agent.roles).toEqual([{ organisation_id: (await demoIds(test)).mairie, access_level: 'admin' }]);

    const wrong = await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'admin.mairie@demo.test', password: 'not-the-password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    const unknown = await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'nobody@demo.test', password: 'whatever-password' } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(wrong.body.detail);
  });

  it('stores tokens hashed, revokes them on sign-out and refuses them once expired', async () => {
    const token = await test.signIn('agent.etatcivil@demo.test');
    const stored = await test.sql(`SELECT token_hash FROM api_tokens`);
    expect(stored.map((row) => row.token_hash)).not.toContain(token);
    expect((await test.call('get', '/api/v1/auth/me', { token })).status).toBe(200);

    expect((await test.call('delete', '/api/v1/auth/sign_out', { token })).status).toBe(204);
    const revoked = await test.call('get', '/api/v1/auth/me', { token });
    expect(revoked.status).toBe(401);

    const other = await test.signIn('agent.etatcivil@demo.test');
    test.clock.advance(13 * 3600 * 1000);
    const expired = await test.call('get', '/api/v1/auth/me', { token: other });
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toMatch(/expired/);
    test.clock.set(new Date());
  });

  it('refuses a missing or malformed token, and an intervenant cannot sign in', async () => {
    expect((await test.call('get', '/api/v1/organisations')).status).toBe(401);
    expect((await test.call('get', '/api/v1/organisations', { headers: { authorization: 'Bearer short' } })).status).toBe(401);
    expect((await test.call('get', '/api/v1/organisations', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    const [intervenant] = await test.sql(`SELECT password_hash FROM agents WHERE email IS NULL`);
    expect(intervenant.password_hash).toBeNull();
  });

  it('stores passwords hashed with scrypt', async () => {
    const rows = await test.sql(`SELECT password_hash FROM agents WHERE email = 'agent.etatcivil@demo.test'`);
    expect(rows[0].password_hash).toMatch(/^scrypt\$\d+\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain('demo-password-2026');
  });

  describe('password guessing', () => {
    const signIn = (email: string, password: string, headers: Record<string, string> = {}) =>
      test.call('post', '/api/v1/auth/sign_in', { body: { email, password }, headers });
    afterEach(() => test.sql(`DELETE FROM access_attempts`));

    it('pauses an account after 10 wrong passwords, right one included, then lets it in after 15 minutes; other accounts go on', async () => {
      const start = test.clock.now();
      for (let attempt = 0; attempt < 10; attempt++) expect((await signIn('agent.urbanisme@demo.test', `wrong-password-${attempt}`)).status).toBe(401);
      const paused = await signIn('AGENT.URBANISME@demo.test', 'demo-password-2026');
      expect(paused.status).toBe(429);
      expect(paused.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(paused.headers.get('retry-after'))).toBe(900);
      expect((await signIn('secretariat@demo.test', 'demo-password-2026')).status).toBe(200);

      test.clock.set(new Date(start.getTime() + 15 * 60_000 + 1_000));
      try {
        expect((await signIn('agent.urbanisme@demo.test', 'demo-password-2026')).status).toBe(200);
      } finally {
        test.clock.set(start);
      }
    });

    it('evaluates no more than 10 passwords of one account sent all at once', async () => {
      const answers = await Promise.all(Array.from({ length: 25 }, (_, index) => signIn('travailleur.social@demo.test', `wrong-password-${index}`)));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(10);
      expect(statuses.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
      expect((await signIn('travailleur.social@demo.test', 'demo-password-2026')).status).toBe(429);
    });

    it('pauses an address that tries 50 wrong passwords over any emails, known or not', async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        expect((await signIn(`stranger-${attempt}@example.fr`, 'whatever-password')).status).toBe(401);
      }
      const paused = await signIn('admin.mairie@demo.test', 'demo-password-2026');
      expect(paused.status).toBe(429);
    });
  });
});
