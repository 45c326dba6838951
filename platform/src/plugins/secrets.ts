import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PlatformConfig } from '../config';

const VERSION = 'v1';
const MIN_KEY_LENGTH = 32;

/**
 * AES-256-GCM with a random 96-bit IV per value. The associated data names where the
 * value belongs (territory, plugin, name): a sealed value copied elsewhere does not open.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('A secret box needs a 256-bit key');
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join('.');
  }

  /** A key of its own for `purpose` (signing challenges...), derived from the box's: one secret to keep. */
  subkey(purpose: string): string {
    return Buffer.from(crypto.hkdfSync('sha256', this.key, 'lapin', purpose, 32)).toString('base64');
  }

  open(sealed: string, associatedData: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || ciphertext === undefined) throw new Error('Unknown secret format');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
  }
}

/** Any long random string becomes a 256-bit key (HKDF-SHA256). */
function deriveKey(material: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', material, 'lapin', 'plugin-secrets', 32));
}

/**
 * The key comes from SECRETS_KEY; without it (embedded mode, one machine), from a key
 * file generated once in the data folder. Processes on several machines need SECRETS_KEY.
 */
function loadKeyMaterial(config: PlatformConfig): string {
  if (config.secretsKey) {
    if (config.secretsKey.length < MIN_KEY_LENGTH) throw new Error(`SECRETS_KEY must be at least ${MIN_KEY_LENGTH} characters long`);
    return config.secretsKey;
  }
  const file = path.join(config.dataDir, 'secrets.key');
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

const boxes = new Map<string, SecretBox>();

/** The instance's secret box, built once per key. */
export function secretBoxFor(config: PlatformConfig): SecretBox {
  const cacheKey = config.secretsKey ? `env:${config.secretsKey}` : `file:${config.dataDir}`;
  let box = boxes.get(cacheKey);
  if (!box) {
    box = new SecretBox(deriveKey(loadKeyMaterial(config)));
    boxes.set(cacheKey, box);
  }
  return box;
}
