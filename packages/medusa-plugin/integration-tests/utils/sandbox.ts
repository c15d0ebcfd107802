/**
 * The offline Alipay sandbox as the Medusa specs need it: the shared test harness
 * (`@alipay-commerce/sandbox/testing`) started with the accounts a marketplace shop uses, and the
 * merchant settings that point the plugin at that sandbox.
 */
import { DEFAULT_MERCHANTS, type Sandbox } from '@alipay-commerce/sandbox';
import { startTestSandbox, type TestSandbox } from '@alipay-commerce/sandbox/testing';

/** A marketplace seller merchant A may name in `seller_email` (C2C), configured in the sandbox. */
export const C2C_SELLER = { email: 'c2c-seller@sandbox.alipay.test', userId: '2088101000000077' };

/**
 * Starts the sandbox: merchant A (all legacy interfaces, nopwd refunds, and {@link C2C_SELLER} as a
 * payee, which only the Medusa marketplace spec needs), merchant B (instant only), one OpenAPI app.
 */
export function startShopSandbox(): Promise<TestSandbox> {
  const [merchantA, ...others] = DEFAULT_MERCHANTS;
  return startTestSandbox({ config: { merchants: [{ ...merchantA!, payees: [C2C_SELLER] }, ...others] } });
}

/** Settings of the sandbox's merchant A (legacy partner + MD5 key) for `interfaceType`. */
export function legacySettings<T extends 'legacy-direct' | 'legacy-escrow' | 'legacy-dual'>(
  sandbox: Sandbox,
  interfaceType: T,
  extra: Record<string, unknown> = {},
) {
  const merchant = sandbox.merchants[0]!;
  return {
    interfaceType,
    gateway: sandbox.legacyGateway,
    partnerId: merchant.partner,
    key: merchant.key,
    sellerEmail: merchant.sellerEmail,
    ...extra,
  };
}

/** Settings of the sandbox's OpenAPI app (app ID + RSA2 keys). */
export function openApiSettings(
  sandbox: Sandbox,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const app = sandbox.apps[0]!;
  return {
    interfaceType: 'openapi-page-wap-qr',
    gateway: sandbox.openapiGateway,
    appId: app.appId,
    appPrivateKey: app.privateKey,
    alipayPublicKey: app.alipayPublicKey,
    sellerId: app.sellerId,
    ...extra,
  };
}
