import { z } from 'zod';
import { AlipayConfigError, type ConfigIssue } from '../errors';
import { checkDeviceCoverage } from '../select';
import { type AlipaySettings, INTERFACE_TYPES } from '../settings-fields';
import { type AntomConfig, antomConfigSchema, isAntomRegion } from './antom';
import { toConfigIssues } from './issues';
import { LEGACY_PRODUCTION_GATEWAY, type LegacyConfig, legacyConfigSchema } from './legacy';
import {
  OPENAPI_PRODUCTION_GATEWAY,
  OPENAPI_SANDBOX_GATEWAY,
  type OpenApiConfig,
  type OpenApiProduct,
  openApiConfigSchema,
} from './openapi';
import { checkGatewayPolicy, type SettingsPolicy, STRICT_SETTINGS_POLICY } from './policy';

export * from '../settings-fields';
export * from './antom';
export * from './legacy';
export * from './openapi';
export * from './policy';

/** A validated configuration of one generation: legacy, OpenAPI or Antom (cross-border). */
export type AlipayConfig = LegacyConfig | OpenApiConfig | AntomConfig;

/** Input accepted by {@link parseAlipayConfig}: a config before defaults are applied. */
export type AlipayConfigInput =
  | z.input<typeof legacyConfigSchema>
  | z.input<typeof openApiConfigSchema>
  | z.input<typeof antomConfigSchema>;

/** zod schema of {@link AlipayConfig}: `generation` picks the legacy, the OpenAPI or the Antom schema. */
export const alipayConfigSchema = z.union([legacyConfigSchema, openApiConfigSchema, antomConfigSchema]);

/** The result of a validation that does not throw. */
export type ConfigResult =
  | { ok: true; config: AlipayConfig; issues: [] }
  | { ok: false; config?: undefined; issues: ConfigIssue[] };

/** Validates a config of either generation, including the device-coverage check; never throws. */
export function safeParseAlipayConfig(input: unknown): ConfigResult {
  const generation = (input as { generation?: unknown } | null)?.generation;
  const schema =
    generation === 'legacy'
      ? legacyConfigSchema
      : generation === 'openapi'
        ? openApiConfigSchema
        : generation === 'antom'
          ? antomConfigSchema
          : undefined;
  if (!schema) {
    return {
      ok: false,
      issues: [
        {
          field: 'generation',
          message: {
            en: 'generation must be "legacy" (partner + key), "openapi" (app ID + RSA2) or "antom" (cross-border).',
            zh: 'generation 必须是 "legacy"（合作者身份 + 安全校验码）、"openapi"（APPID + RSA2）或 "antom"（跨境）。',
          },
        },
      ],
    };
  }
  const result = (schema as z.ZodType<AlipayConfig>).safeParse(input);
  if (!result.success) return { ok: false, issues: toConfigIssues(result.error) };
  const coverage = checkDeviceCoverage(result.data);
  if (coverage.length > 0) return { ok: false, issues: coverage };
  return { ok: true, config: result.data, issues: [] };
}

/** Validates a config of either generation; throws {@link AlipayConfigError} naming every bad field. */
export function parseAlipayConfig(input: unknown): AlipayConfig {
  const result = safeParseAlipayConfig(input);
  if (!result.ok) throw new AlipayConfigError(result.issues);
  return result.config;
}

const PRODUCTS: Record<string, OpenApiProduct[]> = {
  'openapi-page': ['page'],
  'openapi-page-wap': ['page', 'wap'],
  'openapi-page-wap-qr': ['page', 'wap', 'qr'],
  'openapi-page-qr': ['page', 'qr'],
  'openapi-qr': ['qr'],
};

function flag(value: boolean | string | undefined): boolean {
  return value === true || value === 'true';
}

function text(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Turns admin-form settings into a validated {@link AlipayConfig} (or the issues, each naming the settings
 * field, in English and Chinese). Never throws.
 *
 * @param policy - what the deployment allows (see `resolveSettingsPolicy`); by default the strictest:
 *   Alipay's own gateways only.
 */
export function settingsToConfig(
  settings: AlipaySettings,
  policy: SettingsPolicy = STRICT_SETTINGS_POLICY,
): ConfigResult {
  const result = settingsToConfigWithoutPolicy(settings);
  // The Antom host is a region name, or a URL that the same deployment policy must allow.
  const antomGateway = text(settings.antomRegion);
  const gatewayIssue =
    settings.interfaceType === 'antom'
      ? antomGateway !== undefined && !isAntomRegion(antomGateway.trim().toUpperCase())
        ? renamed(checkGatewayPolicy(antomGateway, policy), 'antomRegion')
        : undefined
      : checkGatewayPolicy(text(settings.gateway), policy);
  if (!gatewayIssue) return result;
  return {
    ok: false,
    issues: [gatewayIssue, ...result.issues.filter(issue => issue.field !== gatewayIssue.field)],
  };
}

function renamed(issue: ConfigIssue | undefined, field: string): ConfigIssue | undefined {
  return issue && { ...issue, field };
}

/** Antom config fields and the settings that hold them, so that every issue names what the admin sees. */
const ANTOM_SETTING_OF: Record<string, string> = {
  clientId: 'antomClientId',
  merchantPrivateKey: 'antomPrivateKey',
  antomPublicKey: 'antomPublicKey',
  keyVersion: 'antomKeyVersion',
  gateway: 'antomRegion',
  paymentMethods: 'antomPaymentMethods',
};

function antomSettingsToConfig(settings: AlipaySettings): ConfigResult {
  const region = text(settings.antomRegion?.trim());
  const result = safeParseAlipayConfig({
    generation: 'antom',
    clientId: settings.antomClientId ?? '',
    merchantPrivateKey: settings.antomPrivateKey ?? '',
    antomPublicKey: settings.antomPublicKey ?? '',
    keyVersion: text(settings.antomKeyVersion),
    gateway: region !== undefined && isAntomRegion(region.toUpperCase()) ? region.toUpperCase() : region,
    paymentMethods: text(settings.antomPaymentMethods),
  });
  if (result.ok) return result;
  return {
    ok: false,
    issues: result.issues.map(issue => ({ ...issue, field: ANTOM_SETTING_OF[issue.field] ?? issue.field })),
  };
}

function settingsToConfigWithoutPolicy(settings: AlipaySettings): ConfigResult {
  const type = settings.interfaceType;
  if (type === 'antom') return antomSettingsToConfig(settings);
  const gatewaySetting = text(settings.gateway);
  if (type === 'legacy-direct' || type === 'legacy-escrow' || type === 'legacy-dual') {
    // Every problem at once: a wrong gateway never hides a bad partner ID or key until the next save.
    const legacySandboxIssue: ConfigIssue | undefined =
      gatewaySetting === 'sandbox'
        ? {
            field: 'gateway',
            message: {
              en: 'Alipay has no sandbox for the legacy (partner + key) gateway. Type the URL of the offline sandbox (alipay-sandbox, e.g. http://127.0.0.1:7010/gateway.do) instead.',
              zh: '支付宝旧版（合作者身份 + 安全校验码）网关没有沙箱环境。请填写离线沙箱（alipay-sandbox）的网址，例如 http://127.0.0.1:7010/gateway.do。',
            },
          }
        : undefined;
    const legacy = safeParseAlipayConfig({
      generation: 'legacy',
      interfaceType: type.slice('legacy-'.length),
      partnerId: settings.partnerId ?? '',
      key: text(settings.key),
      sellerEmail: text(settings.sellerEmail),
      sellerId: text(settings.sellerId),
      charset: text(settings.charset)?.toLowerCase() ?? 'utf-8',
      gateway:
        gatewaySetting === undefined || gatewaySetting === 'production' || legacySandboxIssue
          ? LEGACY_PRODUCTION_GATEWAY
          : gatewaySetting,
      refundWithoutPassword: flag(settings.refundWithoutPassword),
    });
    if (!legacySandboxIssue) return legacy;
    return { ok: false, issues: [legacySandboxIssue, ...(legacy.ok ? [] : legacy.issues)] };
  }
  const products = PRODUCTS[type];
  if (!products) {
    return {
      ok: false,
      issues: [
        {
          field: 'interfaceType',
          message: {
            en: `interfaceType must be one of ${INTERFACE_TYPES.join(', ')}.`,
            zh: `interfaceType 必须是以下之一：${INTERFACE_TYPES.join('、')}。`,
          },
        },
      ],
    };
  }
  return safeParseAlipayConfig({
    generation: 'openapi',
    products,
    alwaysQrOnDesktop: flag(settings.alwaysQrOnDesktop),
    appId: settings.appId ?? '',
    appPrivateKey: settings.appPrivateKey ?? '',
    alipayPublicKey: text(settings.alipayPublicKey),
    appCertificate: text(settings.appCertificate),
    alipayCertificate: text(settings.alipayCertificate),
    alipayRootCertificate: text(settings.alipayRootCertificate),
    gateway:
      gatewaySetting === undefined || gatewaySetting === 'production'
        ? OPENAPI_PRODUCTION_GATEWAY
        : gatewaySetting === 'sandbox'
          ? OPENAPI_SANDBOX_GATEWAY
          : gatewaySetting,
    encryptKey: text(settings.encryptKey),
    appAuthToken: text(settings.appAuthToken),
    sellerId: text(settings.sellerId),
  });
}
