import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The compiled platform run as operators run it: `node platform/dist/<entry>.js` in a
 * process of its own, with only the environment given here.
 */
export const ROOT_DIR = path.resolve(__dirname, '..', '..');

/**
 * `npm run build` for the platform only: a no-op when its sources did not change. Test
 * files run in parallel: a lock makes one of them build, the others find it built.
 */
export function buildPlatform(): void {
  execFileSync('flock', [path.join(os.tmpdir(), 'lapin-platform-build.lock'), process.execPath, path.join(ROOT_DIR, 'scripts', 'build.js'), 'platform'], { stdio: 'pipe' });
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PlatformProcess {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** Its exit code, once it exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts a compiled entry (`main`, `worker`) from `root` (the repository, or a copy of its
 * runtime files) with `env` alone beside PATH: no inherited NODE_OPTIONS or NODE_PATH.
 */
/** The Node options `npm start` gives the server (package.json), so that tests and the bench run it as users do. */
const START_OPTIONS = /node ((?:--\S+ )*)platform\/dist\/main\.js/.exec(JSON.parse(fs.readFileSync(path.join(ROOT_DIR, 'package.json'), 'utf8')).scripts.start)![1].split(' ').filter(Boolean);

export function startProcess(entry: 'main' | 'worker', env: Record<string, string | undefined>, root = ROOT_DIR): PlatformProcess {
  const options = entry === 'main' ? START_OPTIONS : [];
  const child = spawn(process.execPath, [...options, path.join(root, 'platform', 'dist', `${entry}.js`)], {
    cwd: root,
    env: { PATH: process.env.PATH, TZ: 'UTC', SCRYPT_LOG_N: process.env.SCRYPT_LOG_N, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Resolves once GET `url` answers 200; fails with the process's output if it exits or `timeoutMs` pass. */
export async function waitUntilAnswering(url: string, running: PlatformProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void running.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const status = await fetch(url).then((response) => response.status, () => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 (${exited ? 'the process exited' : 'timeout'}):\n${running.output()}`);
}

/**
 * What a production image holds: the compiled platform, schemas, tenants and, as
 * node_modules, only the packages the lock file does not mark dev-only (links to this
 * install's). Nothing else is reachable from there, so a dev dependency would not load.
 */
export function productionCopy(): { root: string; remove(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-production-'));
  fs.cpSync(path.join(ROOT_DIR, 'platform', 'dist'), path.join(root, 'platform', 'dist'), { recursive: true });
  for (const folder of ['schemas', 'tenants']) fs.symlinkSync(path.join(ROOT_DIR, folder), path.join(root, folder));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT_DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
  for (const [key, entry] of Object.entries(lock.packages)) {
    // Top-level installed packages only; nested ones live inside their parent.
    if (!key.startsWith('node_modules/') || key.lastIndexOf('node_modules/') !== 0 || entry.dev || entry.link) continue;
    const target = path.join(root, key);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(path.join(ROOT_DIR, key), target);
  }
  return { root, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
