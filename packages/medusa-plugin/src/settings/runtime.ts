/**
 * The plugin's pieces as API routes, subscribers and jobs reach them from the application container.
 *
 * @packageDocumentation
 */
import type { ConfigModule, Logger, MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys } from '@medusajs/framework/utils';
import { ALIPAY_MODULE } from '../modules/alipay/constants';
import type AlipayModuleService from '../modules/alipay/service';
import { configurationScope, GLOBAL_SCOPE } from '../modules/alipay/settings-rows';
import type { ScopedAlipay } from '../modules/alipay/settings-store';
import type { AlipayProviderOptions } from '../providers/alipay/options';
import type { TradeOrigin } from '../trades/trade-origin';
import { alipayProviderIds, alipayProviderOptions } from './provider-options';

/** What a route, subscriber or job needs for one Alipay provider. */
export interface AlipayRuntime {
  container: MedusaContainer;
  logger: Logger;
  settings: AlipayModuleService;
  providerId: string;
  options: AlipayProviderOptions;
  /**
   * The core facade for a settings scope (sales channel ID, or global), with the provider's fallback,
   * from the current settings: for new payments and credential checks only.
   */
  facade(scope: string | null | undefined): Promise<ScopedAlipay>;
  /**
   * The core facade for an existing trade of `scope`, built for the interface type it was created
   * with (`origin`, see `tradeOriginOf`); `null` origin means the current settings.
   * @throws AlipayTradeCredentialsError when that generation's credentials are no longer configured.
   */
  facadeForTrade(
    scope: string | null | undefined,
    origin: TradeOrigin | null,
    outTradeNo?: string | null,
  ): Promise<ScopedAlipay>;
}

/** Builds the runtime of the Alipay provider `providerId` (`pp_alipay_<id>`). */
export function alipayRuntime(container: MedusaContainer, providerId: string): AlipayRuntime {
  const configModule = container.resolve<ConfigModule>(ContainerRegistrationKeys.CONFIG_MODULE);
  const options = alipayProviderOptions(configModule, providerId);
  const settings = container.resolve<AlipayModuleService>(ALIPAY_MODULE);
  // A provider with settings of its own uses them for every payment, whatever the cart's sales channel.
  const ownScope = providerSettingsScope(options);
  return {
    container,
    logger: container.resolve<Logger>(ContainerRegistrationKeys.LOGGER),
    settings,
    providerId,
    options,
    facade: scope => settings.getAlipay(ownScope ?? scope ?? null, options.settings ?? {}),
    facadeForTrade: (scope, origin, outTradeNo) =>
      settings.getAlipayForTrade(
        ownScope ?? (scope === GLOBAL_SCOPE ? null : (scope ?? null)),
        origin,
        options.settings ?? {},
        outTradeNo,
      ),
  };
}

/**
 * The settings scope every payment of a provider uses when it has settings of its own (its
 * `settingsScope` option), else undefined (the global settings and the cart's sales channel).
 */
export function providerSettingsScope(options: AlipayProviderOptions): string | undefined {
  return options.settingsScope ? configurationScope(options.settingsScope) : undefined;
}

/** IDs of the Alipay providers configured in this shop. */
export function configuredAlipayProviders(container: MedusaContainer): string[] {
  return alipayProviderIds(container.resolve<ConfigModule>(ContainerRegistrationKeys.CONFIG_MODULE));
}

/**
 * The fallback settings the admin's save validation completes the stored settings with: those of the
 * provider with that configuration, else of the first Alipay provider (with several providers, each
 * applies its own fallback to its payments).
 */
export function defaultFallbackSettings(
  container: MedusaContainer,
  configuration?: string | null,
): AlipayProviderOptions['settings'] {
  const provider = configuration
    ? providerOfConfiguration(container, configuration)
    : configuredAlipayProviders(container)[0];
  if (!provider) return {};
  try {
    return alipayRuntime(container, provider).options.settings ?? {};
  } catch {
    return {};
  }
}

/** The provider whose `settingsScope` option is `configuration`, if any. */
export function providerOfConfiguration(
  container: MedusaContainer,
  configuration: string,
): string | undefined {
  return configuredAlipayProviders(container).find(id => {
    try {
      return alipayRuntime(container, id).options.settingsScope === configuration;
    } catch {
      return false;
    }
  });
}
