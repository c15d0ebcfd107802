/**
 * What the provider's steps (starting a trade, reading its state, refunding) use of the provider
 * instance, so that they can live in files of their own while the class stays Medusa's entry point.
 *
 * @packageDocumentation
 */
import type { Logger } from '@medusajs/framework/types';
import type AlipayModuleService from '../../modules/alipay/service';
import type { ScopedAlipay } from '../../modules/alipay/settings-store';
import type { AlipayProviderOptions } from './options';

/** The provider as its steps see it (see `AlipayProviderService`). */
export interface ProviderContext {
  logger: Logger;
  options: AlipayProviderOptions;
  /** The ID the provider is registered under (`pp_alipay_<id>`). */
  providerId(): string;
  /** The `alipay` module, resolved at call time. */
  alipayModule(): AlipayModuleService;
  /** The facade of a settings scope, for new payments. */
  facade(salesChannelId: string | undefined | null): Promise<ScopedAlipay>;
  /** The facade of the existing trade of a session's (or payment's) `data`. */
  facadeForTrade(data: Record<string, unknown>): Promise<ScopedAlipay>;
}

/** A non-empty string from session data, else `undefined`. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
