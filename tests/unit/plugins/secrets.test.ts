import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig } from '../../../platform/src/config';
import { SecretBox, secretBoxFor } from '../../../platform/src/plugins/secrets';

describe('the secret box', () => {
  const box = new SecretBox(crypto.randomBytes(32));

  it('seals with a fresh IV each time and opens only with the same associated data', () => {
    const first = box.seal('the token', 'territory/plugin/name');
    const second = box.seal('the token', 'territory/plugin/name');
    expect(first).not.toBe(second);
    expect(first).not.toContain('the token');
    expect(box.open(first, 'territory/plugin/name')).toBe('the token');
    expect(() => box.open(first, 'territory/plugin/other')).toThrow();
  });

  it('refuses a tampered value and another key', () => {
    const sealed = box.seal('the token', 'here');
    const [version, iv, tag, ciphertext] = sealed.split('.');
    const flipped = Buffer.from(ciphertext, 'base64');
    flipped[0] ^= 1;
    expect(() => box.open([version, iv, tag, flipped.toString('base64')].join('.'), 'here')).toThrow();
    expect(() => new SecretBox(crypto.randomBytes(32)).open(sealed, 'here')).toThrow();
  });

  it('takes its key from SECRETS_KEY, or from a key file it generates once in the data folder', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-secrets-'));
    try {
      const fromFile = secretBoxFor({ ...readConfig({}), dataDir });
      const file = path.join(dataDir, 'secrets.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const sealed = fromFile.seal('kept', 'place');
      const sameFile = new SecretBox(Buffer.from(crypto.hkdfSync('sha256', fs.readFileSync(file, 'utf8').trim(), 'lapin', 'plugin-secrets', 32)));
      expect(sameFile.open(sealed, 'place')).toBe('kept');

      const key = crypto.randomBytes(32).toString('base64');
      const fromEnv = secretBoxFor(readConfig({ SECRETS_KEY: key }));
      expect(secretBoxFor(readConfig({ SECRETS_KEY: key })).open(fromEnv.seal('v', 'p'), 'p')).toBe('v');
      expect(() => fromEnv.open(sealed, 'place')).toThrow();
      expect(() => secretBoxFor(readConfig({ SECRETS_KEY: 'short' }))).toThrow(/at least 32 characters/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
