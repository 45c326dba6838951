/**
 * SMS arithmetic: the GSM 03.38 alphabet, segment counting, transliteration to
 * GSM-7 for territories that want cheaper SMS, and the check that a phone number
 * can receive SMS at all.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { AppError } from '../errors';

/** GSM 03.38 basic character set, in code order (0x1B, the escape to the extension table, left out). */
const GSM7_BASIC_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** GSM 03.38 extension table: each is sent as ESC + code, so it takes two septets. */
const GSM7_EXTENSION_CHARS = '\f^{}\\[~]|€';

const GSM7_BASIC = new Set(GSM7_BASIC_CHARS);
const GSM7_EXTENSION = new Set(GSM7_EXTENSION_CHARS);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Limits in units: septets for GSM-7, UTF-16 code units for UCS-2. */
export const SMS_LIMITS: Record<SmsEncoding, { single: number; multipart: number }> = {
  'GSM-7': { single: 160, multipart: 153 },
  'UCS-2': { single: 70, multipart: 67 },
};

export interface SmsSegmentCount {
  encoding: SmsEncoding;
  /** Septets (GSM-7, extension characters count two) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

/** Septets a character takes in GSM-7, or null when GSM-7 cannot carry it. */
export function gsm7Cost(char: string): 1 | 2 | null {
  if (GSM7_BASIC.has(char)) return 1;
  if (GSM7_EXTENSION.has(char)) return 2;
  return null;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (gsm7Cost(char) === null) return false;
  return true;
}

/** Septets of a GSM-7 text; null when some character needs UCS-2. */
export function gsm7Units(text: string): number | null {
  let units = 0;
  for (const char of text) {
    const cost = gsm7Cost(char);
    if (cost === null) return null;
    units += cost;
  }
  return units;
}

/**
 * Segments of a message. A multipart split never cuts an escape sequence (GSM-7)
 * nor a surrogate pair (UCS-2), so segments are packed character by character,
 * as operators do, rather than by dividing the length.
 */
export function countSmsSegments(text: string): SmsSegmentCount {
  const septets = gsm7Units(text);
  const encoding: SmsEncoding = septets === null ? 'UCS-2' : 'GSM-7';
  const units = septets ?? text.length;
  const limits = SMS_LIMITS[encoding];
  if (units === 0) return { encoding, units, segments: 0 };
  if (units <= limits.single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const char of text) {
    const cost = encoding === 'GSM-7' ? (gsm7Cost(char) as number) : char.length;
    if (used + cost > limits.multipart) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, units, segments };
}

/**
 * The most segments a text of `units` can take in `encoding` whatever its
 * characters: a multipart segment may lose one unit to a character that cannot
 * be split across two segments.
 */
export function maxSegmentsForUnits(encoding: SmsEncoding, units: number): number {
  const limits = SMS_LIMITS[encoding];
  if (units === 0) return 0;
  if (units <= limits.single) return 1;
  return Math.ceil(units / (limits.multipart - 1));
}

/** Typography that has a plain GSM-7 equivalent. */
const GSM7_SUBSTITUTES: Record<string, string> = {
  '’': "'",
  '‘': "'",
  '`': "'",
  '´': "'",
  '“': '"',
  '”': '"',
  '«': '"',
  '»': '"',
  '–': '-',
  '—': '-',
  '‐': '-',
  '•': '-',
  '…': '...',
  '\u00a0': ' ', // no-break space
  '\u202f': ' ', // narrow no-break space (French typography before : ; ! ?)
  '\t': ' ',
  œ: 'oe',
  Œ: 'OE',
  // GSM-7 has only the capital Ç; a lowercase c reads better in a French word than Ç.
  ç: 'c',
};

/**
 * Rewrites a text so that it fits GSM-7 (one segment carries 160 characters
 * instead of 70): characters GSM-7 already has stay (é, è, à, ù, Ç...), other
 * accented letters lose their accent (ê → e, â → a, ô → o, î → i), typographic
 * quotes and dashes become plain ones, and what has no equivalent at all
 * (emoji, other scripts) becomes "?", so the result is always GSM-7.
 */
export function transliterateToGsm7(text: string): string {
  let result = '';
  for (const char of text) {
    if (gsm7Cost(char) !== null) {
      result += char;
      continue;
    }
    const substitute = GSM7_SUBSTITUTES[char];
    if (substitute !== undefined) {
      result += substitute;
      continue;
    }
    const withoutAccents = char.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    result += withoutAccents !== '' && isGsm7(withoutAccents) ? withoutAccents : '?';
  }
  return result;
}

/** Number types that can receive an SMS; FIXED_LINE_OR_MOBILE is ambiguous, so given the benefit of the doubt. */
const SMS_CAPABLE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * Checks that `phone` can receive an SMS and returns it in E.164 (+33612345678).
 * National numbers are read in `defaultCountry` (FR, or an overseas territory's
 * own code such as RE or GP). Refuses, on `path`, numbers that are not valid and
 * landlines and other numbers that cannot receive SMS.
 */
export function normaliseSmsRecipient(phone: string, path: string, defaultCountry: CountryCode = 'FR'): string {
  const parsed = parsePhoneNumberFromString(phone, defaultCountry);
  if (!parsed || !parsed.isValid()) {
    throw AppError.invalidField(path, `"${phone}" is not a valid phone number`);
  }
  const type = parsed.getType();
  if (type === 'FIXED_LINE') {
    throw AppError.invalidField(path, `${parsed.formatInternational()} is a landline: it cannot receive SMS`);
  }
  if (type === undefined || !SMS_CAPABLE_TYPES.has(type)) {
    const kind = type === undefined ? 'of an unknown type' : `a ${type.toLowerCase().replace(/_/g, ' ')} number`;
    throw AppError.invalidField(path, `${parsed.formatInternational()} is ${kind}: it cannot receive SMS`);
  }
  return parsed.number;
}

/** A phone number safe for logs: country calling code and last two digits only (+33*******78). */
export function maskPhoneNumber(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return '***';
  const national = parsed.nationalNumber;
  return `+${parsed.countryCallingCode}${'*'.repeat(Math.max(national.length - 2, 0))}${national.slice(-2)}`;
}
