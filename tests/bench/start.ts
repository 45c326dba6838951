/**
 * Start and memory bench: the compiled server as `npm start` runs it (plain node, the
 * embedded default) in a process of its own. The first start on an empty data folder
 * (after `npm run build`, which builds only what changed), a cold start once built, its
 * resident memory at rest, and its peak under the créneaux bench's search load (16 clients
 * on a département-scale territory). The territory's dates follow this machine's clock:
 * the server reads it too.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../../platform/src/clock';
import { readConfig } from '../../platform/src/config';
import { Database } from '../../platform/src/db/database';
import { SchemaRegistry } from '../../platform/src/http/schemas';
import { ROOT_DIR } from '../support/processes';
import { pathsOf, searchPaths } from './creneaux';
import { runClients } from './http-client';
import { BenchFigure, BenchSection } from './report';
import { residentMb, startServerProcess, stopServerProcess } from './server-process';
import { BENCH_PASSWORD, buildTerritory, BenchTerritory } from './territory';

const CLIENTS = 16;
const SEARCHES = { organisation: 800, territory: 160 };

/** The créneaux bench's territory in an embedded data folder, closed before the server opens it. */
async function territoryFolder(now: Date): Promise<{ dataDir: string; territory: BenchTerritory }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-bench-start-'));
  const db = await Database.open({ embeddedDataDir: path.join(dataDir, 'pglite') });
  try {
    const territory = await buildTerritory({ config: readConfig({}), db, clock: new ManualClock(now), schemas: new SchemaRegistry() }, now);
    return { dataDir, territory };
  } finally {
    await db.close();
  }
}

export const startSection: BenchSection = {
  name: 'start',
  async run() {
    const folders: string[] = [];
    try {
      const building = performance.now();
      execFileSync(process.execPath, [path.join(ROOT_DIR, 'scripts', 'build.js')], { stdio: 'inherit' });
      const buildSeconds = (performance.now() - building) / 1000;

      const demo = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-bench-start-'));
      folders.push(demo);
      const first = await startServerProcess({ DATA_DIR: demo });
      await stopServerProcess(first.server);
      const cold = await startServerProcess({ DATA_DIR: demo });
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const atRest = residentMb(cold.server.child.pid!);
      await stopServerProcess(cold.server);
      console.log(`  build ${buildSeconds.toFixed(1)} s, first start ${first.seconds.toFixed(1)} s, cold start ${cold.seconds.toFixed(1)} s (${cold.cpu.toFixed(1)} s CPU), ${atRest.toFixed(0)} MB at rest, load average ${os.loadavg()[0].toFixed(1)}`);

      // The bench runs beside the server: its own clock is the server's.
      const now = new Date();
      const built = performance.now();
      const { dataDir, territory } = await territoryFolder(now);
      folders.push(dataDir);
      console.log(`  territory built in ${((performance.now() - built) / 1000).toFixed(1)} s`);
      const loaded = await startServerProcess({ DATA_DIR: dataDir, SEED_DEMO: 'false' });
      let peak = 0;
      let searchesPerSecond = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, residentMb(loaded.server.child.pid!))), 50);
      try {
        const signIn = await fetch(`http://127.0.0.1:${loaded.port}/api/v1/auth/sign_in`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: territory.adminEmail, password: BENCH_PASSWORD }),
        });
        if (signIn.status !== 200) throw new Error(`sign in: ${signIn.status} ${await signIn.text()}`);
        const { token } = await signIn.json() as { token: string };
        const paths = searchPaths(territory, now);
        const organisationRun = await runClients(loaded.port, token, pathsOf(SEARCHES.organisation, paths.organisation), CLIENTS);
        searchesPerSecond = (SEARCHES.organisation / organisationRun.elapsed) * 1000;
        await runClients(loaded.port, token, pathsOf(SEARCHES.territory, paths.territory), CLIENTS);
      } finally {
        clearInterval(sampler);
        await stopServerProcess(loaded.server);
      }

      const figures: BenchFigure[] = [
        { name: 'npm run build (what changed only)', value: buildSeconds, unit: 's' },
        { name: 'first start, empty data folder, build included', value: buildSeconds + first.seconds, unit: 's', target: { value: 60, better: 'lower' } },
        { name: 'cold start to a healthy /health, built', value: cold.seconds, unit: 's', target: { value: 5, better: 'lower' } },
        { name: 'cold start: CPU time the server used (load-independent)', value: cold.cpu, unit: 's' },
        { name: 'server resident memory at rest', value: atRest, unit: 'MB', target: { value: 250, better: 'lower' } },
        { name: `server resident memory, peak under ${CLIENTS} clients' searches`, value: peak, unit: 'MB', target: { value: 400, better: 'lower' } },
        { name: `7-day searches per second meanwhile, one organisation, ${CLIENTS} clients`, value: searchesPerSecond, unit: 'searches/s' },
      ];
      return figures;
    } finally {
      for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
    }
  },
};
