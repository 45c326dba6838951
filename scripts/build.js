// `npm run build [platform|admin-ui|public-ui...]`: the platform compiled to JavaScript
// (platform/dist, run with plain node) and both UIs built by Vite (<ui>/dist). Each target is
// rebuilt only when the hash of its sources differs from the one recorded at its last build,
// so `npm start` costs a build once, then starts at once.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const at = (...parts) => path.join(ROOT, ...parts);
const SKIPPED = new Set(['node_modules', 'dist', 'dist.sources-hash']);

const TARGETS = {
  platform: {
    output: at('platform', 'dist'),
    sources: () => [at('platform', 'src'), at('plugins'), at('platform', 'package.json'), at('tsconfig.base.json'), at('platform', 'tsconfig.json')],
    build: buildPlatform,
  },
  'admin-ui': {
    output: at('admin-ui', 'dist'),
    sources: () => uiSources('admin-ui'),
    build: () => vite('admin-ui'),
  },
  'public-ui': {
    output: at('public-ui', 'dist'),
    // The public UI imports admin-ui/src/shared through its `@shared` alias.
    sources: () => [...uiSources('public-ui'), ...uiSources('admin-ui', 'src/shared')],
    build: () => vite('public-ui'),
  },
};

/** Node 24 as the floor (engines); dependencies stay in node_modules, the platform's own code is one file per entry. */
async function buildPlatform() {
  const esbuild = require('esbuild');
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      main: 'platform/src/main.ts',
      worker: 'platform/src/worker.ts',
      tenant: 'platform/src/tenancy/cli.ts',
    },
    outdir: 'platform/dist',
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    tsconfig: 'platform/tsconfig.json',
    sourcemap: true,
    logLevel: 'warning',
  });
}

function vite(workspace) {
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm, 'run', 'build', '-w', workspace]] : ['npm', ['run', 'build', '-w', workspace]];
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`Building ${workspace} failed`);
}

/** A UI's own files, plus the platform files and schemas its code imports by relative path. */
function uiSources(workspace, under = '.') {
  const own = at(workspace, under);
  const outside = new Set();
  const scan = (file) => {
    if (!/\.(ts|mts|js|vue)$/.test(file)) return;
    for (const [, specifier] of fs.readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = resolveImport(path.resolve(path.dirname(file), specifier));
      if (target && !target.startsWith(at(workspace) + path.sep) && !outside.has(target)) {
        outside.add(target);
        scan(target);
      }
    }
  };
  for (const file of listFiles(own)) scan(file);
  return [own, ...outside, at('package-lock.json')];
}

function resolveImport(base) {
  for (const candidate of [base, `${base}.ts`, `${base}.js`, `${base}.vue`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function listFiles(entry) {
  if (!fs.existsSync(entry)) return [];
  if (!fs.statSync(entry).isDirectory()) return [entry];
  return fs.readdirSync(entry).filter((name) => !SKIPPED.has(name)).sort().flatMap((name) => listFiles(path.join(entry, name)));
}

function sourcesHash(entries) {
  const hash = crypto.createHash('sha256');
  for (const file of [...new Set(entries.flatMap(listFiles))].sort()) {
    hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

async function main() {
  const asked = process.argv.slice(2);
  for (const name of asked) if (!TARGETS[name]) throw new Error(`Unknown build target ${name}; there are ${Object.keys(TARGETS).join(', ')}`);
  for (const name of asked.length ? asked : Object.keys(TARGETS)) {
    const target = TARGETS[name];
    // Beside the output, not in it: Vite empties dist, and the platform serves it.
    const stamp = `${target.output}.sources-hash`;
    const hash = sourcesHash(target.sources());
    if (fs.existsSync(target.output) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) continue;
    const started = Date.now();
    console.log(`Building ${name}...`);
    fs.rmSync(stamp, { force: true });
    await target.build();
    fs.writeFileSync(stamp, hash);
    console.log(`Built ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
