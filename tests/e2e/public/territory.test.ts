import type { Page } from 'playwright-core';
import { TestPlatform } from '../../support/platform';
import { auditScreen, Browser, ensureUiBuilt, openBrowser } from '../admin/support';
import { MOTIF_NAME, shows } from './support';

const DEMO_SLUG = 'demo-communaute-de-communes-du-val-fleuri';

/** A territory's entry page (issue 19): the organisations and their online motifs, searched by name, commune or motif. */
describe('public portal: a territory’s entry page', () => {
  let test: TestPlatform;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    ensureUiBuilt('public-ui');
    test = await TestPlatform.start();
    browser = await openBrowser();
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await test?.stop();
  });

  it('finds an organisation by motif or commune, accents and case aside, and leads to its créneaux', async () => {
    await page.goto(`${test.baseUrl}/public/territories/${DEMO_SLUG}`);
    await page.getByRole('heading', { level: 1, name: 'Démo — Communauté de communes du Val Fleuri' }).waitFor();
    const organisations = await test.sql<{ name: string }>(
      `SELECT DISTINCT o.name FROM organisations o JOIN motifs m ON m.organisation_id = o.id WHERE m.bookable_by = 'everyone' AND m.deleted_at IS NULL`);
    await shows(page.locator('[data-test="territory-count"]'), `${organisations.length} organisations correspondent.`);
    violations.push(...(await auditScreen(page, 'public/territory-1')));

    const search = page.getByRole('searchbox', { name: 'Rechercher une organisation, une commune ou un motif' });
    // A commune, typed without its accents nor capitals: the organisations with a lieu there.
    const [{ city }] = await test.sql(`SELECT l.city FROM lieux l JOIN organisations o ON o.id = l.organisation_id
      WHERE o.slug = 'mairie-val-fleuri' AND l.city IS NOT NULL AND l.deleted_at IS NULL LIMIT 1`);
    await search.fill(city.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase());
    await page.locator('[data-test="organisation-mairie-val-fleuri"]').waitFor();

    await search.fill('CARTE D IDENTITE');
    await shows(page.locator('[data-test="territory-count"]'), '1 organisation correspond.');
    await page.getByRole('link', { name: MOTIF_NAME }).click();
    await page.waitForURL((url) => url.pathname.includes('/organisations/mairie-val-fleuri/motifs/'));

    await page.goBack();
    await page.getByRole('searchbox', { name: 'Rechercher une organisation, une commune ou un motif' }).fill('zzz introuvable');
    await shows(page.locator('[data-test="territory-count"]'), 'Aucune organisation ne correspond.');
    violations.push(...(await auditScreen(page, 'public/territory-2-none')));
  });

  it('has no serious accessibility violation', () => {
    expect(violations).toEqual([]);
  });
});
