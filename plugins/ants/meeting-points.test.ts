import type { CoreLieu } from '../../platform/src/plugins/sdk';
import { meetingPointOf, REASONS } from './meeting-points';

const lieu: CoreLieu = {
  id: '5f0c3c1e-8d1a-4c55-9a43-1b2f3c4d5e6f', organisation_id: 'org', name: 'Hôtel de ville', address: '1 place de la Mairie, 49400 Saumur',
  street: '1 place de la Mairie', postcode: '49400', city: 'Saumur', latitude: 47.2597, longitude: -0.0769, phone_number: null, availability: 'enabled',
};

describe('meeting point of a lieu', () => {
  it('maps the structured address and coordinates, with the website given', () => {
    expect(meetingPointOf(lieu, 1, 'https://rdv.example.fr/public/organisations/mairie-saumur')).toEqual({
      reasons: [],
      meetingPoint: {
        id: lieu.id, name: 'Hôtel de ville', longitude: -0.0769, latitude: 47.2597, public_entry_address: '1 place de la Mairie',
        zip_code: '49400', city_name: 'Saumur', website: 'https://rdv.example.fr/public/organisations/mairie-saumur',
      },
    });
  });

  it('says in French why a lieu is not published', () => {
    expect(meetingPointOf({ ...lieu, street: null, latitude: null }, 1, 'https://x')).toEqual({ meetingPoint: null, reasons: [REASONS.noAddress, REASONS.noCoordinates] });
    expect(meetingPointOf({ ...lieu, city: '  ' }, 1, 'https://x').reasons).toEqual([REASONS.noAddress]);
    expect(meetingPointOf(lieu, 0, 'https://x').reasons).toEqual([REASONS.noOnlineMotif]);
    expect(meetingPointOf({ ...lieu, longitude: null }, 1, 'https://x').reasons).toEqual([REASONS.noCoordinates]);
  });
});
