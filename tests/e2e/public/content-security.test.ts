import type { Page } from 'playwright-core';
import { Browser, ensureUiBuilt, openBrowser, signIn } from '../admin/support';
import { TestPlatform } from '../../support/platform';
import { chooseFirstSlot, openPlages, openSlots, ORGANISATION } from './support';

/*
 * Both UIs run under the platform's Content-Security-Policy (scripts of our own origin
 * only, eval for Ajv's compiled forms, no inline script, no framing): Chromium reports
 * no violation while they load and work, forms validating in the browser included.
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

/** A fresh tab whose CSP violations (as Chromium reports them, and as the page hears of them) are collected. */
async function watchedPage(): Promise<{ page: Page; violations: string[] }> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return { page, violations };
}

it('runs the public portal under its policy with no violation, to the identity form', async () => {
  const { page, violations } = await watchedPage();
  const answer = await page.goto(`${test.baseUrl}/public/organisations/${ORGANISATION}`);
  expect(answer?.headers()['content-security-policy']).toContain("script-src 'self' 'unsafe-eval';");
  expect(answer?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  await openSlots(page, test.baseUrl);
  await chooseFirstSlot(page);
  // The usager form validates in the browser (Ajv): an empty submission is refused at its fields.
  await page.locator('[data-test="send-code"]').click();
  await page.locator('[data-field="user.first_name"] .v-messages').filter({ hasText: 'Ce champ est obligatoire.' }).first().waitFor();
  expect(violations).toEqual([]);
  await page.close();
});

it('runs the admin UI under its policy with no violation, from sign-in to the agenda', async () => {
  const { page, violations } = await watchedPage();
  const answer = await page.goto(`${test.baseUrl}/admin/sign-in`);
  expect(answer?.headers()['content-security-policy']).toContain("script-src 'self' 'unsafe-eval';");
  await signIn(page, test.baseUrl, 'admin.mairie@demo.test');
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  expect(violations).toEqual([]);
  await page.close();
});
