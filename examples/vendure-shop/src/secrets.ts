/**
 * The shop's own secrets (Vendure's cookie secret). Each comes from the environment, else from a
 * git-ignored JSON file in the data directory (`$DATA_DIR/secrets.json`). On a developer's first start a
 * missing one is generated there (32 random bytes, hex, file mode 0600), so a fresh clone starts with no
 * manual step and no secret is fixed in the code. With `NODE_ENV=production` nothing is generated: the
 * shop refuses to start until every secret is set.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Thrown when `NODE_ENV=production` and secrets are neither in the environment nor in the file. */
export class MissingSecretsError extends Error {
  constructor(
    /** The names of the missing secrets (environment variable names). */
    readonly missing: string[],
    file: string,
  ) {
    super(
      `Missing secrets: ${missing.join(', ')}. With NODE_ENV=production nothing is generated: set them in the ` +
        `environment (e.g. ${missing[0]}=$(openssl rand -hex 32)) or in ${file}. / 缺少密钥：${missing.join('、')}。` +
        `NODE_ENV=production 时不会自动生成，请在环境变量中设置（例如 ${missing[0]}=$(openssl rand -hex 32)）或写入 ${file}。`,
    );
    this.name = 'MissingSecretsError';
  }
}

/** The secrets read by {@link loadSecrets}, and which of them this call generated. */
export interface LoadedSecrets {
  values: Record<string, string>;
  generated: string[];
}

/**
 * Loads the secrets `names`: environment first, then `file`; generates the missing ones into `file`
 * unless `env.NODE_ENV` is `production` (then throws {@link MissingSecretsError}).
 */
export function loadSecrets(options: {
  file: string;
  names: readonly string[];
  env?: NodeJS.ProcessEnv;
}): LoadedSecrets {
  const { file, names, env = process.env } = options;
  const stored: Record<string, unknown> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const value = env[name] || stored[name];
    if (typeof value === 'string' && value.length > 0) values[name] = value;
    else missing.push(name);
  }
  if (missing.length === 0) return { values, generated: [] };
  if (env.NODE_ENV === 'production') throw new MissingSecretsError(missing, file);
  for (const name of missing) {
    const value = randomBytes(32).toString('hex');
    values[name] = value;
    stored[name] = value;
  }
  mkdirSync(dirname(file), { recursive: true });
  // Written whole then renamed: an interrupted first start never leaves half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
  return { values, generated: missing };
}
