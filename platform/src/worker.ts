import { openPlatform } from './bootstrap';
import { readConfig } from './config';
import { runProcess, shutdownDeadlineMs, startEvents, withinDeadline } from './lifecycle';
import { consoleLog } from './logging';

/**
 * `npm run worker`: the event pipeline without HTTP — the outbox dispatcher, event
 * consumers (plugins) and plugin jobs. Any number may run beside the API processes.
 */
runProcess(async () => {
  const config = readConfig();
  if (!config.databaseUrl) {
    throw new Error('npm run worker needs DATABASE_URL: the embedded database belongs to `npm start`, which runs events itself');
  }
  const platform = await openPlatform(config);
  const events = await startEvents(platform, true);
  consoleLog('info', 'worker started', { queue: events.queue.kind });
  return async () => {
    // Running jobs finish; past the deadline, BullMQ hands them to another worker as stalled.
    await withinDeadline(events.stop(), shutdownDeadlineMs());
    await platform.db.close();
  };
});
