import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DateTime } from 'luxon';
import { BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { holidayZones, publicHolidays } from '../../../platform/src/agenda/holidays';
import { DEMO_PASSWORD, demoIds, TestPlatform } from '../../support/platform';
import type { PlatformConfig } from '../../../platform/src/config';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'artifacts', 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Code both UIs import (`@shared`): a change there makes both builds stale. */
const SHARED_UI_SOURCES = path.join(ROOT, 'admin-ui', 'src', 'shared');

function builtIsCurrent(ui: string): boolean {
  const built = path.join(ui, 'dist', 'index.html');
  if (!fs.existsSync(built)) return false;
  const sources = Math.max(newestSource(path.join(ui, 'src')), newestSource(SHARED_UI_SOURCES), ...['index.html', 'vite.config.mts', 'package.json'].map((f) => path.join(ui, f)).filter((f) => fs.existsSync(f)).map((f) => fs.statSync(f).mtimeMs));
  return fs.statSync(built).mtimeMs >= sources;
}

/**
 * The tests drive a built UI (workspace `admin-ui` or `public-ui`): built here when missing
 * or older than its sources (a clean clone in CI). Jest runs files in parallel: a lock
 * makes one of them build, the others find it built.
 */
export function ensureUiBuilt(workspace: 'admin-ui' | 'public-ui'): void {
  const ui = path.join(ROOT, workspace);
  if (builtIsCurrent(ui)) return;
  const built = path.join(ui, 'dist', 'index.html');
  const startedAt = Date.now();
  // Checked again under the lock: another test file may have built it meanwhile.
  const buildUnlessFresh = `node -e "const fs = require('fs'); process.exit(fs.existsSync('${built}') && fs.statSync('${built}').mtimeMs > ${startedAt} ? 0 : 1)" || npm run build -w ${workspace}`;
  // Jest sets NODE_ENV=test, which would make Vite build Vue's development bundles: test what ships.
  const env = { ...process.env, NODE_ENV: 'production' };
  execFileSync('flock', [path.join(os.tmpdir(), `lapin-${workspace}-build.lock`), '-c', buildUnlessFresh], { cwd: ROOT, stdio: 'inherit', env });
  if (!builtIsCurrent(ui)) throw new Error(`${workspace} did not build`);
}

/**
 * "Now" for the admin browser tests: the platform's injected clock and the browser's
 * (Playwright's) both start there, so what the screens show ("this week", upcoming
 * closures, this year's holidays) never depends on the day the suite runs.
 * Wednesday 18 November 2026, 10:00 in Paris: no public holiday nor DST change near,
 * and before the dates agenda-settings.test.ts writes (January and February 2027).
 */
export const E2E_NOW = new Date('2026-11-18T09:00:00Z');

const PARIS = 'Europe/Paris';

/**
 * The Monday (in Paris) of the first week from `from`'s week on whose seven days hold no
 * public holiday of any zone (date-holidays, as the platform reads it) and no DST change:
 * every weekday of it offers the same créneaux, whatever "now" is.
 */
export function firstPlainWeek(from: DateTime): DateTime {
  let monday = from.setZone(PARIS).startOf('week');
  for (;;) {
    const sunday = monday.plus({ days: 6 });
    const holidays = holidayZones.flatMap((zone) => publicHolidays(zone, monday.toISODate()!, sunday.toISODate()!));
    if (holidays.length === 0 && monday.offset === sunday.endOf('day').offset) return monday;
    monday = monday.plus({ weeks: 1 });
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Debian's chromium, headless, with a throwaway profile. With `now`, the pages' clock
 * starts at that instant (then runs), as the platform's injected clock does.
 */
export async function openBrowser(options: { now?: Date } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run tests/setup.sh (apt-get install chromium)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'fr-FR',
    viewport: { width: 1366, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  if (options.now) await context.clock.install({ time: options.now });
  const page = context.pages()[0] ?? (await context.newPage());
  // Generous: CI runs two browser files at once on two cores.
  page.setDefaultTimeout(30_000);
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, baseUrl: string, email: string, password = DEMO_PASSWORD): Promise<void> {
  if (!page.url().includes('/admin/sign-in')) await page.goto(`${baseUrl}/admin/sign-in`);
  await page.getByRole('textbox', { name: 'Adresse e-mail *' }).fill(email);
  await page.getByRole('textbox', { name: 'Mot de passe *' }).fill(password);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));
}

/**
 * A running platform with the demo tenant and the built admin UI, in chromium, signed in as
 * `email`; the platform and the browser live at E2E_NOW.
 */
export interface AdminSession {
  test: TestPlatform;
  browser: Browser;
  page: Page;
  ids: Awaited<ReturnType<typeof demoIds>>;
  stop(): Promise<void>;
}

/** `config`: the platform's settings beside the defaults (a test running the event pipeline asks for fast jobs). */
export async function startAdminSession(email: string, options: { config?: Partial<PlatformConfig> } = {}): Promise<AdminSession> {
  ensureUiBuilt('admin-ui');
  const test = await TestPlatform.start({ now: E2E_NOW, config: options.config });
  const ids = await demoIds(test);
  const browser = await openBrowser({ now: E2E_NOW });
  await signIn(browser.page, test.baseUrl, email);
  return {
    test, browser, page: browser.page, ids,
    async stop() {
      await browser.close();
      await test.stop();
    },
  };
}

/**
 * Picks an option of a select (Vuetify's), named by its label or a locator, from the keyboard as a keyboard
 * user would: the list opened with ArrowDown, the option chosen with Enter (a click could land where the
 * opening menu stood a moment before). A single select is read back, and chosen once more if its menu,
 * still settling under load, let the key go by; an autocomplete shows what is typed, a multiple select
 * toggles: neither is read back.
 */
export async function choose(page: Page, select: string | Locator, option: string): Promise<void> {
  const box = typeof select === 'string' ? page.getByRole('combobox', { name: select }) : select;
  const single = await box.evaluate((input) => !input.closest('.v-autocomplete, .v-combobox, .v-select--multiple'));
  const shown = box.locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " v-field ")][1]').getByText(option, { exact: true });
  for (let attempt = 1; ; attempt++) {
    await box.focus();
    await page.keyboard.press('ArrowDown');
    const item = page.getByRole('option', { name: option, exact: true });
    await item.focus();
    await page.keyboard.press('Enter');
    if (!single) return;
    try {
      await shown.waitFor({ timeout: 3_000 });
      return;
    } catch (error) {
      if (attempt === 2) throw error;
    }
  }
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /^Mon compte/ }).click();
  await page.locator('[data-test="sign-out"]').click();
  await page.waitForURL(/\/admin\/sign-in/);
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Saves a screenshot of the screen (artifacts/screenshots/<name>.png) and answers axe-core's
 * serious and critical violations on it, one readable line each.
 */
export async function auditScreen(page: Page, name: string): Promise<string[]> {
  await page.waitForLoadState('networkidle');
  // Let transitions end: a fading element is not what the user reads.
  await page.waitForTimeout(400);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  // Evaluated by the driver, not as an inline <script>: the UIs' Content-Security-Policy forbids those.
  if (!(await page.evaluate('"axe" in window'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`);
  return violations
    .filter((violation: AxeViolation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation: AxeViolation) => `${name}: ${violation.id} (${violation.impact}) ${violation.help} — ${violation.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Gzipped size of the JavaScript a page loaded, in bytes, as a server compressing it would send it. */
export function gzippedSize(bodies: Buffer[]): number {
  return bodies.reduce((total, body) => total + zlib.gzipSync(body, { level: 9 }).length, 0);
}

/** Books an rdv through the agent API (outside plages: `force`), usagers not notified; answers its id. */
export async function bookRdv(test: TestPlatform, token: string, organisationId: string, body: Record<string, unknown>): Promise<string> {
  const answer = await test.call('post', `/api/v1/organisations/${organisationId}/rdvs`, { token, body: { force: true, notify: false, ...body } });
  if (answer.status !== 201) throw new Error(`rdv: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}
