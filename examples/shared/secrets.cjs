// @ts-check
/**
 * The example shops' own secrets (Express: the merchant token; Medusa: its JWT and cookie secrets and the key
 * that encrypts the Alipay settings; Vendure: its cookie secret). Each comes from the environment, else from
 * a git-ignored JSON file in the shop's data directory (`$DATA_DIR/secrets.json`). On a developer's first
 * start a missing one is generated there (32 random bytes, hex, file mode 0600), so a fresh clone starts
 * with no manual step and no secret is fixed in the code. With `NODE_ENV=production` nothing is generated:
 * the shop refuses to start until every secret is set.
 *
 * CommonJS on purpose: the Express shop imports it as ESM, the Medusa scripts require it through ts-node and
 * the Vendure shop's tsc output requires it from dist/, with no build step of its own.
 */
'use strict';
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

/** Thrown when `NODE_ENV=production` and secrets are neither in the environment nor in the file. */
class MissingSecretsError extends Error {
  /** @param {string[]} missing @param {string} file */
  constructor(missing, file) {
    super(
      `Missing secrets: ${missing.join(', ')}. With NODE_ENV=production nothing is generated: set them in the ` +
        `environment (e.g. ${missing[0]}=$(openssl rand -hex 32)) or in ${file}. / 缺少密钥：${missing.join('、')}。` +
        `NODE_ENV=production 时不会自动生成，请在环境变量中设置（例如 ${missing[0]}=$(openssl rand -hex 32)）或写入 ${file}。`,
    );
    this.name = 'MissingSecretsError';
    /** The names of the missing secrets (environment variable names). */
    this.missing = missing;
  }
}

/**
 * Loads the secrets `names`: environment first, then `file`; generates the missing ones into `file`
 * unless `env.NODE_ENV` is `production` (then throws {@link MissingSecretsError}).
 * @param {{ file: string, names: readonly string[], env?: NodeJS.ProcessEnv }} options
 * @returns {{ values: Record<string, string>, generated: string[] }}
 */
function loadSecrets({ file, names, env = process.env }) {
  /** @type {Record<string, unknown>} */
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  /** @type {Record<string, string>} */
  const values = {};
  const missing = [];
  for (const name of names) {
    const value = env[name] || stored[name];
    if (typeof value === 'string' && value.length > 0) values[name] = value;
    else missing.push(name);
  }
  if (missing.length === 0) return { values, generated: [] };
  if (env.NODE_ENV === 'production') throw new MissingSecretsError(missing, file);
  for (const name of missing) {
    values[name] = randomBytes(32).toString('hex');
    stored[name] = values[name];
  }
  mkdirSync(dirname(file), { recursive: true });
  // Written whole then renamed: an interrupted first start never leaves half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
  return { values, generated: missing };
}

module.exports = { loadSecrets, MissingSecretsError };
