/**
 * Booking bench: online bookings per second with 16 concurrent clients (each a
 * hold, re-checked by the slot engine and taken under the exclusion constraint).
 * The race for one créneau between server processes is in the créneaux bench.
 */
import { bookingFixture, BookingFixture, NOW, publicCreneaux } from '../integration/booking/helpers';
import { TestPlatform } from '../support/platform';
import type { BenchFigure, BenchSection } from './report';

const CLIENTS = 16;
const BOOKINGS = 400;

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

export const bookingSection: BenchSection = {
  name: 'booking',
  async run() {
    const test = await TestPlatform.start({ now: NOW });
    try {
      return [await bookingsPerSecond(test, await bookingFixture(test))];
    } finally {
      await test.stop();
    }
  },
};
