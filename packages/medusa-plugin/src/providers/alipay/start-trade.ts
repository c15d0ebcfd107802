/**
 * Starting a trade: the signed request (or QR code) and the public session data, and the trade's
 * start record (the only mapping from the random `out_trade_no` to its session).
 *
 * @packageDocumentation
 */
import { bilingualLine } from '@alipay-commerce/core';
import type { InitiatePaymentInput } from '@medusajs/framework/types';
import { MedusaError } from '@medusajs/framework/utils';
import { alipayError } from '../../logging/alipay-error';
import { logLine } from '../../logging/log-line';
import type { ScopedAlipay } from '../../modules/alipay/settings-store';
import { notifyUrlFor, returnUrlFor } from '../../settings/provider-options';
import { type AlipaySessionData, PLUGIN_SESSION_KEYS } from '../../shared/session-data';
import { amountToFen, fenToAmount, minorUnitRefusal } from '../../trades/money';
import { originDataOf } from '../../trades/trade-origin';
import { type AlipayProviderOptions, DEFAULT_PAYMENT_TIMEOUT_MINUTES } from './options';
import { type ProviderContext, text } from './provider-context';

/**
 * Builds the signed request (or QR code) and the public session data for one trade, and records the
 * trade's start with its session (the mapping from `outTradeNo` to `sessionId`).
 */
export async function startTrade(
  provider: ProviderContext,
  sessionId: string,
  outTradeNo: string,
  data: Record<string, unknown>,
  amount: InitiatePaymentInput['amount'],
  currencyCode: string,
): Promise<Record<string, unknown>> {
  // Written by the plugin's middleware from the cart itself (see api/middlewares.ts), not by the shopper.
  const salesChannelId = text(data.sales_channel_id) ?? null;
  const scoped = await provider.facade(salesChannelId);
  // The payment method's currency rule and wording (the core's: domestic CNY only, Antom the currencies
  // it knows): Medusa offers a region's providers whatever its currency. Medusa's codes are lower case.
  const currency = currencyCode.trim().toUpperCase();
  const refusal = scoped.alipay.currencyRefusal(currency) ?? minorUnitRefusal(currency);
  if (refusal) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, bilingualLine(refusal));
  }
  const amountFen = amountToFen(amount);
  const device = data.device === 'mobile' ? 'mobile' : 'desktop';
  const storefrontReturnUrl = checkedReturnUrl(provider.options, data.return_url);
  const providerId = provider.providerId();
  let start: Awaited<ReturnType<ScopedAlipay['alipay']['startPayment']>>;
  try {
    start = await scoped.alipay.startPayment(
      {
        outTradeNo,
        amountFen,
        currency,
        // The cashier and the payer's bill show it: part of the random trade number, never a Medusa ID.
        subject: provider.options.subject ?? `Order 订单 ${outTradeNo.slice(-8)}`,
        notifyUrl: notifyUrlFor(provider.options, providerId),
        returnUrl: returnUrlFor(provider.options, providerId),
        timeoutMinutes: provider.options.paymentTimeoutMinutes ?? DEFAULT_PAYMENT_TIMEOUT_MINUTES,
      },
      { device },
      { as: data.as === 'form' ? 'form' : 'redirect' },
    );
  } catch (error) {
    throw alipayError({ en: 'start payment', zh: '发起支付' }, error);
  }
  const session: Record<string, unknown> = Object.fromEntries(PLUGIN_SESSION_KEYS.map(key => [key, null]));
  Object.assign(session, {
    session_id: sessionId,
    out_trade_no: outTradeNo,
    sales_channel_id: salesChannelId,
    amount: fenToAmount(amountFen),
    currency,
    interface: start.interface.generation === 'legacy' ? start.interface.service : start.interface.method,
    // How the trade is created: every later call on it is routed by these (see trades/trade-origin.ts).
    interface_type: scoped.interfaceType,
    gateway: scoped.config.gateway,
    seller_email: scoped.seller.email ?? null,
    seller_id: scoped.seller.id ?? null,
    device,
    kind: start.kind,
    return_url: storefrontReturnUrl,
    alipay_status: 'waiting_payment',
  } satisfies Partial<AlipaySessionData>);
  if (start.kind === 'redirect') session.redirect_url = start.url;
  if (start.kind === 'form') session.form_html = start.html;
  if (start.kind === 'qr') {
    session.qr_code = start.qrCode;
    session.qr_expires_at = start.expiresAt.toISOString();
  }
  // Kept apart from the session, which Medusa deletes when a new attempt replaces it: a late payment
  // of this trade must still be verified, asked about and refunded as it was created.
  await provider.alipayModule().recordTradeStart({
    outTradeNo,
    sessionId,
    providerId,
    scope: scoped.scope,
    amount: fenToAmount(amountFen),
    origin: originDataOf(session),
  });
  provider.logger.info(
    logLine(
      `payment started: ${session.interface} (${start.kind}), ${session.amount} ${currency}, scope ${scoped.scope}`,
      {
        outTradeNo,
        provider: providerId,
      },
    ),
  );
  return session;
}

/**
 * The storefront's `return_url` when it has the origin of the `storefrontReturnUrl` option, else
 * that option itself. Refusing foreign origins keeps the return route from being an open redirect.
 */
export function checkedReturnUrl(options: AlipayProviderOptions, requested: unknown): string {
  const fallback = options.storefrontReturnUrl;
  if (requested === undefined || requested === null || requested === '') return fallback;
  let url: URL | undefined;
  try {
    url = typeof requested === 'string' ? new URL(requested) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.origin !== new URL(fallback).origin) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `return_url must be an absolute URL on ${new URL(fallback).origin}. / return_url 必须是 ${new URL(fallback).origin} 下的绝对网址。`,
    );
  }
  return url.toString();
}
