/**
 * Booking bench: online bookings per second with 16 concurrent clients (each a
 * hold, re-checked by the slot engine and taken under the exclusion constraint),
 * and the race of 50 usagers for one créneau — through two platforms on one
 * database when DATABASE_URL is set (two API processes), else one embedded.
 */
import { bookingFixture, BookingFixture, NOW, publicCreneaux } from '../integration/booking/helpers';
import { TestPlatform } from '../support/platform';
import type { BenchFigure, BenchSection } from './report';

const CLIENTS = 16;
const BOOKINGS = 400;
const RACERS = 50;

function onlineBooking(f: BookingFixture, startsAt: string, index: number) {
  return {
    motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt,
    user: { first_name: 'Usager', last_name: `Bench ${index}`, email: `bench${index}@example.fr` },
  };
}

/** BOOKINGS distinct créneaux booked by CLIENTS clients at once, each taking the next one free. */
async function bookingsPerSecond(test: TestPlatform, f: BookingFixture): Promise<BenchFigure> {
  const creneaux = await publicCreneaux(test, f.mairieSlug, f.cni, f.hotelDeVille, '2026-11-30', '2027-02-26');
  if (creneaux.length < BOOKINGS) throw new Error(`only ${creneaux.length} créneaux to book`);
  let next = 0;
  const statuses = new Map<number, number>();
  const client = async () => {
    for (let index = next++; index < BOOKINGS; index = next++) {
      const answer = await test.call('post', '/api/public/rdvs', { body: onlineBooking(f, creneaux[index].starts_at, index) });
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const elapsed = Date.now() - started;
  if (statuses.get(202) !== BOOKINGS) throw new Error(`bookings answered ${JSON.stringify([...statuses])}`);
  return { name: `online bookings per second, ${CLIENTS} concurrent clients (${BOOKINGS} créneaux)`, value: Math.round((BOOKINGS / elapsed) * 1000), unit: 'bookings/s' };
}

/** RACERS usagers book the same créneau at once; exactly one may get it. */
async function race(platforms: TestPlatform[], f: BookingFixture): Promise<BenchFigure[]> {
  const slot = (await publicCreneaux(platforms[0], f.mairieSlug, f.cni, f.hotelDeVille, '2027-02-22', '2027-02-26')).at(-1)!;
  const answers = await Promise.all(Array.from({ length: RACERS }, (_, index) =>
    platforms[index % platforms.length].call('post', '/api/public/rdvs', { body: onlineBooking(f, slot.starts_at, BOOKINGS + index) })));
  const count = (status: number) => answers.filter((answer) => answer.status === status).length;
  const where = `${platforms.length} API process${platforms.length > 1 ? 'es' : ''}`;
  if (count(202) + count(409) !== RACERS) throw new Error(`the race answered ${answers.map((answer) => answer.status).join(',')}`);
  // Together: exactly one booked.
  return [
    { name: `race of ${RACERS} for one créneau over ${where}: booked`, value: count(202), unit: 'bookings', target: { value: 1, better: 'lower' } },
    { name: `race of ${RACERS} for one créneau over ${where}: refused with 409`, value: count(409), unit: 'answers', target: { value: RACERS - 1, better: 'higher' } },
  ];
}

export const bookingSection: BenchSection = {
  name: 'booking',
  async run() {
    const test = await TestPlatform.start({ now: NOW });
    const platforms = [test];
    try {
      const f = await bookingFixture(test);
      if (process.env.DATABASE_URL) platforms.push(await TestPlatform.start({ now: NOW, sameDatabaseAs: test }));
      return [await bookingsPerSecond(test, f), ...(await race(platforms, f))];
    } finally {
      for (const platform of platforms.slice(1)) await platform.stop();
      await test.stop();
    }
  },
};
