import fc from 'fast-check';
import { AppError } from '../../../platform/src/errors';
import { DEFAULT_TEMPLATES } from '../../../platform/src/notifications/default-templates';
import { SAMPLE_FACTS, type RdvNotificationFacts } from '../../../platform/src/notifications/merge-fields';
import {
  countSmsSegments,
  isGsm7,
  maskPhoneNumber,
  normaliseSmsRecipient,
  transliterateToGsm7,
} from '../../../platform/src/notifications/sms';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  NOTIFICATION_EVENTS,
  renderSms,
  smsWorstCase,
  validateTemplate,
  type NotificationSettings,
} from '../../../platform/src/notifications/templates';

const a = (n: number) => 'a'.repeat(n);

describe('GSM 03.38 alphabet', () => {
  it('has the French letters of the basic table and not the others', () => {
    for (const char of 'éèùìòàÇÉÄÖÑÜäöñüÅåØøÆæß@£$¥¤§¿¡_') expect(isGsm7(char)).toBe(true);
    for (const char of 'êâîôûçëïÊÂÎÔÛËÏÀÈœ’«»…😀`') expect(isGsm7(char)).toBe(false);
  });

  it('carries the extension table (€ [ ] { } ~ ^ | \\) at two septets each', () => {
    for (const char of '€[]{}~^|\\') {
      expect(countSmsSegments(char)).toEqual({ encoding: 'GSM-7', units: 2, segments: 1 });
      expect(countSmsSegments(a(159) + char)).toMatchObject({ encoding: 'GSM-7', units: 161, segments: 2 });
    }
  });
});

describe('SMS segments', () => {
  it.each([
    [a(160), 'GSM-7', 160, 1],
    [a(161), 'GSM-7', 161, 2],
    [a(306), 'GSM-7', 306, 2],
    [a(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['ê' + a(69), 'UCS-2', 70, 1],
    ['ê' + a(70), 'UCS-2', 71, 2],
    ['ê' + a(133), 'UCS-2', 134, 2],
    ['ê' + a(134), 'UCS-2', 135, 3],
    [a(68) + '😀', 'UCS-2', 70, 1],
    [a(69) + '😀', 'UCS-2', 71, 2],
    ['', 'GSM-7', 0, 0],
  ])('%#: %j', (text, encoding, units, segments) => {
    expect(countSmsSegments(text)).toEqual({ encoding, units, segments });
  });

  it('never split an extension character or an emoji across two segments', () => {
    // 306 septets would fit two segments of 153, but "€" cannot straddle the boundary.
    expect(countSmsSegments(a(152) + '€' + a(152))).toMatchObject({ units: 306, segments: 3 });
    expect(countSmsSegments(a(66) + '😀' + a(66))).toMatchObject({ encoding: 'UCS-2', units: 134, segments: 3 });
  });
});

describe('accent stripping', () => {
  it('keeps what GSM-7 has, drops other accents, plain typography, ? for the rest', () => {
    const stripped = transliterateToGsm7('Hélène Benoît, Françoise Lefèvre — « rendez-vous » à l’Hôtel… Œuvre 😀');
    expect(stripped).toBe('Hélène Benoit, Francoise Lefèvre - " rendez-vous " à l\'Hotel... OEuvre ?');
    expect(isGsm7(stripped)).toBe(true);
  });

  it('always gives GSM-7, and changes nothing in a GSM-7 text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const stripped = transliterateToGsm7(text);
        expect(isGsm7(stripped)).toBe(true);
        expect(transliterateToGsm7(stripped)).toBe(stripped);
      }),
    );
  });

  it('is applied to the whole SMS when the territory asks', () => {
    const settings = { ...DEFAULT_NOTIFICATION_SETTINGS, smsStripAccents: true };
    const facts: RdvNotificationFacts = { ...SAMPLE_FACTS, rdv: { ...SAMPLE_FACTS.rdv, startsAt: new Date('2026-08-03T07:00:00Z') } };
    const template = { text: 'Votre RDV du {{rdv.date_time}} : être à l’heure, {{lieu.address}}' };
    const plain = renderSms(template, facts);
    expect(plain.text).toBe('Votre RDV du lundi 3 août 2026 à 09h00 : être à l’heure, 18 rue François Garcin, 69003 Lyon');
    expect(plain.count.encoding).toBe('UCS-2');
    const stripped = renderSms(template, facts, settings);
    expect(stripped.text).toBe("Votre RDV du lundi 3 aout 2026 à 09h00 : etre à l'heure, 18 rue Francois Garcin, 69003 Lyon");
    expect(stripped.count).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });
});

describe('maximum segments', () => {
  const fourAddresses = { text: '{{lieu.address}} {{lieu.address}} {{lieu.address}} {{lieu.address}}' };

  it('refuses at save time a template that can exceed the territory maximum, with the worst case', () => {
    // 4 × 100 characters + 3 spaces, in UCS-2 at worst: 403 / 66 → 7 segments
    const error = (() => {
      try {
        validateTemplate(fourAddresses, 'sms', 'templates.rdv_reminder.sms');
      } catch (caught) {
        return caught as AppError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error.errors).toEqual([
      {
        path: 'templates.rdv_reminder.sms.text',
        message: 'with its merge fields at their longest, this SMS can take 7 segments (403 UCS-2 characters); the territory allows 5',
      },
    ]);
  });

  it('accepts it when the territory allows as many, or strips accents (GSM-7: 403 / 152 → 3)', () => {
    expect(() => validateTemplate(fourAddresses, 'sms', 'p', { ...DEFAULT_NOTIFICATION_SETTINGS, smsMaxSegments: 7 })).not.toThrow();
    const stripping = { ...DEFAULT_NOTIFICATION_SETTINGS, smsStripAccents: true };
    expect(smsWorstCase(fourAddresses.text, stripping)).toEqual({ encoding: 'GSM-7', units: 403, segments: 3 });
    expect(() => validateTemplate(fourAddresses, 'sms', 'p', stripping)).not.toThrow();
  });

  it('takes the longest branch of a condition', () => {
    const template = `{{#if organisation.phone}}{{rdv.time}}{{else}}${a(400)}{{/if}}`;
    expect(smsWorstCase(template, DEFAULT_NOTIFICATION_SETTINGS)).toEqual({ encoding: 'GSM-7', units: 400, segments: 3 });
  });

  it('counts static text outside GSM-7 as UCS-2 and GSM-only fields as GSM-7', () => {
    expect(smsWorstCase('{{rdv.time}} {{rdv.duration}}', DEFAULT_NOTIFICATION_SETTINGS)).toEqual({ encoding: 'GSM-7', units: 16, segments: 1 });
    expect(smsWorstCase('être {{rdv.time}}', DEFAULT_NOTIFICATION_SETTINGS)).toEqual({ encoding: 'UCS-2', units: 10, segments: 1 });
  });

  it('is a real bound: no values, however long or exotic, make a default SMS exceed it', () => {
    const settingsVariants: NotificationSettings[] = [
      DEFAULT_NOTIFICATION_SETTINGS,
      { ...DEFAULT_NOTIFICATION_SETTINGS, smsStripAccents: true },
      { ...DEFAULT_NOTIFICATION_SETTINGS, smsIncludeMotif: true, smsMaxSegments: 8 },
    ];
    const text = fc.string({ unit: fc.constantFrom('a', 'é', 'ê', '€', '[', '😀', ' ', 'œ', '\n'), maxLength: 400, size: 'max' });
    const facts = fc.record({ first: text, last: text, lieu: text, address: text, org: text, phone: text, motif: text }).map(
      (values): RdvNotificationFacts => ({
        ...SAMPLE_FACTS,
        usager: { firstName: values.first, lastName: values.last },
        lieu: { name: values.lieu || 'x', address: values.address },
        motif: { name: values.motif },
        organisation: { name: values.org, phone: values.phone },
      }),
    );
    fc.assert(
      fc.property(facts, fc.constantFrom(...NOTIFICATION_EVENTS), fc.constantFrom(...settingsVariants), (rdvFacts, event, settings) => {
        const template = DEFAULT_TEMPLATES[event].sms;
        const worst = smsWorstCase(template.text, settings);
        const sent = renderSms(template, rdvFacts, settings);
        expect(sent.count.segments).toBeLessThanOrEqual(worst.segments);
        expect(worst.segments).toBeLessThanOrEqual(settings.smsMaxSegments);
      }),
      { numRuns: 300 },
    );
  });

  it('clips a long value to its catalogue length in SMS, not in email', () => {
    const longName = `Maison France services ${'du quartier '.repeat(10)}`;
    const facts: RdvNotificationFacts = { ...SAMPLE_FACTS, lieu: { name: longName, address: 'x' } };
    expect(renderSms({ text: '{{lieu.name}}' }, facts).text).toBe(longName.slice(0, 60).trim());
  });

  it('refuses to cut a link that is longer than its catalogue length', () => {
    const facts: RdvNotificationFacts = { ...SAMPLE_FACTS, rdv: { ...SAMPLE_FACTS.rdv, manageUrl: `https://rdv.example.fr/r/${a(80)}` } };
    expect(() => renderSms({ text: '{{rdv.manage_url}}' }, facts)).toThrow(/rdv.manage_url is longer than the 80 characters/);
  });
});

describe('SMS recipients', () => {
  it('puts mobile numbers in E.164, overseas ones in their own country code', () => {
    expect(normaliseSmsRecipient('06 12 34 56 78', 'user.phone_number')).toBe('+33612345678');
    expect(normaliseSmsRecipient('+33 7 81 23 45 67', 'user.phone_number')).toBe('+33781234567');
    expect(normaliseSmsRecipient('0692 12 34 56', 'user.phone_number', 'RE')).toBe('+262692123456');
  });

  it.each([
    ['01 23 45 67 89', 'is a landline: it cannot receive SMS'],
    ['0800 123 456', 'is a toll free number: it cannot receive SMS'],
    ['06 12', 'is not a valid phone number'],
    ['bonjour', 'is not a valid phone number'],
  ])('refuses %s on the given path', (phone, message) => {
    let error: unknown;
    try {
      normaliseSmsRecipient(phone, 'user.phone_number');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).kind).toBe('invalid');
    expect((error as AppError).errors[0].path).toBe('user.phone_number');
    expect((error as AppError).errors[0].message).toContain(message);
  });

  it('masks numbers for logs', () => {
    expect(maskPhoneNumber('+33612345678')).toBe('+33*******78');
    expect(maskPhoneNumber('+262692123456')).toBe('+262*******56');
  });
});
