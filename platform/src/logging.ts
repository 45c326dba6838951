import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type LogLevel = 'info' | 'warn' | 'error';

/** Where the platform's parts (HTTP edge, queue, dispatcher, plugins) write what happened. */
export type LogSink = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** Personal data never reaches the logs, at the top level of an entry or one level down. */
const PERSONAL_FIELDS = [
  'email', 'phone_number', 'first_name', 'last_name', 'birth_name', 'birth_date', 'address',
  'password', 'token', 'code', 'authorization', 'cookie',
];

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** The request (HTTP call, or the job it enqueued) the current code works for. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

/** Runs `work` on behalf of a request: every entry it logs, and every job it enqueues, carries the id. */
export function withRequestId<T>(requestId: string | undefined, work: () => T): T {
  return requestId ? requestScope.run({ requestId }, work) : work();
}

/** One JSON line per entry (pino) on `destination`, stdout by default: what log collectors read. `LOG_LEVEL` sets the floor. */
export function createLogger(destination?: pino.DestinationStream, level = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  return pino({
    level,
    messageKey: 'message',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: PERSONAL_FIELDS.flatMap((field) => [field, `*.${field}`]), censor: '[redacted]' },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { request_id: requestId } : {};
    },
  }, destination);
}

/** The process's logger. */
export const logger = createLogger();

/** The process's logger as a LogSink: what background parts and tests are handed. */
export const consoleLog: LogSink = (level, message, fields = {}) => {
  logger[level](fields, message);
};

/** The message of anything thrown, for logs and failure records. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
