import { CHALLENGE_NETWORK_HOLDS_PER_HOUR, CHALLENGE_ORGANISATION_PENDING_HOLDS } from '../../../platform/src/booking/challenges';
import { TestPlatform } from '../../support/platform';
import { bookingFixture, type BookingFixture, expectStatus, NOW, solvedProof, successivePublicBookings } from './helpers';

/**
 * A proof of work past a threshold on public booking (issue 13): an usager booking
 * normally is never asked; a network booking much, or any booking while an
 * organisation is flooded, is answered 428 with a challenge, booked once solved; a
 * proof passes once, a wrong one books nothing.
 */
describe('public booking challenged past a threshold', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  /** Books the next free créneau for a new usager, from `address` (none: the machine itself), with `proof` if given. */
  let book: Awaited<ReturnType<typeof successivePublicBookings>>;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW, config: { trustProxy: true } });
    f = await bookingFixture(test);
    book = await successivePublicBookings(test, f, 'Defi');
  });
  afterAll(() => test?.stop());

  const holds = async () => (await test.sql(`SELECT count(*)::int AS n FROM rdv_holds`))[0].n as number;
  const expectChallenge = (answer: Awaited<ReturnType<typeof book>>) => {
    expect(answer.status).toBe(428);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 428, type: 'about:blank#challenged', proof_header: 'Proof-Of-Work', challenge: { parameters: { algorithm: 'SHA-256' } } });
    expect(typeof answer.body.challenge.signature).toBe('string');
  };

  it('never asks an usager booking normally, nor a household booking twice', async () => {
    for (const address of ['198.51.100.1', '198.51.100.2', '2001:db8:7::1', undefined]) expectStatus(await book(address), 202);
    expectStatus(await book('198.51.100.3'), 202);
    expectStatus(await book('198.51.100.3'), 202);
  });

  it('challenges a network past its threshold and books nothing until solved; other networks book on', async () => {
    for (let index = 0; index < CHALLENGE_NETWORK_HOLDS_PER_HOUR; index++) expectStatus(await book('203.0.113.50'), 202);
    const before = await holds();
    const challenged = await book('203.0.113.50');
    expectChallenge(challenged);
    expect(await holds()).toBe(before);
    expectStatus(await book('203.0.113.51'), 202);
  });

  it('books once with a solved challenge; the same proof again is refused with a new challenge', async () => {
    const proof = await solvedProof((await book('203.0.113.50')).body.challenge);
    expectStatus(await book('203.0.113.50', proof), 202);
    const before = await holds();
    const replayed = await book('203.0.113.50', proof);
    expectChallenge(replayed);
    expect(replayed.body.errors).toEqual([{ path: 'Proof-Of-Work', message: expect.stringContaining('already used') }]);
    expect(await holds()).toBe(before);
  });

  it('refuses a wrong solution and a forged challenge, booking nothing', async () => {
    const challenge = (await book('203.0.113.50')).body.challenge;
    const proof = JSON.parse(Buffer.from(await solvedProof(challenge), 'base64').toString());
    const wrong = { ...proof, solution: { ...proof.solution, derivedKey: proof.solution.derivedKey.replace(/^./, (c: string) => (c === '0' ? '1' : '0')) } };
    const easier = { ...proof, challenge: { ...proof.challenge, parameters: { ...proof.challenge.parameters, keyPrefix: '00' } } };
    const before = await holds();
    for (const forged of [wrong, easier]) {
      const refused = await book('203.0.113.50', Buffer.from(JSON.stringify(forged)).toString('base64'));
      expectChallenge(refused);
      expect(refused.body.errors[0].path).toBe('Proof-Of-Work');
    }
    expectChallenge(await book('203.0.113.50', 'not a proof'));
    expect(await holds()).toBe(before);
  });

  it('challenges every booking while the organisation has many awaiting their code, and books the solved ones', async () => {
    const [{ pending }] = await test.sql(
      `SELECT count(*)::int AS pending FROM rdv_holds h JOIN rdvs r ON r.id = h.rdv_id WHERE r.organisation_id = $1 AND h.confirmed_at IS NULL`, [f.mairie]);
    // From the machine itself (no network threshold), up to the organisation's.
    for (let index = pending; index < CHALLENGE_ORGANISATION_PENDING_HOLDS; index++) expectStatus(await book(), 202);
    const first = await book('192.0.2.10');
    expectChallenge(first);
    expectStatus(await book('192.0.2.10', await solvedProof(first.body.challenge)), 202);
  });
});
