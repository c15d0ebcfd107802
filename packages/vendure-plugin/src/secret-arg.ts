/** Prefix that marks a payment-method argument as a reference to an environment variable. */
export const ENV_SECRET_PREFIX = 'env:';

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Thrown when a secret argument refers to an environment variable that cannot be used.
 *
 * The message names the variable (never its value, never the argument's literal content), so it is
 * safe to log.
 */
export class AlipaySecretArgError extends Error {
  override readonly name = 'AlipaySecretArgError';
}

/**
 * Resolves a secret payment-method argument (MD5 key, app private key, AES key, app auth token).
 *
 * Payment-method arguments are stored in plain text and returned by the Admin API to anyone who may
 * read payment methods, so an operator can store `env:NAME` instead of the secret itself; the value
 * is then read from `process.env.NAME` each time it is needed.
 *
 * - empty, `null` or `undefined` → `undefined` (argument not configured);
 * - `env:NAME` → the value of `NAME` in `env`, which must be set and non-empty;
 * - anything else → returned unchanged (a literal secret).
 *
 * @param value - the stored argument value.
 * @param env - where `env:` references are looked up; defaults to `process.env`.
 * @throws {@link AlipaySecretArgError} when `env:` is followed by an invalid name or names an unset
 *   or empty variable.
 */
export function resolveSecretArg(
  value: string | null | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (value === undefined || value === null || value.trim() === '') {
    return undefined;
  }
  const trimmed = value.trim();
  if (!trimmed.startsWith(ENV_SECRET_PREFIX)) {
    // A literal secret is returned untrimmed: whitespace could be part of it, and the core's
    // key parsers decide what to do with surrounding whitespace.
    return value;
  }
  const name = trimmed.slice(ENV_SECRET_PREFIX.length).trim();
  if (!ENV_VAR_NAME.test(name)) {
    // Do not echo the value: it could be a mistyped secret.
    throw new AlipaySecretArgError(
      `A secret argument starts with "${ENV_SECRET_PREFIX}" but is not followed by a valid environment variable name`,
    );
  }
  const resolved = env[name];
  if (resolved === undefined || resolved === '') {
    throw new AlipaySecretArgError(
      `Environment variable ${name}, referenced by a secret argument, is not set`,
    );
  }
  return resolved;
}
