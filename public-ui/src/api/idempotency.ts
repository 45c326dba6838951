import { ApiError } from './client';

/**
 * A fresh Idempotency-Key. getRandomValues works on plain HTTP too, where
 * crypto.randomUUID is missing.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * One key per attempt: a retry of the same request after a network or server
 * failure sends the same key (the platform then answers with the first attempt's
 * result instead of booking twice); once the server has answered for good (done
 * or refused), the next request is a new attempt with a new key.
 */
export class Attempts {
  private current: { fingerprint: string; key: string } | null = null;

  async send<T>(body: unknown, request: (idempotencyKey: string) => Promise<T>): Promise<T> {
    const fingerprint = JSON.stringify(body);
    if (this.current?.fingerprint !== fingerprint) this.current = { fingerprint, key: newIdempotencyKey() };
    try {
      const result = await request(this.current.key);
      this.current = null;
      return result;
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) this.current = null;
      throw error;
    }
  }
}
