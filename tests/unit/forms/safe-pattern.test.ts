import { unsafePatternReason } from '../../../platform/src/forms/safe-pattern';

describe('custom field patterns', () => {
  it.each([
    '^[0-9]{7}$',
    '^0[1-9](\\s?[0-9]{2}){4}$',
    '^[A-Z]{2}\\d{9}$',
    '^\\p{Lu}[\\p{L} -]*$',
    '^(?:CAF|MSA)-\\d+$',
    '^[a-z]+(-[a-z]+)?$',
  ])('accepts %s', (pattern) => {
    expect(unsafePatternReason(pattern)).toBeNull();
  });

  it.each([
    ['^(a+)+$', /nests a repetition/],
    ['^(\\d+-)*\\d$', /nests a repetition/],
    ['^([a-z]+\\.)*[a-z]+$', /nests a repetition/],
    ['(x+x+)+y', /nests a repetition/],
    ['^(a|ab)*c$', /alternatives/],
    ['^(\\w|\\d){25}$', /alternatives/],
    ['^((a{50}){50}){50}$', /nests a repetition/],
    ['^a{100000}$', /more than 10000 times/],
    ['^(a)\\1$', /back-reference/],
    ['^(?<x>a)\\k<x>$', /back-reference/],
    ['^[0-9', /not a valid regular expression/],
    ['(?<=a', /not a valid regular expression/],
  ])('refuses %s', (pattern, reason) => {
    expect(unsafePatternReason(pattern)).toMatch(reason);
  });

  it('lets through patterns that match a long crafted value quickly', () => {
    for (const pattern of ['^[a-z]+(-[a-z]+)?$', '^0[1-9](\\s?[0-9]{2}){4}$']) {
      const started = Date.now();
      new RegExp(pattern, 'u').test(`${'a-'.repeat(5000)}!`);
      expect(Date.now() - started).toBeLessThan(200);
    }
    // (a|a)* would take seconds on 30 characters: refused.
    expect(unsafePatternReason('^(a|a)*$')).not.toBeNull();
  });
});
