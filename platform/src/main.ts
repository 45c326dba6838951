import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { bootstrap, DEMO_OPERATOR, openPlatform } from './bootstrap';
import { readConfig } from './config';
import { apiRunsPipeline } from './events/pipeline';
import { createApp } from './http/app';
import { closeServer, drainDelayMs, runProcess, shutdownDeadlineMs, startEvents, withinDeadline } from './lifecycle';
import { startDraining } from './observability/http';

/**
 * `npm start`: migrations, first-run bootstrap, the HTTP server and, unless workers do it, the
 * event pipeline. SIGTERM drains it (lifecycle.ts) within SHUTDOWN_TIMEOUT_MS.
 */
runProcess(async () => {
  const config = readConfig();
  // The embedded PostgreSQL is WebAssembly: V8's baseline code for it alone, without an
  // optimised second copy of its hot functions, keeps some 90 MB out of the process. Set at
  // run time, a flag brings none of its implications: Node 24's V8 needs the tiering ones too.
  if (!config.databaseUrl) v8.setFlagsFromString('--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering');
  const platform = await openPlatform(config);
  const { adminEmail, seededDemo } = await bootstrap(platform);
  const events = await startEvents(platform, apiRunsPipeline(config));
  const server = createApp(platform).listen(config.port);
  await new Promise<void>((resolve) => server.once('listening', resolve));

  console.log(`Lapin is running on ${config.publicUrl} (database: ${config.databaseUrl ? 'PostgreSQL' : `embedded, ${config.dataDir}`})`);
  console.log(events.pipeline
    ? `Events and plugins run in this process (${events.queue.kind} queue)`
    : 'Events and plugins run in `npm run worker` processes (BullMQ on REDIS_URL)');
  if (adminEmail) console.log(`Platform admin created: ${adminEmail}`);
  if (seededDemo) {
    console.log(`Demo tenant loaded. Sign in with any of these (password ${DEMO_OPERATOR.password}):`);
    for (const login of ['territoire@demo.test (territorial admin)', 'admin.mairie@demo.test (organisation admin)',
      'agent.etatcivil@demo.test (basic)', 'secretariat@demo.test (Secrétariat)', 'travailleur.social@demo.test (CCAS admin)']) {
      console.log(`  - ${login}`);
    }
  }
  return async () => {
    // Not ready any more: balancers stop sending requests, which are served meanwhile; then the
    // port closes, idle connections with it, and requests in flight finish.
    startDraining(platform);
    await sleep(drainDelayMs());
    const deadline = shutdownDeadlineMs();
    await closeServer(server, deadline);
    // Jobs running here finish; past the deadline they are left to the outbox's recovery.
    await withinDeadline(events.stop(), deadline);
    await platform.db.close();
  };
});
