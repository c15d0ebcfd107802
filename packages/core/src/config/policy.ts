import type { ConfigIssue } from '../errors';
import { LEGACY_PRODUCTION_GATEWAY } from './legacy';
import { OPENAPI_PRODUCTION_GATEWAY, OPENAPI_SANDBOX_GATEWAY } from './openapi';

/**
 * What the deployment (not an administrator) decides about admin-form settings: where the gateway may
 * point and which environment variables `env:NAME` may read. Admin forms are editable by anyone with a
 * shop's payment-settings permission; these limits keep such an admin from sending signed calls and
 * buyers to a host of their choosing, or probing the server's environment.
 */
export interface SettingsPolicyOptions {
  /**
   * Gateway URLs an admin may type besides `production` and `sandbox` (Alipay's own gateways are always
   * allowed). Each entry is an `https://` URL; a gateway is allowed when its origin (scheme, host, port)
   * is one of theirs.
   */
  allowedGateways?: readonly string[];
  /**
   * Allows a gateway on this machine (`localhost`, `127.0.0.0/8`, `::1`), over http or https: for
   * development against the offline sandbox only.
   *
   * @default false
   */
  allowLoopbackGateway?: boolean;
  /**
   * The prefix every `env:NAME` reference must start with.
   *
   * @default 'ALIPAY_'
   */
  envPrefix?: string;
}

/** {@link SettingsPolicyOptions} resolved: options and environment merged, defaults filled in. */
export interface SettingsPolicy {
  /** Allowed gateway origins, e.g. `https://gateway.example`. */
  allowedGatewayOrigins: readonly string[];
  /** See {@link SettingsPolicyOptions.allowLoopbackGateway}. */
  allowLoopbackGateway: boolean;
  /** See {@link SettingsPolicyOptions.envPrefix}. */
  envPrefix: string;
}

/** Default of {@link SettingsPolicyOptions.envPrefix}. */
export const DEFAULT_ENV_PREFIX = 'ALIPAY_';

/**
 * The environment variables a deployment may set instead of plugin options: a comma-separated list of
 * allowed gateway URLs, `true` to allow a loopback gateway, and the `env:` prefix.
 */
export const SETTINGS_POLICY_ENV = {
  allowedGateways: 'ALIPAY_ALLOWED_GATEWAYS',
  allowLoopbackGateway: 'ALIPAY_ALLOW_LOOPBACK_GATEWAY',
  envPrefix: 'ALIPAY_ENV_PREFIX',
} as const;

/** The strictest policy: Alipay's own gateways only, `env:` names starting with `ALIPAY_`. */
export const STRICT_SETTINGS_POLICY: SettingsPolicy = Object.freeze({
  allowedGatewayOrigins: Object.freeze([]) as readonly string[],
  allowLoopbackGateway: false,
  envPrefix: DEFAULT_ENV_PREFIX,
});

/** Thrown by {@link resolveSettingsPolicy} when the deployment's options cannot work. */
export class SettingsPolicyError extends Error {
  override readonly name = 'SettingsPolicyError';
}

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Merges the deployment's options with its environment ({@link SETTINGS_POLICY_ENV}); options win over
 * the environment for the flag and the prefix, and both lists of gateways count.
 *
 * @throws {@link SettingsPolicyError} on an allowed gateway that is not an https URL, or a prefix that
 *   is empty or not the start of a variable name.
 */
export function resolveSettingsPolicy(
  options: SettingsPolicyOptions = {},
  env: Readonly<Record<string, string | undefined>> = {},
): SettingsPolicy {
  const fromEnv = (env[SETTINGS_POLICY_ENV.allowedGateways] ?? '')
    .split(',')
    .map(entry => entry.trim())
    .filter(entry => entry !== '');
  const origins = new Set<string>();
  for (const entry of [...(options.allowedGateways ?? []), ...fromEnv]) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new SettingsPolicyError(`Allowed gateway "${entry}" is not a URL`);
    }
    if (url.protocol !== 'https:') {
      throw new SettingsPolicyError(
        `Allowed gateway "${entry}" must be an https URL (a loopback gateway is allowed with allowLoopbackGateway instead)`,
      );
    }
    origins.add(url.origin);
  }
  const loopbackEnv = env[SETTINGS_POLICY_ENV.allowLoopbackGateway];
  const allowLoopbackGateway = options.allowLoopbackGateway ?? loopbackEnv === 'true';
  const envPrefix = options.envPrefix ?? env[SETTINGS_POLICY_ENV.envPrefix] ?? DEFAULT_ENV_PREFIX;
  if (!ENV_VAR_NAME.test(envPrefix)) {
    throw new SettingsPolicyError(
      `The env: prefix "${envPrefix}" must be the start of an environment variable name, e.g. ALIPAY_`,
    );
  }
  return { allowedGatewayOrigins: [...origins], allowLoopbackGateway, envPrefix };
}

const ALIPAY_GATEWAY_ORIGINS = new Set(
  [OPENAPI_PRODUCTION_GATEWAY, OPENAPI_SANDBOX_GATEWAY, LEGACY_PRODUCTION_GATEWAY].map(
    url => new URL(url).origin,
  ),
);

/** True when `hostname` (as `URL` gives it) names this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '::' || host === '0.0.0.0') return true;
  // IPv4 loopback, also written as an IPv4-mapped IPv6 address (URL turns it into hex: ::ffff:7f00:1).
  if (/^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(host);
  if (mapped && Number.parseInt(mapped[1]!, 16) >> 8 === 127) return true;
  return /^::ffff:127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Checks an admin's gateway setting against the deployment's policy: `production`, `sandbox`, an
 * Alipay gateway URL, an allowed https origin, or (only when allowed) a loopback URL. Returns the issue,
 * or `undefined` when the gateway is allowed or not a URL at all (the schema reports that).
 */
export function checkGatewayPolicy(
  gateway: string | undefined,
  policy: SettingsPolicy,
): ConfigIssue | undefined {
  if (gateway === undefined || gateway === 'production' || gateway === 'sandbox') return undefined;
  let url: URL;
  try {
    url = new URL(gateway);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (isLoopbackHost(url.hostname)) {
    if (policy.allowLoopbackGateway) return undefined;
    return {
      field: 'gateway',
      message: {
        en: `gateway points at this machine, which this server does not allow. Choose production or sandbox; a loopback gateway (the offline sandbox) is for development and needs the plugin option allowLoopbackGateway or ${SETTINGS_POLICY_ENV.allowLoopbackGateway}=true.`,
        zh: `gateway 指向本机，本服务器不允许。请选择 production 或 sandbox；本机网关（离线沙箱）仅用于开发，需要插件选项 allowLoopbackGateway 或 ${SETTINGS_POLICY_ENV.allowLoopbackGateway}=true。`,
      },
    };
  }
  if (url.protocol !== 'https:') {
    return {
      field: 'gateway',
      message: {
        en: 'gateway must be an https URL.',
        zh: 'gateway 必须是 https 网址。',
      },
    };
  }
  if (ALIPAY_GATEWAY_ORIGINS.has(url.origin) || policy.allowedGatewayOrigins.includes(url.origin)) {
    return undefined;
  }
  return {
    field: 'gateway',
    message: {
      en: `gateway must be production, sandbox, or a URL this server allows (plugin option allowedGateways or ${SETTINGS_POLICY_ENV.allowedGateways}).`,
      zh: `gateway 必须是 production、sandbox，或本服务器允许的网址（插件选项 allowedGateways 或 ${SETTINGS_POLICY_ENV.allowedGateways}）。`,
    },
  };
}

/** The prefix that marks a secret setting as a reference to an environment variable. */
export const ENV_REFERENCE_PREFIX = 'env:';

/** The outcome of {@link resolveEnvReference}. */
export type EnvReferenceResult = { ok: true; value: string | undefined } | { ok: false; issue: ConfigIssue };

/**
 * Resolves a secret setting that may be written `env:NAME`. A literal comes back unchanged; empty means
 * not set. `NAME` must start with the policy's prefix, and a name outside it gets the same answer as an
 * unset one, so the answer never tells which variables exist. The issue names neither the variable's
 * value nor, when the reference is malformed, what was typed (it could be a mistyped secret).
 */
export function resolveEnvReference(
  field: string,
  value: string | null | undefined,
  env: Readonly<Record<string, string | undefined>>,
  policy: SettingsPolicy,
): EnvReferenceResult {
  if (value === undefined || value === null || value.trim() === '') return { ok: true, value: undefined };
  const trimmed = value.trim();
  // A literal secret is returned untrimmed: the key parsers decide about surrounding whitespace.
  if (!trimmed.startsWith(ENV_REFERENCE_PREFIX)) return { ok: true, value };
  const name = trimmed.slice(ENV_REFERENCE_PREFIX.length).trim();
  if (!ENV_VAR_NAME.test(name)) {
    return {
      ok: false,
      issue: {
        field,
        message: {
          en: `${field} starts with "${ENV_REFERENCE_PREFIX}" but is not followed by a valid environment variable name.`,
          zh: `${field} 以 "${ENV_REFERENCE_PREFIX}" 开头，但后面不是有效的环境变量名。`,
        },
      },
    };
  }
  const resolved = name.startsWith(policy.envPrefix) ? env[name] : undefined;
  if (resolved === undefined || resolved === '') {
    return {
      ok: false,
      issue: {
        field,
        message: {
          en: `${field} reads the environment variable ${name}, which is not allowed or not set (names must start with ${policy.envPrefix}).`,
          zh: `${field} 引用的环境变量 ${name} 不允许使用或未设置（变量名必须以 ${policy.envPrefix} 开头）。`,
        },
      },
    };
  }
  return { ok: true, value: resolved };
}
