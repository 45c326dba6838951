/**
 * What notifications run in the event pipeline's process: the consumer of rdv
 * events, the reminder jobs, and the reminder sweep (at start, then hourly).
 */
import type { EventConsumer } from '../events/consumers';
import type { JobQueue } from '../jobs/queue';
import { errorMessage, type LogSink } from '../logging';
import type { Platform } from '../platform';
import { NotificationsConsumer } from './consumer';
import { planReminders, REMINDER_JOB, runReminder } from './reminders';

export const REMINDER_SWEEP_MS = 3_600_000;

export class NotificationJobs {
  readonly consumer: EventConsumer;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly platform: Platform,
    private readonly queue: JobQueue,
    private readonly log: LogSink,
  ) {
    this.consumer = new NotificationsConsumer(platform, log);
  }

  /** Before the queue starts: delayed reminders may be waiting in Redis. */
  registerJobs(): void {
    this.queue.process(REMINDER_JOB, (job) => runReminder(this.platform, job, this.log));
  }

  start(): void {
    if (!this.platform.config.smtpUrl && this.queue.kind === 'bullmq') {
      this.log('warn', 'no SMTP_URL: emails sent by this worker stay in its own dev mailbox, which no API process shows');
    }
    this.sweeping = this.sweep();
    this.sweepTimer = setInterval(() => {
      this.sweeping = this.sweep();
    }, REMINDER_SWEEP_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.sweeping;
  }

  private async sweep(): Promise<void> {
    try {
      const planned = await planReminders(this.platform, this.queue);
      this.log('info', 'reminders planned', { planned });
    } catch (error) {
      this.log('error', 'planning reminders failed, will retry', { error: errorMessage(error) });
    }
  }
}
