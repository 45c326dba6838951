/**
 * The compiled server in a process of its own, as `npm start` runs it (its V8 options,
 * production settings, the events pipeline in it): the bench's load comes from another
 * process, and what the kernel says of the server's memory and CPU is the server's alone.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, ROOT_DIR, startProcess, waitUntilAnswering, type PlatformProcess } from '../support/processes';

export interface ServerProcess {
  server: PlatformProcess;
  port: number;
  /** Seconds from spawning to a healthy /health. */
  seconds: number;
  /** CPU seconds the server used to get there. */
  cpu: number;
}

/** Resident memory of a process, from the kernel, in MB. */
export function residentMb(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) / 1024 : NaN;
}

/** CPU seconds a process used so far (user and system), from the kernel: what a busy machine does not inflate. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Compiles the server if its sources changed (`npm run build`'s step for the platform). */
export function buildServer(): void {
  execFileSync(process.execPath, [path.join(ROOT_DIR, 'scripts', 'build.js'), 'platform'], { stdio: 'inherit' });
}

/** Starts the compiled server (built first: `buildServer`) with `env` and times it until /health answers 200. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const started = performance.now();
  const server = startProcess('main', { PORT: String(port), ...env });
  await waitUntilAnswering(`http://127.0.0.1:${port}/health`, server, 120_000);
  return { server, port, seconds: (performance.now() - started) / 1000, cpu: cpuSeconds(server.child.pid!) };
}

/** Stops the server; a non-zero exit fails the bench with the end of its output. */
export async function stopServerProcess(server: PlatformProcess): Promise<void> {
  const code = await server.stop();
  if (code !== 0) throw new Error(`The server exited with ${code}:\n${server.output().slice(-2000)}`);
}
