// @ts-check
/**
 * The shop's own secrets (here: the merchant token that guards the merchant routes). Each comes from the
 * environment, else from a git-ignored JSON file in the data directory. On a developer's first run a
 * missing one is generated there (32 random bytes, hex, file mode 0600), so a fresh clone starts with no
 * manual step and no secret is ever fixed in the code. With `NODE_ENV=production` nothing is generated:
 * the shop refuses to start until every secret is set.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Thrown when `NODE_ENV=production` and a secret is neither in the environment nor in the file. */
export class MissingSecretsError extends Error {
  /** @param {string[]} names @param {string} file */
  constructor(names, file) {
    super(
      `Missing secrets: ${names.join(', ')}. With NODE_ENV=production nothing is generated: set them in the ` +
        `environment (e.g. ${names[0]}=$(openssl rand -hex 32)) or in ${file}. / 缺少密钥：${names.join('、')}。` +
        `NODE_ENV=production 时不会自动生成，请在环境变量中设置（例如 ${names[0]}=$(openssl rand -hex 32)）或写入 ${file}。`,
    );
    this.name = 'MissingSecretsError';
    this.missing = names;
  }
}

/**
 * Loads the secrets `names`: environment first, then `file`; generates the missing ones into `file`
 * unless `env.NODE_ENV` is `production`.
 * @param {{ file: string, names: readonly string[], env?: NodeJS.ProcessEnv }} options
 * @returns {{ values: Record<string, string>, generated: string[] }}
 */
export function loadSecrets({ file, names, env = process.env }) {
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
  // Written whole then renamed: an interrupted first run never leaves half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
  return { values, generated: missing };
}
