import { parseFrenchPhone } from '../forms/phone';
import type { User } from './user.entity';

/** Lower case, no accents, ligatures spelled out: "Hélène Lœuvre" and "helene loeuvre" meet. */
export function normaliseForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss');
}

/** The digits a phone number is searched by: as dialled in France (0612345678) and international (33612345678). */
function phoneDigits(phone: string): string[] {
  const parsed = parseFrenchPhone(phone);
  const digits = [phone.replace(/\D/g, '')];
  if (parsed) digits.push(parsed.number.replace(/\D/g, ''), parsed.formatNational().replace(/\D/g, ''));
  return [...new Set(digits)];
}

/** The usager's `search_text`: what ?search= matches against. */
export function userSearchText(user: Pick<User, 'first_name' | 'last_name' | 'birth_name' | 'email' | 'phone_number'>): string {
  const words = [user.first_name, user.last_name, user.birth_name, user.email].filter((word): word is string => Boolean(word));
  return [...words.map(normaliseForSearch), ...(user.phone_number ? phoneDigits(user.phone_number) : [])].join(' ');
}

/**
 * `LIKE` patterns that must all match `search_text`: one per word, and a phone
 * number typed with spaces or dots ("06 12 34", "+33 6.12") as its digits.
 */
export function searchPatterns(query: string): string[] {
  const trimmed = query.trim();
  if (!trimmed) return [];
  const terms = /^[+\d][\d\s.()-]*$/.test(trimmed) ? [trimmed.replace(/\D/g, '')] : normaliseForSearch(trimmed).split(/\s+/);
  return terms.filter(Boolean).slice(0, 8).map((term) => `%${term.replace(/[\\%_]/g, (char) => `\\${char}`)}%`);
}
