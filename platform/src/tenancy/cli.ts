import path from 'node:path';
import { openPlatform } from '../bootstrap';
import { readConfig } from '../config';
import { applyTenant } from './apply';

/** `npm run tenant -- apply tenants/<name>`: applies a tenant folder to the configured database. */
async function main(argv: string[]): Promise<void> {
  const [command, folder] = argv;
  if (command !== 'apply' || !folder) {
    console.error('Usage: npm run tenant -- apply tenants/<name>');
    process.exit(2);
  }
  const platform = await openPlatform(readConfig());
  try {
    const report = await applyTenant(platform, path.resolve(process.env.INIT_CWD ?? process.cwd(), folder));
    console.log(`Applied ${folder}: territory ${report.territoryId}, ${report.created} created, ${report.updated} updated`);
  } finally {
    await platform.db.close();
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error.message ?? error);
  if (error.errors?.length) console.error(error.errors);
  process.exit(1);
});
