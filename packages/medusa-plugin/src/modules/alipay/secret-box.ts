/**
 * Encryption at rest of the Alipay secrets (MD5 key, app private key, AES content key, app auth token).
 *
 * Algorithm: AES-256-GCM, a random 96-bit IV per value, 128-bit tag. The additional authenticated
 * data binds each ciphertext to its row scope and field, so a ciphertext copied into another row or
 * column does not decrypt. Stored format: `v1:` + base64(IV ‖ tag ‖ ciphertext).
 *
 * Key: environment variable `ALIPAY_SETTINGS_SECRET`, read when needed (not at import), as
 * 1. 64 hex characters → those 32 bytes; else
 * 2. base64 / base64url that decodes to exactly 32 bytes → those bytes; else
 * 3. any other string of at least 16 characters → scrypt(secret, salt `alipay-commerce/alipay_settings/v1`,
 *    N = 2^15, r = 8, p = 1, 32 bytes).
 * Generate one with `openssl rand -hex 32`.
 *
 * @packageDocumentation
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { MedusaError } from '@medusajs/framework/utils';

/** Name of the environment variable holding the settings encryption key. */
export const SETTINGS_SECRET_ENV = 'ALIPAY_SETTINGS_SECRET';

const FORMAT_PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const MIN_PASSPHRASE_LENGTH = 16;
/**
 * Fixed salt: the key must be re-derivable from the environment alone, on every server. It still names
 * the module's former key `alipay_settings` and must stay byte-identical: changing it would derive
 * another key, and every secret already stored would no longer decrypt.
 */
const SCRYPT_SALT = 'alipay-commerce/alipay_settings/v1';
const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** Shown when a secret must be encrypted but `ALIPAY_SETTINGS_SECRET` is not set. English / 简体中文. */
export const MISSING_SECRET_MESSAGE =
  `${SETTINGS_SECRET_ENV} is not set, so Alipay secrets (key, private key, tokens) cannot be encrypted ` +
  'and nothing was saved. Set it on the Medusa server to 32 random bytes as hex or base64 ' +
  '(e.g. `openssl rand -hex 32`) and restart. / ' +
  `未设置 ${SETTINGS_SECRET_ENV}，无法加密支付宝密钥（安全校验码、私钥、令牌），因此没有保存任何内容。` +
  '请在 Medusa 服务器上将其设置为 32 字节随机值（hex 或 base64，例如 `openssl rand -hex 32`）并重启。';

/** Status shown on the admin page while `ALIPAY_SETTINGS_SECRET` is not set. English / 简体中文. */
export const SECRET_NOT_CONFIGURED_MESSAGE =
  `${SETTINGS_SECRET_ENV} is not set on the Medusa server: Alipay secrets can be neither saved nor used. ` +
  'Set it to 32 random bytes as hex or base64 (e.g. `openssl rand -hex 32`) and restart. / ' +
  `Medusa 服务器未设置 ${SETTINGS_SECRET_ENV}：无法保存或使用支付宝密钥。` +
  '请将其设置为 32 字节随机值（hex 或 base64，例如 `openssl rand -hex 32`）并重启。';

/** Shown when `ALIPAY_SETTINGS_SECRET` is set but too weak to be used. English / 简体中文. */
export const WEAK_SECRET_MESSAGE =
  `${SETTINGS_SECRET_ENV} is too short: use 32 random bytes as hex or base64 (e.g. \`openssl rand -hex 32\`) ` +
  `or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters. / ` +
  `${SETTINGS_SECRET_ENV} 太短：请使用 32 字节随机值（hex 或 base64，例如 \`openssl rand -hex 32\`）` +
  `或至少 ${MIN_PASSPHRASE_LENGTH} 个字符的口令。`;

/** Where an encrypted value belongs; becomes the GCM additional authenticated data. */
export interface SecretLocation {
  /** Row scope: `global` or a sales channel ID. */
  scope: string;
  /** Settings field name, e.g. `key`. */
  field: string;
}

let cachedKey: { secret: string; key: Buffer } | undefined;

/**
 * Derives the 32-byte key from an `ALIPAY_SETTINGS_SECRET` value (rules in the module comment).
 * @throws MedusaError (not_allowed) when the value is too short to be a key or a passphrase.
 */
export function deriveSettingsKey(secret: string): Buffer {
  const value = secret.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) {
    return Buffer.from(value, 'hex');
  }
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const decoded = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    if (decoded.length === KEY_BYTES) return decoded;
  }
  if (value.length < MIN_PASSPHRASE_LENGTH) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, WEAK_SECRET_MESSAGE);
  }
  return scryptSync(value, SCRYPT_SALT, KEY_BYTES, SCRYPT_PARAMS);
}

/**
 * The key from the environment, or `undefined` when `ALIPAY_SETTINGS_SECRET` is unset or empty.
 * Derivation (scrypt) is cached for the current value of the variable.
 * @throws MedusaError (not_allowed) when the variable is set but too weak.
 */
export function settingsKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const secret = env[SETTINGS_SECRET_ENV];
  if (!secret?.trim()) return undefined;
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: deriveSettingsKey(secret) };
  }
  return cachedKey.key;
}

/**
 * The key from the environment, for writing.
 * @throws MedusaError (not_allowed) with {@link MISSING_SECRET_MESSAGE} when it is not set.
 */
export function requireSettingsKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  const key = settingsKeyFromEnv(env);
  if (!key) throw new MedusaError(MedusaError.Types.NOT_ALLOWED, MISSING_SECRET_MESSAGE);
  return key;
}

/**
 * The authenticated data binding a ciphertext to its scope and field. The `alipay_settings/` prefix is the
 * module's former name, kept byte-identical: stored ciphertexts were sealed with it.
 */
function additionalData(location: SecretLocation): Buffer {
  return Buffer.from(`alipay_settings/${location.scope}/${location.field}`, 'utf8');
}

/** Encrypts one secret for storage. */
export function encryptSecret(plaintext: string, key: Buffer, location: SecretLocation): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(location));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return FORMAT_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/**
 * Decrypts a value written by {@link encryptSecret}.
 * @throws MedusaError (unexpected_state) naming the field — never the value — when the format is
 *   unknown or the key (or location) does not match.
 */
export function decryptSecret(stored: string, key: Buffer, location: SecretLocation): string {
  const undecryptable = () =>
    new MedusaError(
      MedusaError.Types.UNEXPECTED_STATE,
      `The stored Alipay secret "${location.field}" (${location.scope}) cannot be decrypted: ` +
        `${SETTINGS_SECRET_ENV} differs from the one it was saved with, or the row was altered. ` +
        `Restore the previous ${SETTINGS_SECRET_ENV} or save the secret again. / ` +
        `无法解密已保存的支付宝密钥 "${location.field}"（${location.scope}）：${SETTINGS_SECRET_ENV} ` +
        `与保存时不同，或数据已被改动。请恢复原来的 ${SETTINGS_SECRET_ENV}，或重新保存该密钥。`,
    );
  if (!stored.startsWith(FORMAT_PREFIX)) throw undecryptable();
  const packed = Buffer.from(stored.slice(FORMAT_PREFIX.length), 'base64');
  if (packed.length < IV_BYTES + TAG_BYTES) throw undecryptable();
  const iv = packed.subarray(0, IV_BYTES);
  const tag = packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const ciphertext = packed.subarray(IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(location));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw undecryptable();
  }
}

/**
 * A display hint for a secret: `••••` plus the last 4 characters when the secret is at least 16
 * characters long, `••••` alone otherwise. PEM armour and whitespace are ignored so a private key
 * does not end in `----`.
 */
export function secretHint(plaintext: string): string {
  const core = plaintext.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, '');
  return core.length >= 16 ? `••••${core.slice(-4)}` : '••••';
}
