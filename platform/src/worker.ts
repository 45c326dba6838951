import { openPlatform } from './bootstrap';
import { readConfig } from './config';
import { EventPipeline } from './events/pipeline';
import { createJobQueue } from './jobs/create-queue';
import { consoleLog } from './logging';

/**
 * `npm run worker`: the event pipeline without HTTP — the outbox dispatcher, event
 * consumers (plugins) and plugin jobs. Any number may run beside the API processes.
 */
async function main(): Promise<void> {
  const config = readConfig();
  if (!config.databaseUrl) {
    throw new Error('npm run worker needs DATABASE_URL: the embedded database belongs to `npm start`, which runs events itself');
  }
  const platform = await openPlatform(config);
  const queue = createJobQueue(config, consoleLog);
  platform.queue = queue;
  const pipeline = await EventPipeline.start(platform, queue, { log: consoleLog });
  consoleLog('info', 'worker started', { queue: queue.kind });
  const stop = async () => {
    await pipeline.stop();
    await queue.close();
    await platform.db.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
