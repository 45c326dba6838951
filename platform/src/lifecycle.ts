import type { Server } from 'node:http';
import { EventPipeline } from './events/pipeline';
import { createJobQueue } from './jobs/create-queue';
import type { JobQueue } from './jobs/queue';
import { consoleLog, errorMessage, logger } from './logging';
import { observedQueue } from './observability/jobs';
import { registerPlatformGauges } from './observability/metrics';
import type { Platform } from './platform';

export interface RunningEvents {
  queue: JobQueue;
  /** Absent when other processes (`npm run worker`) dispatch and consume. */
  pipeline?: EventPipeline;
  stop(): Promise<void>;
}

/** Gives the platform its queue (observed: request ids, metrics) and, when this process runs it, the event pipeline. */
export async function startEvents(platform: Platform, runPipeline: boolean): Promise<RunningEvents> {
  const queue = observedQueue(createJobQueue(platform.config, consoleLog));
  platform.queue = queue;
  registerPlatformGauges(platform);
  const pipeline = runPipeline ? await EventPipeline.start(platform, queue, { log: consoleLog }) : undefined;
  return {
    queue,
    pipeline,
    async stop() {
      await pipeline?.stop();
      await queue.close();
    },
  };
}

/**
 * Stops taking connections and lets the requests in flight finish; idle keep-alive
 * connections are closed at once, and whatever still runs after `deadlineMs` is cut.
 */
export async function closeServer(server: Server, deadlineMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => server.closeAllConnections(), deadlineMs);
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
}

/** Settles `work`, or gives up waiting after `ms` (what it holds is released by the exit). */
export function withinDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

/**
 * How long a stopping API process keeps serving while `/health/ready` answers 503, so that load
 * balancers stop sending it traffic before it closes its port (`SHUTDOWN_DRAIN_DELAY_MS`).
 */
export function drainDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.SHUTDOWN_DRAIN_DELAY_MS ?? 0);
}

/** How long a stopping process waits for requests and jobs in flight (`SHUTDOWN_TIMEOUT_MS`). */
export function shutdownDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000);
}

/**
 * Runs a process's main function. SIGINT/SIGTERM run the close it returned (a second
 * signal exits at once); a failure to start or to close exits non-zero.
 */
export function runProcess(main: () => Promise<() => Promise<void>>): void {
  main()
    .then((close) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        process.once('SIGINT', () => process.exit(1));
        process.once('SIGTERM', () => process.exit(1));
        close().then(
          () => {
            logger.info('stopped');
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ error: errorMessage(error) }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((error: unknown) => {
      logger.error({ error: errorMessage(error), stack: error instanceof Error ? error.stack : undefined }, 'start failed');
      // pino writes asynchronously: let the line out before exiting.
      setTimeout(() => process.exit(1), 100);
    });
}
