import type { Clock } from './clock';
import type { PlatformConfig } from './config';
import type { Database } from './db/database';
import type { SchemaRegistry } from './http/schemas';
import type { JobQueue } from './jobs/queue';
import type { MailTransport } from './notifications/mailer';
import type { PluginDefinition } from './plugins/sdk';

/** What every part of the platform is given: no globals, so tests build their own. */
export interface Platform {
  config: PlatformConfig;
  db: Database;
  clock: Clock;
  schemas: SchemaRegistry;
  /** Where jobs are enqueued; absent in a process that runs no queue (most tests). */
  queue?: JobQueue;
  /** The one mail transport (SMTP, or the dev mailbox without SMTP_URL); see notifications/mail.ts. */
  mail?: MailTransport;
  /** The installed plugins (plugins/registry.ts) unless given: tests run the host with their own. */
  plugins?: readonly PluginDefinition<any>[];
}
