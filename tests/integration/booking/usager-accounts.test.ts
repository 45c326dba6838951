import { purgeBookingLeftovers } from '../../../platform/src/booking/holds';
import { TestPlatform } from '../../support/platform';
import { countRows, expectProblem } from '../foundation/helpers';
import { expectStatus, NOW, sentCode } from './helpers';

/** An usager account belongs to whoever proves the address with the password they chose; an unproven one does not last. */
describe('usager accounts against squatting', () => {
  let test: TestPlatform;
  const slug = 'mairie-val-fleuri';

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
  });
  afterAll(() => test?.stop());

  const open = (email: string, password: string, first_name = 'Jade') =>
    test.call('post', '/api/public/accounts', { body: { organisation_slug: slug, email, password, first_name, last_name: 'Lemoine' } });
  const lastCode = async (email: string) => {
    const [account] = await test.sql(`SELECT id FROM usager_accounts WHERE lower(email) = lower($1)`, [email]);
    return sentCode(test, 'usager_account', account.id);
  };
  const verify = (email: string, code: string) => test.call('post', '/api/public/accounts/verify', { body: { email, code } });
  const signIn = (email: string, password: string) => test.call('post', '/api/public/accounts/sign_in', { body: { email, password } });

  it("keeps the password of an account awaiting its code: someone else's re-opening is refused and owns nothing", async () => {
    const email = 'jade.lemoine@example.fr';
    expectStatus(await open(email, 'le mot de passe de Jade'), 202);
    const code = await lastCode(email);

    const squatter = await open(email, 'le mot de passe du squatteur', 'Intrus');
    expectProblem(squatter, 409);
    expect(squatter.body.errors).toEqual([{ path: 'email', message: 'awaits its verification code' }]);

    // Jade types the code she received: the account is hers, with her password only.
    expectStatus(await verify(email, code), 200);
    expectStatus(await signIn(email, 'le mot de passe de Jade'), 200);
    expectProblem(await signIn(email, 'le mot de passe du squatteur'), 403);
    const [account] = await test.sql(`SELECT first_name FROM usager_accounts WHERE lower(email) = $1`, [email]);
    expect(account.first_name).toBe('Jade');
  });

  it('sends a new code when the account is opened again with its own password', async () => {
    const email = 'noe.fabre@example.fr';
    expectStatus(await open(email, 'le mot de passe de Noé', 'Noé'), 202);
    const first = await lastCode(email);
    expectStatus(await open(email, 'le mot de passe de Noé', 'Noé'), 202);
    const second = await lastCode(email);
    if (first !== second) expectProblem(await verify(email, first), 403);
    expectStatus(await verify(email, second), 200);
    expectStatus(await signIn(email, 'le mot de passe de Noé'), 200);
  });

  it('lets an unverified account expire: once its code is out of date the address is free, and a day later it is forgotten', async () => {
    const start = test.clock.now();
    const squatted = 'ines.vidal@example.fr';
    const abandoned = 'paul.vidal@example.fr';
    expectStatus(await open(squatted, 'mot de passe du squatteur', 'Intrus'), 202);
    expectStatus(await open(abandoned, 'un mot de passe oublié', 'Paul'), 202);
    try {
      test.clock.set(new Date(start.getTime() + 24 * 3600_000 + 1_000));
      // The owner of the address opens it with her own password, and it is hers.
      expectStatus(await open(squatted, 'le mot de passe d’Inès', 'Inès'), 202);
      expectStatus(await verify(squatted, await lastCode(squatted)), 200);
      expectStatus(await signIn(squatted, 'le mot de passe d’Inès'), 200);
      expectProblem(await signIn(squatted, 'mot de passe du squatteur'), 403);

      // The abandoned one is deleted by booking's housekeeping a day after its code expired.
      const before = await countRows(test, 'usager_accounts');
      test.clock.set(new Date(start.getTime() + 48 * 3600_000 + 2_000));
      await purgeBookingLeftovers(test.platform);
      expect(await countRows(test, 'usager_accounts')).toEqual({ usager_accounts: before.usager_accounts - 1 });
      expect(await test.sql(`SELECT 1 FROM usager_accounts WHERE email = $1`, [abandoned])).toEqual([]);
    } finally {
      test.clock.set(start);
    }
  });
});
