import { passwordHashSlots } from '../../../platform/src/hash-slots';
import { DEMO_PASSWORD, TestPlatform } from '../../support/platform';
import { expectStatus, NOW, sentCode } from '../booking/helpers';
import { expectProblem } from './helpers';

/**
 * Password hashing (scrypt, 128 MiB each) is bounded per process: past its few slots and
 * short queue a caller gets 503 with Retry-After; and what cheap checks refuse (unknown
 * invitation, unknown organisation, an email already taken) is refused before any hash.
 */
describe('password hashing under load', () => {
  let test: TestPlatform;
  const slug = 'mairie-val-fleuri';
  const password = 'un mot de passe solide';
  const verified = { organisation_slug: slug, email: 'maelle.roche@example.fr', password, first_name: 'Maëlle', last_name: 'Roche' };

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    expectStatus(await test.call('post', '/api/public/accounts', { body: verified }), 202);
    const [event] = await test.sql(`SELECT record_id FROM outbox_events WHERE model = 'usager_account' ORDER BY id DESC LIMIT 1`);
    const code = await sentCode(test, 'usager_account', event.record_id);
    expectStatus(await test.call('post', '/api/public/accounts/verify', { body: { email: verified.email, code } }), 200);
  });
  afterAll(() => test?.stop());

  /** Every hashing slot and queue place taken by work that waits for the returned release. */
  function occupyEveryHashSlot(): () => Promise<void> {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held = Array.from({ length: passwordHashSlots.running + passwordHashSlots.waiting }, () => passwordHashSlots.run(() => gate));
    return async () => {
      open();
      await Promise.all(held);
    };
  }

  const agentSignIn = () => test.call('post', '/api/v1/auth/sign_in', { body: { email: 'agent.etatcivil@demo.test', password: DEMO_PASSWORD } });
  const usagerSignIn = () => test.call('post', '/api/public/accounts/sign_in', { body: { email: verified.email, password } });

  it('turns sign-ins away with 503 and Retry-After while every hash is taken, then serves them again', async () => {
    const release = occupyEveryHashSlot();
    try {
      for (const busy of [await agentSignIn(), await usagerSignIn()]) {
        expectProblem(busy, 503);
        expect(busy.headers.get('retry-after')).toBe('2');
      }
    } finally {
      await release();
    }
    // A busy answer was no wrong guess: both sign in at once.
    expectStatus(await agentSignIn(), 200);
    expectStatus(await usagerSignIn(), 200);
  });

  it('refuses what is refused anyway without waiting for a hash', async () => {
    const release = occupyEveryHashSlot();
    try {
      expectProblem(await test.call('post', `/api/v1/invitations/${'x'.repeat(43)}/accept`, { body: { password } }), 404);
      expectProblem(await test.call('post', '/api/public/accounts', { body: { ...verified, organisation_slug: 'nulle-part', email: 'autre@example.fr' } }), 404);
      expectProblem(await test.call('post', '/api/public/accounts', { body: { ...verified, password: 'un autre mot de passe' } }), 409);
    } finally {
      await release();
    }
  });
});
