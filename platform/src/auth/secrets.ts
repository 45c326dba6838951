import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { passwordHashSlots } from '../hash-slots';

const unboundedScrypt = promisify(crypto.scrypt) as (
  password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions,
) => Promise<Buffer>;

/** Every hash takes one of the process's few slots (hash-slots.ts): past them, 503. */
const scrypt: typeof unboundedScrypt = (...args) => passwordHashSlots.run(() => unboundedScrypt(...args));

/** scrypt cost as log2(N); 17 is OWASP's recommendation, tests may lower it (never below 14). */
const LOG_N = Math.max(14, Number(process.env.SCRYPT_LOG_N ?? 17));

export const MIN_PASSWORD_LENGTH = 12;

/** `scrypt$logN$r$p$salt$hash`: the parameters travel with the hash, so the cost can rise later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const options = { N: 2 ** LOG_N, r: 8, p: 1, maxmem: 256 * 1024 * 1024 };
  const hash = await scrypt(password, salt, 32, options);
  return ['scrypt', LOG_N, 8, 1, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Hashed once: an unknown email (or an account without password) costs a sign-in the same time as a known one. */
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  if (!stored) {
    await verifyPassword(password, await (dummyHash ??= hashPassword(generateToken())));
    return false;
  }
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: 2 ** Number(logN), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024,
  });
  return crypto.timingSafeEqual(expected, actual);
}

/** A long random token for links and bearer tokens; only its hash is stored. */
export function generateToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
