/**
 * The plugin's own build (`.medusa/server`), loaded the way the running app loads it: the specs call
 * its jobs and its provider directly. The one place the specs name the plugin's module directory, so
 * that moving it changes this file only.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { MedusaContainer } from '@medusajs/framework/types';

const pluginRequire = createRequire(fileURLToPath(new URL('../../.medusa/server/src/', import.meta.url)));

/**
 * A module of the plugin's build (`./reconciliation/reconcile.js`), through Node's own require: the same
 * module instances as the running app, which a TypeScript import of `src/` would not be.
 */
function pluginModule<T>(path: string): T {
  return pluginRequire(path) as T;
}

/** The plugin's Medusa module service (settings, trades, claims, refunds, journal). */
export type AlipayModuleService = import('../../src/modules/alipay_settings/service').default;

/** The plugin module's registration name: `container.resolve(ALIPAY_MODULE)`. */
export const ALIPAY_MODULE: string = pluginModule<
  typeof import('../../src/modules/alipay_settings/constants')
>('./modules/alipay_settings/constants.js').ALIPAY_SETTINGS_MODULE;

/** The reconciliation job's work (`alipay-reconcile-payments`). */
export const { reconcileAlipayPayments } = pluginModule<typeof import('../../src/reconciliation/reconcile')>(
  './reconciliation/reconcile.js',
);

/** The resume job's work: accepted payments whose process died are applied. */
export const { resumeAcceptedPayments } = pluginModule<typeof import('../../src/trades/process-trade-event')>(
  './trades/process-trade-event.js',
);

/** The shipment-retry job's work (`alipay-retry-shipments`). */
export const { retryDueShipments } = pluginModule<typeof import('../../src/shipments/shipment-confirmation')>(
  './shipments/shipment-confirmation.js',
);

const { default: AlipayProviderService } = pluginModule<typeof import('../../src/providers/alipay/service')>(
  './providers/alipay/service.js',
);

/** The provider's options in the test app's `medusa-config.ts`, for a provider built by hand. */
export const STOREFRONT_RETURN_URL = 'http://storefront.test/checkout/alipay';

/**
 * The Alipay payment provider as the payment module builds it, with what its container offers: the
 * specs call the provider's methods (the payment module's contract) directly.
 */
export function alipayProvider(container: MedusaContainer, backendUrl: string) {
  return new AlipayProviderService(
    {
      logger: container.resolve('logger'),
      configModule: container.resolve('configModule'),
      [ALIPAY_MODULE]: container.resolve(ALIPAY_MODULE),
    },
    { backendUrl, storefrontReturnUrl: STOREFRONT_RETURN_URL },
  );
}
