import { Secret, TOTP } from 'otpauth';
import { waitFor } from '../../support/events';
import { DEMO_PASSWORD, TestPlatform } from '../../support/platform';
import { emailedLinks, expectProblem, invitationToken } from './helpers';

/** Monday 30 November 2026, 08:00 in Paris, on the 30-second grid of TOTP codes. */
const NOW = new Date('2026-11-30T07:00:00Z');
const EMAIL = 'agent.urbanisme@demo.test';

/**
 * An agent's optional application code (TOTP, issue 13): set up from « Mon compte » with
 * a QR code and a first code, then asked after the password at sign-in; recovery codes
 * work once; codes are not replayed; wrong ones are counted; turned off with password and code.
 */
describe("an agent's application code (TOTP)", () => {
  let test: TestPlatform;
  let secret: string;
  let recovery: string[];

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
  });
  afterAll(() => test?.stop());

  const code = () => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: test.clock.now().getTime() });
  const passwordStep = () => test.call('post', '/api/v1/auth/sign_in', { body: { email: EMAIL, password: DEMO_PASSWORD } });
  const codeStep = (token: string, value: string) => test.call('post', '/api/v1/auth/sign_in/second_factor', { body: { token, code: value } });
  const me = (token: string) => test.call('get', '/api/v1/auth/me', { token });
  const status = (token: string) => test.call('get', '/api/v1/auth/second_factor', { token });

  it('is set up with a QR code and a first code, then shows ten recovery codes once, stored sealed and hashed', async () => {
    const token = await test.signIn(EMAIL);
    expect((await status(token)).body).toEqual({ enabled: false, enabled_at: null, recovery_codes_left: 0 });
    const setup = await test.call('post', '/api/v1/auth/second_factor/setup', { token });
    expect(setup.status).toBe(200);
    secret = setup.body.secret;
    expect(setup.body.otpauth_url).toBe(`otpauth://totp/Lapin:${encodeURIComponent(EMAIL)}?issuer=Lapin&secret=${secret}&algorithm=SHA1&digits=6&period=30`);
    expect(setup.body.qr_code).toMatch(/^data:image\/png;base64,/);

    const wrong = await test.call('post', '/api/v1/auth/second_factor/confirm', { token, body: { code: code() === '123456' ? '654321' : '123456' } });
    expectProblem(wrong, 403);
    expect(wrong.body.errors).toEqual([{ path: 'code', message: 'does not match' }]);
    expect((await status(token)).body.enabled).toBe(false);

    const confirmed = await test.call('post', '/api/v1/auth/second_factor/confirm', { token, body: { code: code() } });
    expect(confirmed.status).toBe(200);
    recovery = confirmed.body.recovery_codes;
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    expect((await status(token)).body).toEqual({ enabled: true, enabled_at: NOW.toISOString(), recovery_codes_left: 10 });
    const stored = JSON.stringify(await test.sql(`SELECT * FROM agents WHERE email = $1`, [EMAIL]));
    expect(stored).not.toContain(secret);
    for (const one of recovery) expect(stored).not.toContain(one);
    // Already on: no second setup.
    expectProblem(await test.call('post', '/api/v1/auth/second_factor/setup', { token }), 409);
  });

  it('asks for the code after the password; the step between opens nothing else', async () => {
    const step = await passwordStep();
    expect(step.status).toBe(200);
    expect(step.body).toEqual({ second_factor: 'totp', second_factor_token: expect.any(String), expires_at: new Date(NOW.getTime() + 5 * 60_000).toISOString() });
    expect(step.body.token).toBeUndefined();
    expectProblem(await me(step.body.second_factor_token), 401);

    test.clock.advance(30_000);
    const signedIn = await codeStep(step.body.second_factor_token, code());
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.agent).toMatchObject({ email: EMAIL });
    expect((await me(signedIn.body.token)).status).toBe(200);
  });

  it('does not take the same code twice, takes the next one, and refuses a step awaited too long', async () => {
    const again = await passwordStep();
    const replayed = await codeStep(again.body.second_factor_token, code());
    expectProblem(replayed, 403);
    test.clock.advance(30_000);
    expect((await codeStep(again.body.second_factor_token, code())).status).toBe(200);

    const late = await passwordStep();
    test.clock.advance(5 * 60_000 + 30_000);
    expectProblem(await codeStep(late.body.second_factor_token, code()), 401);
    const forged = `${Buffer.from(`${'0'.repeat(36)}.${Date.now() + 60_000}`).toString('base64url')}.x`;
    expectProblem(await codeStep(forged, code()), 401);
  });

  it('takes each recovery code once, in place of the code', async () => {
    const token = (await passwordStep()).body.second_factor_token;
    const used = recovery[0].toUpperCase();
    expect((await codeStep(token, used)).status).toBe(200);
    const signedIn = await codeStep(token, used);
    expectProblem(signedIn, 403);
    test.clock.advance(30_000);
    const session = (await codeStep(token, code())).body.token;
    expect((await status(session)).body.recovery_codes_left).toBe(9);
  });

  it('counts wrong codes, atomically, toward a pause that a right password does not lift', async () => {
    test.clock.advance(30_000);
    const token = (await passwordStep()).body.second_factor_token;
    const wrong = code() === '000000' ? '000001' : '000000';
    const answers = await Promise.all(Array.from({ length: 14 }, () => codeStep(token, wrong)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((s) => s === 403).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    // The password is right, the pause holds: even the right code waits.
    const later = (await passwordStep()).body.second_factor_token;
    const paused = await codeStep(later, code());
    expectProblem(paused, 429);
    expect(Number(paused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Once the pause is over (the step's token too: a new password step), the right code signs in.
    test.clock.advance(16 * 60_000);
    expect((await codeStep((await passwordStep()).body.second_factor_token, code())).status).toBe(200);
  });

  it('still asks for the code after a forgotten password is reset', async () => {
    await test.call('post', '/api/v1/auth/password_resets', { body: { email: EMAIL } });
    await waitFor('the reset link', async () => (await emailedLinks(test, EMAIL, 'reset-password')).length > 0, 5_000);
    const [link] = await emailedLinks(test, EMAIL, 'reset-password');
    const reset = await test.call('post', `/api/v1/auth/password_resets/${invitationToken(link)}`, { body: { password: DEMO_PASSWORD } });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ second_factor: 'totp' });
    expect(reset.body.token).toBeUndefined();
    test.clock.advance(30_000);
    expect((await codeStep(reset.body.second_factor_token, code())).status).toBe(200);
  });

  it('is turned off only with the password and a code, then sign-in needs the password alone', async () => {
    test.clock.advance(30_000);
    const token = (await codeStep((await passwordStep()).body.second_factor_token, code())).body.token;
    test.clock.advance(30_000);
    const disable = (password: string, value: string) => test.call('post', '/api/v1/auth/second_factor/disable', { token, body: { password, code: value } });
    expectProblem(await disable('pas-le-bon-mot-de-passe', code()), 422);
    expectProblem(await disable(DEMO_PASSWORD, code() === '000000' ? '000001' : '000000'), 403);
    expect((await status(token)).body.enabled).toBe(true);
    expect((await disable(DEMO_PASSWORD, code())).status).toBe(204);
    expect((await status(token)).body).toEqual({ enabled: false, enabled_at: null, recovery_codes_left: 0 });
    const direct = await passwordStep();
    expect(direct.status).toBe(200);
    expect((await me(direct.body.token)).status).toBe(200);
  });
});
