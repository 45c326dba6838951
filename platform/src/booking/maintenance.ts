import type { PeriodicTask } from '../jobs/periodic';
import { purgeBookingLeftovers } from './holds';

/**
 * Booking's housekeeping, every minute: expired holds free their time, and what outlived
 * its use is forgotten. Bookings also free their territory's expired holds themselves
 * before taking time, so a late sweep delays nothing but the public créneaux.
 */
export const bookingMaintenance: PeriodicTask = {
  name: 'booking maintenance',
  everyMs: 60_000,
  run: purgeBookingLeftovers,
};
