/**
 * Booking's housekeeping, in the event pipeline's process (`npm run worker`, or
 * `npm start` alone): expired holds free their time, and what outlived its use
 * is forgotten. Bookings also free their territory's expired holds themselves
 * before taking time, so a late sweep delays nothing but the public créneaux.
 */
import { errorMessage, type LogSink } from '../logging';
import type { Platform } from '../platform';
import { purgeBookingLeftovers } from './holds';

export const MAINTENANCE_INTERVAL_MS = 60_000;

/** Runs the purge at start, then every minute, until stopped. */
export class BookingMaintenance {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly platform: Platform,
    private readonly log: LogSink,
  ) {}

  start(): void {
    this.running = this.run();
    this.timer = setInterval(() => {
      this.running = this.run();
    }, MAINTENANCE_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      await purgeBookingLeftovers(this.platform);
    } catch (error) {
      this.log('error', 'booking maintenance failed, will retry', { error: errorMessage(error) });
    }
  }
}
