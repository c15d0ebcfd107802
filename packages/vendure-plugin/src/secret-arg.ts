import { resolveEnvReference, type SettingsPolicy, STRICT_SETTINGS_POLICY } from '@alipay-commerce/core';

/** Prefix that marks a payment-method argument as a reference to an environment variable. */
export const ENV_SECRET_PREFIX = 'env:';

/**
 * Thrown when a secret argument refers to an environment variable that cannot be used.
 *
 * The message names the variable (never its value, never the argument's literal content), and says
 * the same whether the variable is outside the allowed prefix or unset, so it is safe to log and tells
 * nothing about the server's environment.
 */
export class AlipaySecretArgError extends Error {
  override readonly name = 'AlipaySecretArgError';
}

/**
 * Resolves a secret payment-method argument (MD5 key, app private key, AES key, app auth token).
 *
 * Payment-method arguments are stored in plain text and returned by the Admin API to anyone who may
 * read payment methods, so an operator can store `env:NAME` instead of the secret itself; the value
 * is then read from `process.env.NAME` each time it is needed. The rules are the core's
 * (`resolveEnvReference`): `NAME` must start with the policy's prefix (`ALIPAY_` by default).
 *
 * - empty, `null` or `undefined` → `undefined` (argument not configured);
 * - `env:NAME` → the value of `NAME` in `env`, which must be allowed, set and non-empty;
 * - anything else → returned unchanged (a literal secret).
 *
 * @param value - the stored argument value.
 * @param env - where `env:` references are looked up; defaults to `process.env`.
 * @param policy - the deployment's settings policy (the `env:` prefix); the strictest by default.
 * @throws {@link AlipaySecretArgError} when `env:` is followed by an invalid name or names a variable
 *   that is not allowed, unset or empty.
 */
export function resolveSecretArg(
  value: string | null | undefined,
  env: NodeJS.ProcessEnv = process.env,
  policy: SettingsPolicy = STRICT_SETTINGS_POLICY,
): string | undefined {
  const result = resolveEnvReference('secret argument', value, env, policy);
  if (!result.ok) {
    throw new AlipaySecretArgError(result.issue.message.en);
  }
  return result.value;
}
