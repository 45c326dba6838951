import { clientNetwork, HOLD_MS, ORGANISATION_PRESSURE_HOLDS, SHORT_HOLD_MS } from '../../../platform/src/booking/holds';
import { TestPlatform } from '../../support/platform';
import { expectProblem } from '../foundation/helpers';
import { bookingFixture, type BookingFixture, expectStatus, NOW, solvedProof, successivePublicBookings } from './helpers';

/**
 * Online booking against a flood of unconfirmed holds: quotas per network (behind the
 * instance's reverse proxy, TRUST_PROXY), shorter holds when an organisation is under
 * pressure; an usager booking normally notices nothing. Past a threshold bookings are
 * challenged (booking-challenge.test.ts): here they solve it, as the public portal does.
 */
describe('public booking under a flood', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  let bookNext: Awaited<ReturnType<typeof successivePublicBookings>>;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW, config: { trustProxy: true } });
    f = await bookingFixture(test);
    bookNext = await successivePublicBookings(test, f, 'Flot');
  });
  afterAll(() => test?.stop());

  /** Books the next free créneau for a new usager, from `address` as the proxy says (none: the machine itself), solving a challenge if asked. */
  const book = async (address?: string) => {
    const answer = await bookNext(address);
    return answer.status === 428 ? bookNext(address, await solvedProof(answer.body.challenge)) : answer;
  };
  const holdMinutes = (answer: { body: { expires_at: string } }) => (new Date(answer.body.expires_at).getTime() - NOW.getTime()) / 60_000;

  it('names networks: an IPv4 address, an IPv6 /64, nothing for private and loopback addresses', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8::5')).toBe('2001:db8:0:0::/64');
    for (const address of ['127.0.0.1', '::1', '10.1.2.3', '192.168.1.10', 'fd00::1']) expect(clientNetwork(address)).toBeNull();
  });

  it('holds a normal booking for 10 minutes', async () => {
    const held = await book('198.51.100.20');
    expectStatus(held, 202);
    expect(holdMinutes(held)).toBe(HOLD_MS / 60_000);
  });

  it('refuses an 11th unconfirmed booking from one network with 429 and Retry-After; other networks book on', async () => {
    for (let index = 0; index < 10; index++) expectStatus(await book('203.0.113.7'), 202);
    const refused = await book('203.0.113.7');
    expectProblem(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expectStatus(await book('203.0.113.8'), 202);
  });

  it('holds for less once the organisation has many unconfirmed bookings, and still takes them', async () => {
    const [{ pending }] = await test.sql(
      `SELECT count(*)::int AS pending FROM rdv_holds h JOIN rdvs r ON r.id = h.rdv_id WHERE r.organisation_id = $1 AND h.confirmed_at IS NULL`, [f.mairie]);
    // From the machine itself (no network quota), as many as it takes to reach the pressure.
    for (let index = pending; index < ORGANISATION_PRESSURE_HOLDS; index++) expectStatus(await book(), 202);
    const held = await book('198.51.100.21');
    expectStatus(held, 202);
    expect(holdMinutes(held)).toBe(SHORT_HOLD_MS / 60_000);
  });
});
