import { EventPipeline } from './events/pipeline';
import { createJobQueue } from './jobs/create-queue';
import type { JobQueue } from './jobs/queue';
import { consoleLog } from './logging';
import type { Platform } from './platform';

export interface RunningEvents {
  queue: JobQueue;
  /** Absent when other processes (`npm run worker`) dispatch and consume. */
  pipeline?: EventPipeline;
  stop(): Promise<void>;
}

/** Gives the platform its queue and, when this process runs it, the event pipeline. */
export async function startEvents(platform: Platform, runPipeline: boolean): Promise<RunningEvents> {
  const queue = createJobQueue(platform.config, consoleLog);
  platform.queue = queue;
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

/** Runs a process's main function: SIGINT/SIGTERM close what it holds, a failure exits non-zero. */
export function runProcess(main: () => Promise<() => Promise<void>>): void {
  main()
    .then((close) => {
      const stop = async () => {
        await close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
