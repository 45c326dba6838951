import path from 'node:path';
import { openPlatform } from '../bootstrap';
import { readConfig } from '../config';
import { applyTenant } from './apply';
import { exportTenant, findTerritoryId } from './export';
import { writeTenantFolder } from './files';

const USAGE = `Usage:
  npm run tenant -- apply tenants/<name>
  npm run tenant -- export <territory name or id> <folder> [--replace]`;

/** Paths are the caller's: npm runs the script from platform/, INIT_CWD is where it was typed. */
function resolveFolder(folder: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), folder);
}

/** `npm run tenant -- apply|export ...` against the configured database (DATABASE_URL, or the embedded one). */
async function main(argv: string[]): Promise<void> {
  const replace = argv.includes('--replace');
  const [command, ...args] = argv.filter((arg) => arg !== '--replace');
  const valid = (command === 'apply' && args.length === 1 && !replace) || (command === 'export' && args.length === 2);
  if (!valid) {
    console.error(USAGE);
    process.exit(2);
  }
  const platform = await openPlatform(readConfig());
  try {
    if (command === 'apply') {
      const report = await applyTenant(platform, resolveFolder(args[0]));
      console.log(`Applied ${args[0]}: territory ${report.territoryId}, ${report.created} created, ${report.updated} updated`);
    } else {
      const territoryId = await findTerritoryId(platform, args[0]);
      const files = await platform.db.tenant(territoryId, () => exportTenant(platform));
      writeTenantFolder(files, resolveFolder(args[1]), { replace });
      console.log(`Exported ${files.territory.name} to ${args[1]}`);
    }
  } finally {
    await platform.db.close();
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error.message ?? error);
  if (error.errors?.length) console.error(error.errors);
  process.exit(1);
});
