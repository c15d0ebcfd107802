import type { AlipaySettings, Bilingual, ConfigIssue, SettingsPolicy } from '@alipay-commerce/core';
import { resolveEnvReference, SECRET_SETTINGS, STRICT_SETTINGS_POLICY } from '@alipay-commerce/core';
import type { PaymentMethod } from '@vendure/core';

/**
 * The arguments of an Alipay payment method as Vendure stores them (`{ name, value }` strings) read as the
 * core's settings: secrets, booleans, `env:NAME` references, the cache fingerprint and the issues' text.
 */

/** Names of the settings that hold secrets (MD5 key, private key, AES key, app auth token). */
export const SECRET_ARG_NAMES: readonly string[] = SECRET_SETTINGS;

/** Settings stored as booleans (`"true"` / `"false"` strings in the payment method). */
const BOOLEAN_ARG_NAMES = new Set(['refundWithoutPassword', 'alwaysQrOnDesktop']);

/** The settings of one payment method as the core reads them, or the problems found on the way. */
export type FlatSettingsResult =
  | { ok: true; settings: AlipaySettings }
  | { ok: false; issues: ConfigIssue[] };

/**
 * Turns the stored arguments of an Alipay payment method (`{ name, value }` strings, as Vendure keeps
 * them) into the core's flat {@link AlipaySettings}, reading `env:NAME` secrets from `env`.
 *
 * An unusable `env:` reference becomes an issue on that field (naming the variable, never a value),
 * so it reaches the admin the same way as a validation issue of the core.
 */
export function settingsFromArgs(
  args: ReadonlyArray<Pick<PaymentMethod['handler']['args'][number], 'name' | 'value'>>,
  env: NodeJS.ProcessEnv = process.env,
  policy: SettingsPolicy = STRICT_SETTINGS_POLICY,
): FlatSettingsResult {
  const settings: Record<string, string | boolean> = {};
  const issues: ConfigIssue[] = [];
  for (const { name, value } of args) {
    if (BOOLEAN_ARG_NAMES.has(name)) {
      settings[name] = value === 'true';
    } else if (SECRET_ARG_NAMES.includes(name)) {
      const resolved = resolveEnvReference(name, value, env, policy);
      if (!resolved.ok) {
        issues.push(resolved.issue);
      } else if (resolved.value !== undefined) {
        settings[name] = resolved.value;
      }
    } else if (value !== undefined && value !== null && value !== '') {
      settings[name] = value;
    }
  }
  if (issues.length > 0) {
    return { ok: false, issues };
  }
  return { ok: true, settings: settings as unknown as AlipaySettings };
}

/**
 * The bilingual text of configuration issues, one line per field: what the admin sees when saving a
 * payment method fails, and the hint of an intent error. Issues describe fields, never their values.
 */
export function describeIssues(issues: readonly ConfigIssue[]): Bilingual {
  return {
    en: issues.map(issue => `${issue.field}: ${issue.message.en}`).join('\n'),
    zh: issues.map(issue => `${issue.field}：${issue.message.zh}`).join('\n'),
  };
}

/** True when a stored secret is a literal (not an `env:NAME` reference), i.e. must not be shown. */
export function isLiteralSecret(value: string | undefined | null): value is string {
  return typeof value === 'string' && value.trim() !== '' && !value.trim().startsWith('env:');
}
