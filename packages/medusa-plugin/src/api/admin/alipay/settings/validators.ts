import { INTERFACE_TYPES } from '@alipay-commerce/core';
import { z } from '@medusajs/framework/zod';
import { CONFIGURATION_NAME } from '../../../../modules/alipay/settings-rows';
import { CHARSETS, NAMED_GATEWAYS } from '../../../../shared/settings-fields';

/** IDs, emails, app IDs. */
const SHORT_TEXT = 256;
/** PEM keys and certificates (a certificate chain stays well below this). */
const LONG_TEXT = 20_000;

const text = (max: number) => z.string().trim().max(max).nullable().optional();

/** Any of the named gateways, or an absolute http(s) URL (a proxy, or the offline sandbox). */
const gateway = z
  .string()
  .trim()
  .max(SHORT_TEXT)
  .refine(
    value => value === '' || (NAMED_GATEWAYS as readonly string[]).includes(value) || isHttpUrl(value),
    {
      message:
        'gateway must be "production", "sandbox" or an http(s) URL / gateway 必须是 production、sandbox 或 http(s) 网址',
    },
  )
  .nullable()
  .optional();

/**
 * Body of `POST /admin/alipay/settings`. Strict: an unknown (e.g. misspelled) field is rejected
 * instead of silently dropped. Semantics of omitted / `null` / `""` are documented on
 * `SaveAlipaySettingsInput`; the core validates the combination of fields later.
 */
export const AdminSaveAlipaySettings = z
  .object({
    salesChannelId: z.string().trim().min(1).max(SHORT_TEXT).nullable().optional(),
    configuration: z.string().trim().regex(CONFIGURATION_NAME).nullable().optional(),
    interfaceType: z.enum(INTERFACE_TYPES).nullable().optional(),
    gateway,
    partnerId: text(SHORT_TEXT),
    key: text(SHORT_TEXT),
    sellerEmail: text(SHORT_TEXT),
    sellerId: text(SHORT_TEXT),
    charset: z.string().trim().toLowerCase().pipe(z.enum(CHARSETS)).nullable().optional(),
    refundWithoutPassword: z.boolean().nullable().optional(),
    appId: text(SHORT_TEXT),
    appPrivateKey: text(LONG_TEXT),
    alipayPublicKey: text(LONG_TEXT),
    appCertificate: text(LONG_TEXT),
    alipayCertificate: text(LONG_TEXT),
    alipayRootCertificate: text(LONG_TEXT),
    encryptKey: text(SHORT_TEXT),
    appAuthToken: text(SHORT_TEXT),
    alwaysQrOnDesktop: z.boolean().nullable().optional(),
    antomClientId: text(SHORT_TEXT),
    antomPrivateKey: text(LONG_TEXT),
    antomPublicKey: text(LONG_TEXT),
    antomRegion: text(SHORT_TEXT),
    antomKeyVersion: text(SHORT_TEXT),
    antomPaymentMethods: text(SHORT_TEXT),
  })
  .strict();

/** Validated body of `POST /admin/alipay/settings`. */
export type AdminSaveAlipaySettingsType = z.infer<typeof AdminSaveAlipaySettings>;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
