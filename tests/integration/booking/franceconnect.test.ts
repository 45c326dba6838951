import { startWithOidcProvider, TestIdentity, TestOidcProvider } from '../../support/oidc-provider';
import type { TestPlatform } from '../../support/platform';
import { countRows, expectProblem } from '../foundation/helpers';
import { bookingFixture, BookingFixture, expectStatus, NOW, publicCreneaux, sentCode } from './helpers';

const SLUG = 'mairie-val-fleuri';
const LEA = { sub: 'fc-sub-lea', email: 'lea.durand@example.fr', given_name: 'Léa Marie', family_name: 'Durand', birthdate: '1990-04-12' };

/**
 * Usagers signing in with FranceConnect (issue 19), against a real OpenID Connect provider
 * on loopback: the account found by FranceConnect's sub, else by its email, else opened;
 * the certified identity (first name, birth name, birth date) then refused to hand changes,
 * the usager's and the agents'; a booking needs no code and carries that identity.
 */
describe('signing in with FranceConnect', () => {
  let provider: TestOidcProvider;
  let test: TestPlatform;
  let f: BookingFixture;

  beforeAll(async () => {
    ({ test, provider } = await startWithOidcProvider('franceconnect', { now: NOW }));
    f = await bookingFixture(test);
  });
  afterAll(async () => {
    await test?.stop();
    await provider?.stop();
  });

  /** The whole round trip: start, FranceConnect signs `identity` in, the answer posted back. */
  async function franceConnect(identity: TestIdentity, extra: Record<string, string> = { organisation_slug: SLUG }) {
    provider.signInAs(identity);
    const started = await test.call('post', '/api/public/franceconnect/start');
    expectStatus(started, 200);
    const url = new URL(started.body.authorization_url);
    expect(url.searchParams.get('scope')).toBe('openid email given_name family_name birthdate');
    expect(url.searchParams.get('acr_values')).toBe('eidas1');
    const callback = await provider.authorize(url.href);
    expect(callback.pathname).toBe('/public/franceconnect/callback');
    const answer = { code: callback.searchParams.get('code'), state: callback.searchParams.get('state'), iss: callback.searchParams.get('iss') };
    return test.call('post', '/api/public/franceconnect/callback', { body: { ...answer, ...extra } });
  }
  const me = (token: string) => test.call('get', '/api/public/me', { token });

  it('opens an account for a new usager, with the identity FranceConnect certifies and no password', async () => {
    expect((await test.call('get', '/api/public/franceconnect')).body).toEqual({ configured: true });
    // Nobody known and no organisation to open the account in.
    const nowhere = await franceConnect(LEA, {});
    expectProblem(nowhere, 422);
    expect(nowhere.body.errors).toEqual([{ path: 'organisation_slug', message: expect.any(String) }]);

    const signedIn = await franceConnect(LEA);
    expectStatus(signedIn, 200);
    expect((await me(signedIn.body.token)).body).toEqual({
      id: signedIn.body.account.id, email: LEA.email, first_name: 'Léa Marie', last_name: 'Durand', birth_name: 'Durand',
      birth_date: '1990-04-12', phone_number: null, has_password: false, franceconnect: true,
      certified_fields: ['first_name', 'birth_name', 'birth_date'],
    });
    // The same person again (FranceConnect's sub): the same account, nothing new.
    const before = await countRows(test, 'usager_accounts');
    const again = await franceConnect({ ...LEA, email: 'autre.adresse@example.fr' });
    expect(again.body.account.id).toBe(signedIn.body.account.id);
    expect(await countRows(test, 'usager_accounts')).toEqual(before);
  });

  it('refuses changes of the certified identity, with their paths, and keeps the other details editable', async () => {
    const { token } = (await franceConnect(LEA)).body;
    const refused = await test.call('patch', '/api/public/me', { token, body: { first_name: 'Léa', birth_date: '1991-04-12', phone_number: '0612345678' } });
    expectProblem(refused, 422);
    expect(refused.body.errors.map((error: { path: string }) => error.path)).toEqual(['first_name', 'birth_date']);
    expect((await me(token)).body).toMatchObject({ first_name: 'Léa Marie', birth_date: '1990-04-12', phone_number: null });

    const changed = await test.call('patch', '/api/public/me', { token, body: { last_name: 'Durand-Moreau', phone_number: '0612345678', first_name: 'Léa Marie' } });
    expectStatus(changed, 200);
    expect(changed.body).toMatchObject({ last_name: 'Durand-Moreau', phone_number: '0612345678', first_name: 'Léa Marie' });
  });

  it('books without a code, on a fiche with the certified identity that agents cannot change by hand', async () => {
    const { token } = (await franceConnect(LEA)).body;
    const [slot] = await publicCreneaux(test, SLUG, f.cni, f.hotelDeVille, '2026-12-02');
    const typedOtherwise = await test.call('post', '/api/public/rdvs', {
      token, body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: slot.starts_at, user: { first_name: 'Quelqu’un', last_name: 'Durand' } },
    });
    expectProblem(typedOtherwise, 422);
    expect(typedOtherwise.body.errors).toEqual([{ path: 'user.first_name', message: 'is certified by FranceConnect and cannot be changed' }]);

    const booked = await test.call('post', '/api/public/rdvs', {
      token, body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: slot.starts_at, user: { first_name: 'Léa Marie', last_name: 'Durand-Moreau' } },
    });
    expectStatus(booked, 201);
    const [fiche] = await test.sql(`SELECT id, first_name, last_name, birth_name, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, email
      FROM users WHERE lower(email) = $1`, [LEA.email]);
    expect(fiche).toMatchObject({ first_name: 'Léa Marie', last_name: 'Durand-Moreau', birth_name: 'Durand', birth_date: '1990-04-12' });
    expect((await test.call('get', '/api/public/me/rdvs', { token })).body.data).toHaveLength(1);

    const agent = f.tokens.mairieAdmin;
    expect((await test.call('get', `/api/v1/users/${fiche.id}`, { token: agent })).body.certified_fields).toEqual(['first_name', 'birth_name', 'birth_date']);
    const refused = await test.call('patch', `/api/v1/users/${fiche.id}`, { token: agent, body: { birth_name: 'Martin' } });
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: 'birth_name', message: 'is certified by FranceConnect and cannot be changed' }]);
    expectStatus(await test.call('patch', `/api/v1/users/${fiche.id}`, { token: agent, body: { phone_number: '0698765432' } }), 200);
    // A fiche FranceConnect did not certify stays the agents' to change.
    expectStatus(await test.call('patch', `/api/v1/users/${f.camille}`, { token: agent, body: { birth_name: 'Martin' } }), 200);
  });

  it('cancels one of their rdvs from their espace; an rdv that is not theirs is 404', async () => {
    const { token } = (await franceConnect(LEA)).body;
    const [rdv] = (await test.call('get', '/api/public/me/rdvs', { token })).body.data;
    expect(rdv).toMatchObject({ status: 'unknown', cancellable: true });
    const someoneElse = (await franceConnect({ email: 'hugo.blanc@example.fr', given_name: 'Hugo', family_name: 'Blanc', birthdate: '1970-06-01' })).body.token;
    expectProblem(await test.call('post', `/api/public/me/rdvs/${rdv.id}/cancel`, { token: someoneElse }), 404);
    expectProblem(await test.call('post', `/api/public/me/rdvs/${rdv.id}/cancel`), 401);

    const cancelled = await test.call('post', `/api/public/me/rdvs/${rdv.id}/cancel`, { token });
    expectStatus(cancelled, 200);
    expect(cancelled.body).toMatchObject({ id: rdv.id, status: 'excused', cancellable: false });
    expect((await test.sql(`SELECT status FROM rdvs WHERE id = $1`, [rdv.id]))[0].status).toBe('excused');
    expectProblem(await test.call('post', `/api/public/me/rdvs/${rdv.id}/cancel`, { token }), 409);
  });

  it("finds a password account by its email, and takes an unverified one from whoever opened it", async () => {
    const open = (email: string, password: string) => test.call('post', '/api/public/accounts', {
      body: { organisation_slug: SLUG, email, password, first_name: 'Tom', last_name: 'Bernard' },
    });
    const signIn = (email: string, password: string) => test.call('post', '/api/public/accounts/sign_in', { body: { email, password } });

    const tom = 'tom.bernard@example.fr';
    expectStatus(await open(tom, 'le mot de passe de Tom'), 202);
    const [account] = await test.sql(`SELECT id FROM usager_accounts WHERE email = $1`, [tom]);
    expectStatus(await test.call('post', '/api/public/accounts/verify', { body: { email: tom, code: await sentCode(test, 'usager_account', account.id) } }), 200);
    const linked = await franceConnect({ email: tom, given_name: 'Thomas', family_name: 'Bernard', birthdate: '1985-01-30' }, {});
    expectStatus(linked, 200);
    expect(linked.body.account.id).toBe(account.id);
    expect((await me(linked.body.token)).body).toMatchObject({ first_name: 'Thomas', birth_date: '1985-01-30', has_password: true, franceconnect: true });
    expectStatus(await signIn(tom, 'le mot de passe de Tom'), 200);

    // Someone opened an account at Inès's address without the code: FranceConnect proves Inès holds it.
    const ines = 'ines.roche@example.fr';
    expectStatus(await open(ines, 'le mot de passe du squatteur'), 202);
    expectStatus(await franceConnect({ email: ines, given_name: 'Inès', family_name: 'Roche', birthdate: '1979-09-03' }, {}), 200);
    expectProblem(await signIn(ines, 'le mot de passe du squatteur'), 403);

    // Another FranceConnect identity at an address already tied to one (relatives sharing it): refused.
    const sharing = await franceConnect({ email: ines.toUpperCase(), given_name: 'Paul', family_name: 'Roche', birthdate: '2008-02-14' });
    expectProblem(sharing, 409);
  });

  it("signs out of FranceConnect too, and refuses a replayed answer", async () => {
    provider.signInAs(LEA);
    const started = await test.call('post', '/api/public/franceconnect/start');
    const callback = await provider.authorize(started.body.authorization_url);
    const answer = { code: callback.searchParams.get('code'), state: callback.searchParams.get('state'), iss: callback.searchParams.get('iss') };
    const { token } = (await test.call('post', '/api/public/franceconnect/callback', { body: answer })).body;
    expectProblem(await test.call('post', '/api/public/franceconnect/callback', { body: answer }), 401);

    const signedOut = await test.call('delete', '/api/public/accounts/sign_in', { token });
    expectStatus(signedOut, 200);
    const url = new URL(signedOut.body.end_session_url);
    expect(url.origin + url.pathname).toBe(`${provider.issuer}/session/end`);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${test.baseUrl}/public/espace`);
    expectProblem(await me(token), 401);
  });

  it('closes the account on request, its sessions with it; the fiches agents keep stay', async () => {
    const { token, account } = (await franceConnect(LEA)).body;
    const fiches = await countRows(test, 'users');
    const closed = await test.call('delete', '/api/public/me', { token });
    expectStatus(closed, 200);
    expect(new URL(closed.body.end_session_url).pathname).toBe('/session/end');
    expectProblem(await me(token), 401);
    expect(await test.sql(`SELECT 1 FROM usager_accounts WHERE id = $1`, [account.id])).toEqual([]);
    expect(await countRows(test, 'users')).toEqual(fiches);
    // FranceConnect again: a new account.
    const reopened = await franceConnect(LEA);
    expectStatus(reopened, 200);
    expect(reopened.body.account.id).not.toBe(account.id);
  });
});
