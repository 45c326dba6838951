import { TestPlatform } from '../../support/platform';
import { countRows, expectProblem, fingerprint } from '../foundation/helpers';
import { agendaFixture, AgendaFixture, errorPaths, expectStatus, NOW } from '../agenda/helpers';

/** « Modifier des motifs en masse » (seed 001): one field for several motifs, previewed first. */
describe('bulk change of motifs', () => {
  let test: TestPlatform;
  let f: AgendaFixture;
  const bulk = (body: unknown, token = f.tokens.mairieAdmin, org = f.mairie) =>
    test.call('post', `/api/v1/organisations/${org}/motifs/bulk_update`, { token, body });

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await agendaFixture(test);
  });
  afterAll(() => test?.stop());

  it('previews what changes without writing, then changes every motif named and announces each change', async () => {
    const [cni, mariage] = await test.sql(`SELECT id, name, buffer_after_in_min FROM motifs WHERE id = ANY($1::uuid[]) ORDER BY name`, [[f.cni, f.mariage]]);
    const before = await fingerprint(test);
    const preview = await bulk({ motif_ids: [f.cni, f.mariage], changes: { buffer_after_in_min: 10 }, preview: true });
    expectStatus(preview, 200);
    expect(preview.body).toEqual({
      preview: true,
      data: [
        { id: f.cni, name: cni.name, field: 'buffer_after_in_min', from: cni.buffer_after_in_min, to: 10, changed: true },
        { id: f.mariage, name: mariage.name, field: 'buffer_after_in_min', from: mariage.buffer_after_in_min, to: 10, changed: true },
      ],
    });
    expect(await fingerprint(test)).toEqual(before);

    const events = await countRows(test, 'outbox_events');
    const applied = await bulk({ motif_ids: [f.cni, f.mariage], changes: { buffer_after_in_min: 10 } });
    expectStatus(applied, 200);
    expect(applied.body.preview).toBe(false);
    expect(await test.sql(`SELECT buffer_after_in_min FROM motifs WHERE id = ANY($1::uuid[])`, [[f.cni, f.mariage]])).toEqual([{ buffer_after_in_min: 10 }, { buffer_after_in_min: 10 }]);
    expect((await countRows(test, 'outbox_events')).outbox_events).toBe(events.outbox_events + 2);
    // Asked again, nothing changes and nothing is announced.
    const again = await bulk({ motif_ids: [f.cni], changes: { buffer_after_in_min: 10 } });
    expect(again.body.data[0].changed).toBe(false);
    expect((await countRows(test, 'outbox_events')).outbox_events).toBe(events.outbox_events + 2);
    expectStatus(await bulk({ motif_ids: [f.cni, f.mariage], changes: { buffer_after_in_min: 0 } }), 200);
  });

  it('refuses a bad value, two fields, a motif it cannot take or a motif of another organisation, writing nothing', async () => {
    const before = await fingerprint(test);
    const badValue = await bulk({ motif_ids: [f.cni], changes: { default_duration_in_min: 2 } });
    expectProblem(badValue, 422);
    expect(errorPaths(badValue)).toEqual(['changes.default_duration_in_min']);
    const twoFields = await bulk({ motif_ids: [f.cni], changes: { color: '#000000', buffer_after_in_min: 5 } });
    expectProblem(twoFields, 422);
    expect(errorPaths(twoFields)).toEqual(['changes']);
    const name = await bulk({ motif_ids: [f.cni], changes: { name: 'Tout pareil' } });
    expectProblem(name, 422);
    // A minimum delay longer than one motif's maximum: that motif is named, no motif changes.
    await test.sql(`UPDATE motifs SET max_public_booking_delay = 86400 WHERE id = $1`, [f.mariage]);
    const tooLong = await bulk({ motif_ids: [f.cni, f.mariage], changes: { min_public_booking_delay: 2 * 86400 } });
    expectProblem(tooLong, 422);
    expect(errorPaths(tooLong)).toEqual(['motif_ids.1']);
    await test.sql(`UPDATE motifs SET max_public_booking_delay = 90 * 86400 WHERE id = $1`, [f.mariage]);
    expectProblem(await bulk({ motif_ids: [f.cni, f.accueilSocial], changes: { color: '#000000' } }), 404);
    expectProblem(await bulk({ motif_ids: [f.cni], changes: { color: '#000000' } }, f.tokens.etatCivil), 403);
    expect(await fingerprint(test)).toEqual(before);
  });
});
