import { TestPlatform } from '../../support/platform';
import { errorPaths } from '../agenda/helpers';
import { expectProblem, fingerprint } from '../foundation/helpers';
import { BookingFixture, bookingFixture, expectStatus, NOW } from './helpers';

/**
 * The fiche RDV's stale edits: every change an rdv records raises its lock_version, and an
 * agent's change made from an older version is refused (409) with nothing written, so a
 * colleague's change is never silently undone.
 */
describe('rdv versions against stale edits', () => {
  let test: TestPlatform;
  let f: BookingFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
  });
  afterAll(() => test?.stop());

  const book = (startsAt: string) => test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
    token: f.tokens.etatCivil,
    body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: [f.camille] },
  });
  const patch = (id: string, body: Record<string, unknown>, token = f.tokens.etatCivil) => test.call('patch', `/api/v1/rdvs/${id}`, { token, body });
  const version = async (id: string) => (await test.call('get', `/api/v1/rdvs/${id}`, { token: f.tokens.etatCivil })).body.lock_version as number;

  it('raises the version with each change, whichever route made it', async () => {
    const rdv = await book('2026-12-01T09:00:00+01:00');
    expectStatus(rdv, 201);
    expect(rdv.body.lock_version).toBe(0);
    const changed = await patch(rdv.body.id, { context: 'Pièces à apporter', lock_version: 0 });
    expectStatus(changed, 200);
    expect(changed.body.lock_version).toBe(1);
    expectStatus(await test.call('post', `/api/v1/rdvs/${rdv.body.id}/participations`, { token: f.tokens.etatCivil, body: { user_id: f.dominique } }), 201);
    expect(await version(rdv.body.id)).toBe(2);
    expectStatus(await test.call('post', `/api/v1/rdvs/${rdv.body.id}/arrival`, { token: f.tokens.etatCivil }), 200);
    expect(await version(rdv.body.id)).toBe(3);
    // The list answers the same version as the rdv itself.
    const list = await test.call('get', `/api/v1/organisations/${f.mairie}/rdvs?user_id=${f.dominique}`, { token: f.tokens.etatCivil });
    expect(list.body.data.map((row: { lock_version: number }) => row.lock_version)).toEqual([3]);
  });

  it('refuses a change made from an older version, writing nothing; the current version goes through', async () => {
    const rdv = await book('2026-12-01T09:20:00+01:00');
    // Two agents open the fiche at version 0; the admin moves the rdv first.
    expectStatus(await patch(rdv.body.id, { starts_at: '2026-12-01T10:00:00+01:00', lock_version: 0 }, f.tokens.mairieAdmin), 200);
    const before = await fingerprint(test);
    const stale = await patch(rdv.body.id, { context: 'Dossier incomplet', status: 'seen', lock_version: 0 });
    expectProblem(stale, 409);
    expect(stale.body.detail).toBe('Someone else changed this rdv meanwhile: reload it, then make your change again');
    expect(errorPaths(stale)).toEqual(['lock_version']);
    expect(await fingerprint(test)).toEqual(before);

    const again = await patch(rdv.body.id, { context: 'Dossier incomplet', lock_version: 1 });
    expectStatus(again, 200);
    expect(again.body).toMatchObject({ context: 'Dossier incomplet', starts_at: '2026-12-01T10:00:00+01:00', lock_version: 2 });
    // Without a version (integrations, as before), a change applies to the rdv as it is.
    expectStatus(await patch(rdv.body.id, { context: null }), 200);
  });

  it('takes no version on a new rdv, nor a malformed one', async () => {
    const created = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
      token: f.tokens.etatCivil,
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: '2026-12-01T11:00:00+01:00', agent_ids: [f.basicEtatCivil], user_ids: [f.camille], lock_version: 3 },
    });
    expectProblem(created, 422);
    expect(errorPaths(created)).toEqual(['lock_version']);
    const rdv = await book('2026-12-01T11:00:00+01:00');
    const malformed = await patch(rdv.body.id, { lock_version: -1 });
    expectProblem(malformed, 422);
    expect(errorPaths(malformed)).toEqual(['lock_version']);
  });
});
