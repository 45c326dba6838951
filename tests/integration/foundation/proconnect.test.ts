import { waitFor } from '../../support/events';
import { startWithOidcProvider, TestOidcProvider } from '../../support/oidc-provider';
import { DEMO_PASSWORD, TestPlatform } from '../../support/platform';
import { countRows, emailedLinks, expectProblem, invitationLink, invitationToken } from './helpers';

const EMAIL = 'agent.urbanisme@demo.test';

/**
 * Agents signing in with ProConnect (issue 19), against a real OpenID Connect provider on
 * loopback signing its id tokens and userinfo: the code flow with state, nonce and eidas1;
 * forged, replayed or stale answers refused; unknown emails refused without an account;
 * the provider down said clearly while passwords still work; sign-out ending the
 * provider's session; a territory requiring ProConnect, where no password is chosen either.
 */
describe('signing in with ProConnect', () => {
  let provider: TestOidcProvider;
  let test: TestPlatform;

  beforeAll(async () => {
    ({ test, provider } = await startWithOidcProvider('proconnect'));
  });
  afterAll(async () => {
    await test?.stop();
    await provider?.stop();
  });

  const start = () => test.call('post', '/api/v1/auth/proconnect/start');
  const finish = (answer: { code: string | null; state: string | null; iss?: string | null }) =>
    test.call('post', '/api/v1/auth/proconnect/callback', { body: { code: answer.code, state: answer.state, ...(answer.iss ? { iss: answer.iss } : {}) } });
  const answerOf = (callback: URL) => ({ code: callback.searchParams.get('code'), state: callback.searchParams.get('state'), iss: callback.searchParams.get('iss') });

  /** Starts a sign-in, lets the provider sign `email` in, and answers what it sent back to the redirect URI. */
  async function providerAnswer(email: string, editUrl: (url: URL) => void = () => undefined) {
    provider.signInAs({ email, given_name: 'Prénom', usual_name: 'Nom' });
    const started = await start();
    expect(started.status).toBe(200);
    const url = new URL(started.body.authorization_url);
    editUrl(url);
    return answerOf(await provider.authorize(url.href));
  }

  it('says when ProConnect does not answer, and the password still signs in', async () => {
    expect((await test.call('get', '/api/v1/auth/proconnect')).body).toEqual({ configured: true });
    provider.failWith(503);
    const refused = await start();
    expectProblem(refused, 503);
    expect(refused.body.detail).toBe('ProConnect does not answer: try again later');
    expect((await test.call('post', '/api/v1/auth/sign_in', { body: { email: EMAIL, password: DEMO_PASSWORD } })).status).toBe(200);
    provider.failWith(null);
  });

  it('sends the agent to ProConnect with state, nonce and eidas1, then signs in the agent of that email', async () => {
    const started = await start();
    const url = new URL(started.body.authorization_url);
    expect(url.origin + url.pathname).toBe(`${provider.issuer}/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'lapin-proconnect', response_type: 'code', acr_values: 'eidas1', scope: 'openid email given_name usual_name',
      redirect_uri: `${test.baseUrl}/admin/proconnect/callback`,
    });
    expect(url.searchParams.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(url.searchParams.get('nonce')!.length).toBeGreaterThanOrEqual(32);

    // ProConnect may spell the address otherwise than the agent's account.
    const answer = await providerAnswer('Agent.Urbanisme@Demo.test');
    const signedIn = await finish(answer);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.agent).toMatchObject({ email: EMAIL });
    expect((await test.call('get', '/api/v1/auth/me', { token: signedIn.body.token })).body.email).toBe(EMAIL);

    // The same answer again: the state was used.
    const replayed = await finish(answer);
    expectProblem(replayed, 401);
    expect(replayed.body.detail).toBe('This sign-in is unknown or already used: start again');
  });

  it('refuses a forged state, a forged nonce, a code already used and an expired one', async () => {
    const answer = await providerAnswer(EMAIL);
    const forgedState = await finish({ ...answer, state: 'x'.repeat(43) });
    expectProblem(forgedState, 401);
    expect(forgedState.body.detail).toBe('This sign-in is unknown or already used: start again');
    expect((await finish(answer)).status).toBe(200);

    // The code of that sign-in slipped into another one: the provider refuses a used code.
    const other = await start();
    const usedCode = await finish({ ...answer, state: new URL(other.body.authorization_url).searchParams.get('state') });
    expectProblem(usedCode, 401);
    expect(usedCode.body.detail).toBe('ProConnect did not confirm the sign-in: start again');

    // The id token carries a nonce other than the one this sign-in started with.
    const forgedNonce = await providerAnswer(EMAIL, (url) => url.searchParams.set('nonce', 'n'.repeat(43)));
    expectProblem(await finish(forgedNonce), 401);

    provider.authorizationCodeTtl = 1;
    try {
      const late = await providerAnswer(EMAIL);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const expired = await finish(late);
      expectProblem(expired, 401);
      expect(expired.body.detail).toBe('ProConnect did not confirm the sign-in: start again');
    } finally {
      provider.authorizationCodeTtl = 60;
    }
  });

  it("refuses a userinfo answer whose signature does not match its content (another agent's email slipped in)", async () => {
    const answer = await providerAnswer(EMAIL);
    provider.forgedUserinfoEmail = 'territoire@demo.test';
    try {
      const forged = await finish(answer);
      expectProblem(forged, 401);
      expect(forged.body.detail).toBe('ProConnect did not confirm the sign-in: start again');
    } finally {
      provider.forgedUserinfoEmail = null;
    }
    // Unforged, the same kind of answer signs the agent in.
    expect((await finish(await providerAnswer(EMAIL))).body.agent.email).toBe(EMAIL);
  });

  it('refuses a sign-in the agent took more than 10 minutes to finish', async () => {
    const answer = await providerAnswer(EMAIL);
    test.clock.advance(11 * 60_000);
    const stale = await finish(answer);
    expectProblem(stale, 401);
    expect(stale.body.detail).toBe('This sign-in took too long: start again');
  });

  it('refuses an email with no agent account, and creates none', async () => {
    const before = await countRows(test, 'agents', 'api_tokens');
    const refused = await finish(await providerAnswer('inconnu@ministere.gouv.fr'));
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      detail: 'No agent account has this email: use ProConnect with the email your invitation was sent to',
      email: 'inconnu@ministere.gouv.fr',
    });
    expect(await countRows(test, 'agents', 'api_tokens')).toEqual(before);
  });

  it('accepts an invitation still pending, fills the names left empty, and refuses one withdrawn', async () => {
    const territorial = await test.signIn('territoire@demo.test');
    const [mairie] = await test.sql(`SELECT id FROM organisations WHERE slug = 'mairie-val-fleuri'`);
    const invite = (email: string) => test.call('post', `/api/v1/organisations/${mairie.id}/agents`, {
      token: territorial, body: { email, access_level: 'basic', service_ids: ['etat_civil'] },
    });
    const invited = await invite('nouvelle.recrue@demo.test');
    expect(invited.body.agent.invitation_pending).toBe(true);
    await invitationLink(test, 'nouvelle.recrue@demo.test');

    const signedIn = await finish(await providerAnswer('nouvelle.recrue@demo.test'));
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.agent).toMatchObject({ id: invited.body.agent.id, first_name: 'Prénom', last_name: 'Nom', invitation_pending: false });
    // Joined through ProConnect: the next sign-in needs no invitation.
    expect((await finish(await providerAnswer('nouvelle.recrue@demo.test'))).status).toBe(200);

    const withdrawn = await invite('partie.avant@demo.test');
    await test.call('delete', `/api/v1/organisations/${mairie.id}/agents/${withdrawn.body.agent.id}/invitation`, { token: territorial });
    expect((await finish(await providerAnswer('partie.avant@demo.test'))).status).toBe(401);
  });

  it("says so when ProConnect fails after the agent came back, and the password still signs in", async () => {
    const answer = await providerAnswer(EMAIL);
    provider.failWith(503);
    try {
      const refused = await finish(answer);
      expectProblem(refused, 503);
      expect(refused.body.detail).toBe('ProConnect does not answer: try again later');
      expect((await test.call('post', '/api/v1/auth/sign_in', { body: { email: EMAIL, password: DEMO_PASSWORD } })).status).toBe(200);
    } finally {
      provider.failWith(null);
    }
  });

  it("signs out of ProConnect too: the answer names ProConnect's end-session URL with the id token", async () => {
    const { token } = (await finish(await providerAnswer(EMAIL))).body;
    const signedOut = await test.call('delete', '/api/v1/auth/sign_out', { token });
    expect(signedOut.status).toBe(200);
    const url = new URL(signedOut.body.end_session_url);
    expect(url.origin + url.pathname).toBe(`${provider.issuer}/session/end`);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${test.baseUrl}/admin/sign-in`);
    expect(url.searchParams.get('id_token_hint')!.split('.')).toHaveLength(3);
    expect(url.searchParams.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect((await test.call('get', '/api/v1/auth/me', { token })).status).toBe(401);
    // The provider accepts it: its page asking to confirm the sign-out.
    expect((await fetch(url)).status).toBe(200);
    // The id token is stored sealed, never as is.
    const stored = JSON.stringify(await test.sql(`SELECT proconnect_id_token FROM api_tokens WHERE proconnect_id_token IS NOT NULL`));
    expect(stored).not.toContain(url.searchParams.get('id_token_hint'));

    // A password session signs out as before.
    const passwordToken = await test.signIn(EMAIL);
    expect((await test.call('delete', '/api/v1/auth/sign_out', { token: passwordToken })).status).toBe(204);
  });

  it('lets a territory require ProConnect: its agents’ passwords are then refused', async () => {
    const territorial = await test.signIn('territoire@demo.test');
    const required = await test.call('patch', '/api/v1/territories/current', { token: territorial, body: { proconnect_required: true } });
    expect(required.status).toBe(200);
    expect(required.body.proconnect_required).toBe(true);
    try {
      const refused = await test.call('post', '/api/v1/auth/sign_in', { body: { email: EMAIL, password: DEMO_PASSWORD } });
      expectProblem(refused, 403);
      expect(refused.body.detail).toBe('Your territory asks its agents to sign in with ProConnect');
      // A wrong password is still only a wrong password.
      expect((await test.call('post', '/api/v1/auth/sign_in', { body: { email: EMAIL, password: 'pas le bon' } })).status).toBe(401);
      expect((await finish(await providerAnswer(EMAIL))).status).toBe(200);
    } finally {
      const token = (await finish(await providerAnswer('territoire@demo.test'))).body.token;
      await test.call('patch', '/api/v1/territories/current', { token, body: { proconnect_required: false } });
    }
    expect((await test.call('post', '/api/v1/auth/sign_in', { body: { email: EMAIL, password: DEMO_PASSWORD } })).status).toBe(200);
  });

  it('lets no password be chosen in a territory requiring ProConnect: no reset link, none used, invitations accepted by ProConnect only', async () => {
    const territorial = await test.signIn('territoire@demo.test');
    const [mairie] = await test.sql(`SELECT id FROM organisations WHERE slug = 'mairie-val-fleuri'`);
    const [agent] = await test.sql(`SELECT id, password_hash FROM agents WHERE email = $1`, [EMAIL]);
    const invited = await test.call('post', `/api/v1/organisations/${mairie.id}/agents`, {
      token: territorial, body: { email: 'recrue.proconnect@demo.test', access_level: 'basic', service_ids: ['etat_civil'] },
    });
    const invitation = invitationToken(await invitationLink(test, 'recrue.proconnect@demo.test'));
    // A reset link asked for before the territory required ProConnect.
    const resetLinks = () => emailedLinks(test, EMAIL, 'reset-password');
    expect((await test.call('post', '/api/v1/auth/password_resets', { body: { email: EMAIL } })).status).toBe(202);
    await waitFor('the reset link emailed', async () => (await resetLinks()).length > 0, 5_000);
    const resetPath = `/api/v1/auth/password_resets/${invitationToken((await resetLinks())[0])}`;

    expect((await test.call('patch', '/api/v1/territories/current', { token: territorial, body: { proconnect_required: true } })).status).toBe(200);
    try {
      const resetsBefore = await test.sql(`SELECT id FROM password_resets WHERE agent_id = $1`, [agent.id]);
      const sessionsBefore = await countRows(test, 'api_tokens');
      // Asked again: answered as for any address, but no link is made.
      const asked = await test.call('post', '/api/v1/auth/password_resets', { body: { email: EMAIL } });
      expect(asked.status).toBe(202);
      expect(asked.body).toEqual({ sent_if_known: true });
      expect(await test.sql(`SELECT id FROM password_resets WHERE agent_id = $1`, [agent.id])).toEqual(resetsBefore);
      // The earlier link is refused as the password is, on opening and on use.
      for (const refused of [await test.call('get', resetPath), await test.call('post', resetPath, { body: { password: 'Un autre mot de passe 2026' } })]) {
        expectProblem(refused, 403);
        expect(refused.body.detail).toBe('Your territory asks its agents to sign in with ProConnect');
      }
      const accepted = await test.call('post', `/api/v1/invitations/${invitation}/accept`, { body: { password: 'Un autre mot de passe 2026' } });
      expectProblem(accepted, 403);
      expect(accepted.body.detail).toBe('Your territory asks its agents to sign in with ProConnect: sign in with ProConnect to accept this invitation');
      expect(await countRows(test, 'api_tokens')).toEqual(sessionsBefore);
      expect((await test.sql(`SELECT password_hash FROM agents WHERE id = $1`, [agent.id]))[0].password_hash).toBe(agent.password_hash);
      expect((await test.sql(`SELECT password_hash FROM agents WHERE id = $1`, [invited.body.agent.id]))[0].password_hash).toBeNull();
      // ProConnect accepts the invitation.
      const joined = await finish(await providerAnswer('recrue.proconnect@demo.test'));
      expect(joined.status).toBe(200);
      expect(joined.body.agent).toMatchObject({ id: invited.body.agent.id, invitation_pending: false });
    } finally {
      await test.call('patch', '/api/v1/territories/current', { token: territorial, body: { proconnect_required: false } });
    }
    // Passwords allowed again, the earlier link opens again.
    expect((await test.call('get', resetPath)).status).toBe(200);
  });
});
