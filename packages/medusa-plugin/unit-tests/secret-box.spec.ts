import { randomBytes } from 'node:crypto';
import {
  decryptSecret,
  deriveSettingsKey,
  encryptSecret,
  MISSING_SECRET_MESSAGE,
  requireSettingsKey,
  SETTINGS_SECRET_ENV,
  secretHint,
  settingsKeyFromEnv,
} from '../src/modules/alipay/secret-box';

const here = { scope: 'global', field: 'key' };

describe('deriveSettingsKey', () => {
  it('takes 64 hex characters as the raw key', () => {
    const raw = randomBytes(32);
    expect(deriveSettingsKey(raw.toString('hex'))).toEqual(raw);
    expect(deriveSettingsKey(` ${raw.toString('hex').toUpperCase()}\n`)).toEqual(raw);
  });

  it('takes base64 and base64url of 32 bytes as the raw key', () => {
    const raw = Buffer.from('fb'.repeat(32), 'hex'); // encodes with "+" / "-" and "/" / "_"
    expect(deriveSettingsKey(raw.toString('base64'))).toEqual(raw);
    expect(deriveSettingsKey(raw.toString('base64url'))).toEqual(raw);
  });

  it('derives a stable 32-byte key from a passphrase with scrypt', () => {
    const key = deriveSettingsKey('correct horse battery staple');
    expect(key).toHaveLength(32);
    expect(deriveSettingsKey('correct horse battery staple')).toEqual(key);
    expect(deriveSettingsKey('correct horse battery stapler')).not.toEqual(key);
    // A 64-character passphrase that is not hex is not mistaken for a raw key.
    expect(deriveSettingsKey('z'.repeat(64))).toHaveLength(32);
  });

  it('refuses values too short to be a key or a passphrase', () => {
    expect(() => deriveSettingsKey('short-secret')).toThrow(/too short/);
  });
});

describe('settings key from the environment', () => {
  it('is undefined when unset or blank, and required for writing', () => {
    expect(settingsKeyFromEnv({})).toBeUndefined();
    expect(settingsKeyFromEnv({ [SETTINGS_SECRET_ENV]: '  ' })).toBeUndefined();
    expect(() => requireSettingsKey({})).toThrow(MISSING_SECRET_MESSAGE);
    expect(MISSING_SECRET_MESSAGE).toMatch(
      /ALIPAY_SETTINGS_SECRET is not set.*未设置 ALIPAY_SETTINGS_SECRET/s,
    );
  });
});

describe('encryptSecret / decryptSecret', () => {
  const key = randomBytes(32);

  it('round-trips with a fresh IV each time and no plaintext in the output', () => {
    const secret = 'md5-key-0123456789abcdef0123456789';
    const first = encryptSecret(secret, key, here);
    const second = encryptSecret(secret, key, here);
    expect(first).toMatch(/^v1:/);
    expect(first).not.toEqual(second);
    expect(first).not.toContain(secret);
    expect(decryptSecret(first, key, here)).toBe(secret);
    expect(decryptSecret(second, key, here)).toBe(secret);
  });

  it('does not open with another key, in another row or field, or after tampering — without leaking the value', () => {
    const secret = 'md5-key-0123456789abcdef0123456789';
    const stored = encryptSecret(secret, key, here);
    const attempts = [
      () => decryptSecret(stored, randomBytes(32), here),
      () => decryptSecret(stored, key, { scope: 'sc_123', field: 'key' }),
      () => decryptSecret(stored, key, { scope: 'global', field: 'appAuthToken' }),
      () => decryptSecret(`${stored.slice(0, -4)}AAAA`, key, here),
      () => decryptSecret('plaintext', key, here),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(/cannot be decrypted/);
      try {
        attempt();
      } catch (error) {
        expect((error as Error).message).not.toContain(secret);
      }
    }
  });
});

describe('secretHint', () => {
  it('shows at most the last 4 characters, none for short secrets, ignoring PEM armour', () => {
    expect(secretHint('0123456789abcdefWXYZ')).toBe('••••WXYZ');
    expect(secretHint('short-secret')).toBe('••••');
    expect(
      secretHint(
        '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nAQEF9abc\n-----END PRIVATE KEY-----\n',
      ),
    ).toBe('••••9abc');
  });
});
