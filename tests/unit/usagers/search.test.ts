import { normaliseForSearch, searchPatterns, userSearchText } from '../../../platform/src/usagers/search';

describe('usager search', () => {
  it('writes names without case, accents or ligatures, and phones as French and international digits', () => {
    const text = userSearchText({ first_name: 'Hélène', last_name: 'Lœuvre', birth_name: 'MÜLLER', email: 'H.L@Exemple.fr', phone_number: '06 12 34 56 78' });
    expect(text).toBe('helene loeuvre muller h.l@exemple.fr 0612345678 33612345678');
    expect(userSearchText({ first_name: 'Ana', last_name: 'Río', birth_name: null, email: null, phone_number: '0590 12 34 56' })).toContain('590590123456');
    expect(normaliseForSearch('Ægir Straße')).toBe('aegir strasse');
  });

  it('turns a query into escaped LIKE patterns: words, or one phone number', () => {
    expect(searchPatterns('  Hélène  LŒUVRE ')).toEqual(['%helene%', '%loeuvre%']);
    expect(searchPatterns('+33 6.12 (34)')).toEqual(['%3361234%']);
    expect(searchPatterns('50%_off\\')).toEqual(['%50\\%\\_off\\\\%']);
    expect(searchPatterns('   ')).toEqual([]);
  });
});
