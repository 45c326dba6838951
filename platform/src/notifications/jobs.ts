/**
 * What notifications run in the event pipeline's process: the consumer of rdv
 * events, the reminder jobs, and the reminder sweep (a periodic task: at start, then hourly).
 */
import type { EventConsumer } from '../events/consumers';
import type { PeriodicTask } from '../jobs/periodic';
import type { JobQueue } from '../jobs/queue';
import type { LogSink } from '../logging';
import type { Platform } from '../platform';
import { NotificationsConsumer } from './consumer';
import { planReminders, REMINDER_JOB, runReminder } from './reminders';

export const REMINDER_SWEEP_MS = 3_600_000;

export class NotificationJobs {
  readonly consumer: EventConsumer;

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
    if (!this.platform.config.smtpUrl && this.queue.kind === 'bullmq') {
      this.log('warn', 'no SMTP_URL: emails sent by this worker stay in its own dev mailbox, which no API process shows');
    }
  }

  /** Plans the reminders due (their jobs, once each): the pipeline runs it with its housekeeping. */
  reminderSweep(): PeriodicTask {
    return {
      name: 'planning reminders',
      everyMs: REMINDER_SWEEP_MS,
      run: async (platform) => {
        const planned = await planReminders(platform, this.queue);
        this.log('info', 'reminders planned', { planned });
      },
    };
  }
}
