import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

/**
 * National numbers are French: metropolitan, or overseas, whose départements have
 * their own country codes for libphonenumber (0590 is Guadeloupe's +590, not +33).
 */
const FRENCH_NUMBERING: CountryCode[] = ['FR', 'GP', 'MQ', 'GF', 'RE', 'YT'];

/** The number read as French (or international when it starts with +), if valid. */
export function parseFrenchPhone(value: string): PhoneNumber | undefined {
  for (const country of FRENCH_NUMBERING) {
    const parsed = parsePhoneNumberFromString(value, country);
    if (parsed?.isValid()) return parsed;
  }
  return undefined;
}
