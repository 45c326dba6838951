import { bootstrap, DEMO_OPERATOR, openPlatform } from './bootstrap';
import { readConfig } from './config';
import { apiRunsPipeline, EventPipeline } from './events/pipeline';
import { createApp } from './http/app';
import { createJobQueue } from './jobs/create-queue';
import { consoleLog } from './logging';

/** `npm start`: migrations, first-run bootstrap, the HTTP server and, unless workers do it, the event pipeline. */
async function main(): Promise<void> {
  const config = readConfig();
  const platform = await openPlatform(config);
  const { adminEmail, seededDemo } = await bootstrap(platform);
  const queue = createJobQueue(config, consoleLog);
  platform.queue = queue;
  const pipeline = apiRunsPipeline(config) ? await EventPipeline.start(platform, queue, { log: consoleLog }) : undefined;
  const server = createApp(platform).listen(config.port);
  await new Promise<void>((resolve) => server.once('listening', resolve));

  console.log(`Lapin is running on ${config.publicUrl} (database: ${config.databaseUrl ? 'PostgreSQL' : `embedded, ${config.dataDir}`})`);
  console.log(pipeline
    ? `Events and plugins run in this process (${queue.kind} queue)`
    : 'Events and plugins run in `npm run worker` processes (BullMQ on REDIS_URL)');
  if (adminEmail) console.log(`Platform admin created: ${adminEmail}`);
  if (seededDemo) {
    console.log(`Demo tenant loaded. Sign in with any of these (password ${DEMO_OPERATOR.password}):`);
    for (const login of ['territoire@demo.test (territorial admin)', 'admin.mairie@demo.test (organisation admin)',
      'agent.etatcivil@demo.test (basic)', 'secretariat@demo.test (Secrétariat)', 'travailleur.social@demo.test (CCAS admin)']) {
      console.log(`  - ${login}`);
    }
  }
  const stop = async () => {
    server.close();
    await pipeline?.stop();
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
