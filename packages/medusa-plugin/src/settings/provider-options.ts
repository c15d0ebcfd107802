/**
 * Finding a provider's options outside the payment module (API routes, subscribers, jobs run in the
 * application container, where the provider instance is not reachable).
 *
 * @packageDocumentation
 */
import type { ConfigModule } from '@medusajs/framework/types';
import { MedusaError } from '@medusajs/framework/utils';
import { type AlipayProviderOptions, validateProviderOptions } from '../providers/alipay/options';

/** Identifier of the provider class: registered IDs are `pp_alipay_<id>`. */
export const PROVIDER_IDENTIFIER = 'alipay';

interface ProviderEntry {
  resolve?: unknown;
  id?: string;
  options?: unknown;
}

/** Every payment-provider entry of the shop's config, from the payment module's options. */
function paymentProviderEntries(configModule: ConfigModule): ProviderEntry[] {
  const modules = (configModule?.modules ?? {}) as Record<string, unknown>;
  const entries: ProviderEntry[] = [];
  for (const definition of Object.values(modules)) {
    const providers = (definition as { options?: { providers?: unknown } } | undefined)?.options?.providers;
    if (Array.isArray(providers)) entries.push(...(providers as ProviderEntry[]));
  }
  return entries;
}

/** `pp_alipay_x` and `alipay_x` → `pp_alipay_x`. */
export function normalizeProviderId(raw: string): string {
  return raw.startsWith('pp_') ? raw : `pp_${raw}`;
}

/**
 * The options of the Alipay provider registered as `providerId` (`pp_alipay_<id>`), read from the
 * payment module entry of `medusa-config` and validated like the provider does at boot.
 * @throws MedusaError (not_found) when no Alipay provider entry has that ID.
 */
export function alipayProviderOptions(configModule: ConfigModule, providerId: string): AlipayProviderOptions {
  const id = normalizeProviderId(providerId).slice(`pp_${PROVIDER_IDENTIFIER}_`.length);
  const candidates = paymentProviderEntries(configModule).filter(entry => entry.id === id);
  // Another package could use the same `id` under another identifier (pp_stripe_<id>): prefer ours.
  const entry =
    candidates.find(
      candidate => typeof candidate.resolve === 'string' && candidate.resolve.includes('alipay'),
    ) ?? candidates[0];
  if (!entry || !normalizeProviderId(providerId).startsWith(`pp_${PROVIDER_IDENTIFIER}_`)) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `No Alipay payment provider ${providerId} is configured.`,
    );
  }
  validateProviderOptions(entry.options);
  return entry.options;
}

/** IDs (`pp_alipay_<id>`) of every Alipay provider entry in the shop's config. */
export function alipayProviderIds(configModule: ConfigModule): string[] {
  return paymentProviderEntries(configModule)
    .filter(
      entry =>
        typeof entry.id === 'string' &&
        (typeof entry.resolve !== 'string' || entry.resolve.includes('alipay')),
    )
    .map(entry => `pp_${PROVIDER_IDENTIFIER}_${entry.id}`);
}

/** Notify URL of a provider: where Alipay POSTs its asynchronous notifications. */
export function notifyUrlFor(options: AlipayProviderOptions, providerId: string): string {
  return `${options.backendUrl.replace(/\/+$/, '')}/hooks/alipay/notify/${normalizeProviderId(providerId)}`;
}

/** Return URL of a provider: where Alipay sends the buyer's browser after the cashier. */
export function returnUrlFor(options: AlipayProviderOptions, providerId: string): string {
  return `${options.backendUrl.replace(/\/+$/, '')}/hooks/alipay/return/${normalizeProviderId(providerId)}`;
}
