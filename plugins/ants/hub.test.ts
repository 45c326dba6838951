import { PartnerReply } from '../../platform/src/plugins/sdk';
import { LinkTemplate, parseSlotQuery, slotsJson, sortedSlots } from './hub';

const valid = { meeting_point_ids: ['A', 'B'], start_date: '2027-01-04', end_date: '2027-01-31', reason: 'CNI' };

function refusal(query: Record<string, string | string[] | undefined>): unknown {
  const parsed = parseSlotQuery(query);
  expect(parsed).toBeInstanceOf(PartnerReply);
  expect((parsed as PartnerReply).status).toBe(400);
  return (parsed as PartnerReply).body;
}

describe('availableTimeSlots parameters', () => {
  it('reads repeated or single meeting points, the reason as a motif category, one document by default', () => {
    expect(parseSlotQuery(valid)).toEqual({ meetingPointIds: ['A', 'B'], startDate: '2027-01-04', endDate: '2027-01-31', category: 'cni', documentsNumber: 1 });
    expect(parseSlotQuery({ ...valid, meeting_point_ids: 'A', reason: 'CNI-PASSPORT', documents_number: '3' }))
      .toMatchObject({ meetingPointIds: ['A'], category: 'cni_passport', documentsNumber: 3 });
    expect(parseSlotQuery({ ...valid, meeting_point_ids: ['A', 'A'], reason: 'PASSPORT' })).toMatchObject({ meetingPointIds: ['A'], category: 'passport' });
  });

  it("answers the hub's 400 bodies", () => {
    expect(refusal({ ...valid, reason: 'PERMIS' })).toEqual({ error: { code: 400, message: 'Invalid reason param' } });
    expect(refusal({ ...valid, reason: 'cni' })).toEqual({ error: { code: 400, message: 'Invalid reason param' } });
    expect(refusal({ ...valid, start_date: '2027-02-01' })).toEqual({ error: { code: 400, message: 'start_date is after end_date' } });
    expect(refusal({ ...valid, meeting_point_ids: undefined })).toEqual({ error: { code: 400, message: 'Missing meeting_point_ids param' } });
    expect(refusal({ ...valid, end_date: undefined })).toEqual({ error: { code: 400, message: 'Missing end_date param' } });
    expect(refusal({ ...valid, reason: undefined })).toEqual({ error: { code: 400, message: 'Missing reason param' } });
    expect(refusal({ ...valid, start_date: '2027-02-30' })).toEqual({ error: { code: 400, message: 'Invalid start_date param: expected YYYY-MM-DD' } });
    expect(refusal({ ...valid, start_date: '04/01/2027' })).toEqual({ error: { code: 400, message: 'Invalid start_date param: expected YYYY-MM-DD' } });
    for (const documents of ['0', '11', '1.5', 'two', '-1']) {
      expect(refusal({ ...valid, documents_number: documents })).toEqual({ error: { code: 400, message: 'Invalid documents_number param: expected an integer from 1 to 10' } });
    }
    expect(refusal({ ...valid, end_date: '2027-07-31' })).toEqual({ error: { code: 400, message: 'The period from start_date to end_date is longer than 186 days' } });
    expect(parseSlotQuery({ ...valid, start_date: '2027-01-01', end_date: '2027-06-30' })).not.toBeInstanceOf(PartnerReply);
  });
});

describe('slots of a meeting point', () => {
  const linkA = { before: 'https://x/public/organisations/o/motifs/a?lieu_id=l&starts_at=', after: '' };
  const linkB = { before: 'https://x/b?starts_at=', after: '&from="hub"' };
  const slot = (datetime: string, link: LinkTemplate) => ({ at: Date.parse(datetime), datetime, link });

  it('are sorted by time, one per time, whatever their offsets', () => {
    expect(sortedSlots([
      slot('2027-03-29T09:00:00+02:00', linkA),
      slot('2027-03-26T09:00:00+01:00', linkA),
      slot('2027-03-29T09:00:00+02:00', linkB),
      slot('2027-03-26T08:30:00+01:00', linkB),
    ]).map((row) => [row.datetime, row.link])).toEqual([
      ['2027-03-26T08:30:00+01:00', linkB],
      ['2027-03-26T09:00:00+01:00', linkA],
      ['2027-03-29T09:00:00+02:00', linkA],
    ]);
    // Two agents free at the same time: one slot.
    expect(sortedSlots([slot('2027-03-26T09:00:00+01:00', linkA), slot('2027-03-26T09:00:00+01:00', linkA), slot('2027-03-26T09:20:00+01:00', linkA)])).toHaveLength(2);
  });

  it('are written as the JSON the hub reads, with the start encoded in the link', () => {
    const text = slotsJson(new Map([
      ['A', [slot('2027-01-05T09:00:00+01:00', linkA), slot('2027-01-05T09:20:00+01:00', linkB)]],
      ['B', []],
    ]));
    expect(JSON.parse(text.toString())).toEqual({
      A: [
        { datetime: '2027-01-05T09:00:00+01:00', callback_url: 'https://x/public/organisations/o/motifs/a?lieu_id=l&starts_at=2027-01-05T09%3A00%3A00%2B01%3A00' },
        { datetime: '2027-01-05T09:20:00+01:00', callback_url: 'https://x/b?starts_at=2027-01-05T09%3A20%3A00%2B01%3A00&from="hub"' },
      ],
      B: [],
    });
  });
});
