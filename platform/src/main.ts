import { bootstrap, DEMO_OPERATOR, openPlatform } from './bootstrap';
import { readConfig } from './config';
import { createApp } from './http/app';

/** `npm start`: migrations, first-run bootstrap, then the HTTP server. */
async function main(): Promise<void> {
  const config = readConfig();
  const platform = await openPlatform(config);
  const { adminEmail, seededDemo } = await bootstrap(platform);
  const server = createApp(platform).listen(config.port);
  await new Promise<void>((resolve) => server.once('listening', resolve));

  console.log(`Lapin is running on ${config.publicUrl} (database: ${config.databaseUrl ? 'PostgreSQL' : `embedded, ${config.dataDir}`})`);
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
