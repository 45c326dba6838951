import { AppError } from './errors';

/** What a caller turned away is told to wait, in seconds. */
export const HASH_RETRY_AFTER_S = 2;

/**
 * Password hashing (scrypt: 128 MiB and a thread of libuv's small pool each) is the
 * dearest work an anonymous caller can ask for. At most `running` hashes run at once
 * in a process and `waiting` more wait for a slot; past that the caller gets 503 with
 * Retry-After rather than memory and the thread pool being exhausted.
 */
export class HashSlots {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly running: number,
    readonly waiting: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.running) {
      this.active++;
    } else {
      if (this.queue.length >= this.waiting) {
        throw new AppError('unavailable', 'Too many passwords are being checked at this moment: try again in a few seconds', [], HASH_RETRY_AFTER_S);
      }
      // A released slot passes straight to the first in line (`active` is unchanged).
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const positive = (value: string | undefined, fallback: number) => (Number(value) > 0 ? Math.floor(Number(value)) : fallback);

/** The process's slots: PASSWORD_HASH_CONCURRENCY at once (2), PASSWORD_HASH_QUEUE waiting (16). */
export const passwordHashSlots = new HashSlots(
  positive(process.env.PASSWORD_HASH_CONCURRENCY, 2),
  positive(process.env.PASSWORD_HASH_QUEUE, 16),
);
