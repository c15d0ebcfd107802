/**
 * Typings of `secrets.cjs`: the example shops' own secrets, from the environment, else from a git-ignored
 * `$DATA_DIR/secrets.json` generated on a developer's first start (never with `NODE_ENV=production`).
 */

/** Thrown when `NODE_ENV=production` and secrets are neither in the environment nor in the file. */
export declare class MissingSecretsError extends Error {
  constructor(missing: string[], file: string);
  /** The names of the missing secrets (environment variable names). */
  readonly missing: string[];
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
export declare function loadSecrets(options: {
  file: string;
  names: readonly string[];
  env?: NodeJS.ProcessEnv;
}): LoadedSecrets;
