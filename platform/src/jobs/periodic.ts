import { errorMessage, type LogSink } from '../logging';
import type { Platform } from '../platform';

/**
 * Housekeeping that runs in the event pipeline's process (`npm run worker`, or `npm start`
 * alone): at start, then every `everyMs`. Tasks must be idempotent: several workers run them.
 */
export interface PeriodicTask {
  name: string;
  everyMs: number;
  run(platform: Platform): Promise<unknown>;
}

export class PeriodicTasks {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly platform: Platform,
    private readonly tasks: readonly PeriodicTask[],
    private readonly log: LogSink,
  ) {}

  start(): void {
    for (const task of this.tasks) {
      this.launch(task);
      this.timers.push(setInterval(() => this.launch(task), task.everyMs));
    }
  }

  /** Stops the timers and waits for the runs in progress. */
  async stop(): Promise<void> {
    this.timers.forEach(clearInterval);
    await Promise.all(this.running);
  }

  private launch(task: PeriodicTask): void {
    const run = task.run(this.platform).then(
      () => undefined,
      (error) => this.log('error', `${task.name} failed, will retry`, { error: errorMessage(error) }),
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}
