import { loadSnapshot } from '../../../platform/src/scheduling/snapshot';
import { TestPlatform } from '../../support/platform';
import { agendaFixture, AgendaFixture, expectStatus, NOW, plageBody } from './helpers';

/**
 * The search keeps each organisation's plages in the process between searches. What one
 * territory's search kept must never be served to another territory, even when it names
 * the first territory's organisation and motif ids (row-level security hides their rows).
 */
describe('the agendas a search keeps between searches', () => {
  let test: TestPlatform;
  let f: AgendaFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await agendaFixture(test);
    expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, { token: f.tokens.mairieAdmin, body: plageBody(f) }), 201);
  });
  afterAll(() => test?.stop());

  it('are kept per territory: another territory asking for the same organisation gets none of its plages', async () => {
    // An organisation without an agenda version (one untouched since versions were counted)
    // is kept under version 0: the case where a key by organisation alone would leak.
    await test.sql(`DELETE FROM agenda_versions WHERE organisation_id = $1`, [f.mairie]);
    const search = await test.call('get', `/api/v1/organisations/${f.mairie}/creneaux?motif_id=${f.cni}&from=2026-12-07&to=2026-12-07`, { token: f.tokens.mairieAdmin });
    expectStatus(search, 200);
    expect(search.body.data.length).toBeGreaterThan(0);

    const other = await test.createTerritory('Territoire voisin', 'admin@voisin.test');
    const window = { start: Date.parse('2026-12-06T23:00:00Z'), end: Date.parse('2026-12-07T23:00:00Z') };
    const settings = { timeZone: 'Europe/Paris', holidays: { zone: 'metropole' as const, reopened: [], closedWeekdays: [] } };
    const scope = { organisationIds: [f.mairie], motifIds: [f.cni], searcher: null };
    const seenByOther = await test.db.tenant(other.id, () => loadSnapshot(scope, window, settings));
    expect(seenByOther.plages).toEqual([]);
    // The territory itself still finds its own, from what it kept.
    const seenByOwner = await test.db.tenant(f.territoryId, () => loadSnapshot(scope, window, settings));
    expect(seenByOwner.plages.length).toBeGreaterThan(0);
  });
});
