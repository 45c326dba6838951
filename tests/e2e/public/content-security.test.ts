import type { Page } from 'playwright-core';
import { Browser, ensureUiBuilt, openBrowser, signIn } from '../admin/support';
import { demoIds, TestPlatform } from '../../support/platform';
import { chooseFirstSlot, openPlages, openSlots, ORGANISATION } from './support';

/*
 * Both UIs run under the platform's Content-Security-Policy (scripts of our own origin
 * only, no eval, no inline script, no framing): Chromium reports no violation while they
 * load and work, their schema-driven forms validating in the browser included (an
 * interpreting validator: a compiled one would need 'unsafe-eval' and be blocked here).
 */

let test: TestPlatform;
let browser: Browser;

beforeAll(async () => {
  ensureUiBuilt('public-ui');
  ensureUiBuilt('admin-ui');
  test = await TestPlatform.start();
  await openPlages(test);
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await test?.stop();
});

/**
 * A fresh tab whose CSP violations (as Chromium reports them, and as the page hears of them)
 * are collected, and the API calls that would write (a form checked in the browser sends none).
 */
async function watchedPage(): Promise<{ page: Page; violations: string[]; writes: string[] }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  const violations: string[] = [];
  const writes: string[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET' && new URL(request.url()).pathname.startsWith('/api/') && !request.url().includes('/sign_in')) writes.push(`${request.method()} ${request.url()}`);
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return { page, violations, writes };
}

it('runs the public portal under its policy with no violation, its identity form checked in the browser', async () => {
  const { page, violations, writes } = await watchedPage();
  const answer = await page.goto(`${test.baseUrl}/public/organisations/${ORGANISATION}`);
  expect(answer?.headers()['content-security-policy']).toContain("script-src 'self';");
  expect(answer?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  await openSlots(page, test.baseUrl);
  await chooseFirstSlot(page);
  // The usager form validates in the browser: a submission is refused at its fields, nothing sent.
  await page.locator('[data-field="user.email"] input').fill('a@b');
  await page.locator('[data-test="send-code"]').click();
  await page.locator('[data-field="user.first_name"] .v-messages').filter({ hasText: 'Ce champ est obligatoire.' }).first().waitFor();
  await page.locator('[data-field="user.email"] .v-messages').filter({ hasText: 'Saisissez une adresse e-mail valable' }).first().waitFor();
  expect(writes.filter((write) => write.includes('/api/public/rdvs'))).toEqual([]);
  expect(violations).toEqual([]);
  await page.close();
});

it('runs the admin UI under its policy with no violation, a fiche usager checked in the browser', async () => {
  const { mairie } = await demoIds(test);
  const token = await test.signIn('admin.mairie@demo.test');
  const created = await test.call('post', `/api/v1/organisations/${mairie}/users`, { token, body: { first_name: 'Inès', last_name: 'Politique' } });
  expect(created.status).toBe(201);
  const { page, violations, writes } = await watchedPage();
  const answer = await page.goto(`${test.baseUrl}/admin/sign-in`);
  expect(answer?.headers()['content-security-policy']).toContain("script-src 'self';");
  await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.goto(`${test.baseUrl}/admin/organisations/${mairie}/users/${created.body.id}`);
  await page.locator('#field-first_name').fill('');
  await page.locator('#field-last_name').fill('P'.repeat(201));
  await page.locator('[data-test="save"]').click();
  // Messages from the schema, the limit read where the rule broke (common.json's name: 200 characters).
  await page.locator('#field-first_name-messages').getByText('Ce champ est obligatoire.').waitFor();
  await page.locator('#field-last_name-messages').getByText('Au plus 200 caractères.').waitFor();
  expect(writes.filter((write) => write.includes(created.body.id))).toEqual([]);
  expect(violations).toEqual([]);
  await page.close();
});

it('would see a violation: the policy blocks code built from a string, as a compiling validator does', async () => {
  const { page, violations } = await watchedPage();
  await page.goto(`${test.baseUrl}/public/organisations/${ORGANISATION}`);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  // A timer given a string runs it as code from the page itself (as Ajv's `new Function` would):
  // the policy refuses it and the tests above would hear of it.
  await page.evaluate(() => {
    const runLater = setTimeout as unknown as (code: string) => number;
    runLater('document.title = "evaluated"');
  });
  for (let waited = 0; waited < 50 && violations.length === 0; waited++) await page.waitForTimeout(100);
  expect(violations.join('\n')).toMatch(/eval/);
  expect(await page.title()).not.toBe('evaluated');
  await page.close();
});
