import { type StorefrontReturnStatus, storefrontReturnStatus } from '@alipay-commerce/core';
import type { MedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { logLine } from '../../../../../logging/log-line';
import { normalizeProviderId } from '../../../../../settings/provider-options';
import { alipayRuntime } from '../../../../../settings/runtime';
import { loadSessionTarget, OUR_OUT_TRADE_NO } from '../../../../../trades/session-target';
import { tradeOriginOf } from '../../../../../trades/trade-origin';

/**
 * `GET /hooks/alipay/return/:providerId?<Alipay's signed parameters>`: where Alipay sends the buyer's
 * browser after the cashier. It verifies the signature **for display only** — a return URL is
 * forgeable by the buyer and never changes a payment; the notification (or the reconciliation job)
 * does — and redirects to the storefront's return page with `status` only: `paid`, `authorized`
 * (escrow), `pending` (not confirmed yet) or `unverified`.
 *
 * The redirect names no cart, session, payment collection or order (issue 15): anyone can call this
 * route with an `out_trade_no`, which appears in payment URLs, on the payer's Alipay bill and in "pay
 * for me" links, and those IDs, with the public publishable key, would show the buyer's e-mail, address
 * and phone. The storefront knows its own cart (its cookie or session): it polls or completes that
 * cart, and finds the order through it.
 */
export const GET = async (req: MedusaRequest, res: MedusaResponse) => {
  const providerId = normalizeProviderId(String(req.params.providerId ?? ''));
  let rt: ReturnType<typeof alipayRuntime>;
  try {
    rt = alipayRuntime(req.scope, providerId);
  } catch {
    res.status(404).type('text/plain').send('Unknown payment provider / 未知的支付方式');
    return;
  }
  // The raw query: its percent-escapes are bytes of the merchant's charset (GBK merchants).
  const rawQuery = req.originalUrl.includes('?')
    ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
    : '';
  const outTradeNo = new URLSearchParams(rawQuery).get('out_trade_no') ?? '';
  const target = OUR_OUT_TRADE_NO.test(outTradeNo) ? await loadSessionTarget(req.scope, outTradeNo) : null;
  const storefront = new URL(
    typeof target?.data.return_url === 'string' ? target.data.return_url : rt.options.storefrontReturnUrl,
  );

  let status: StorefrontReturnStatus = 'unverified';
  let tradeNo: string | undefined;
  try {
    const scope = typeof target?.data.sales_channel_id === 'string' ? target.data.sales_channel_id : null;
    // Verified with the generation the trade was created with (the shop may have switched since).
    const scoped = await rt.facadeForTrade(scope, tradeOriginOf(target?.data), outTradeNo);
    const verdict = scoped.alipay.handleReturn(rawQuery);
    if (
      verdict.ok &&
      verdict.event.type === 'trade' &&
      target &&
      verdict.event.outTradeNo === target.outTradeNo
    ) {
      tradeNo = verdict.event.tradeNo;
      status = storefrontReturnStatus(verdict.event.status);
    } else if (!verdict.ok) {
      rt.logger.warn(logLine(`return not verified (${verdict.reason}): ${verdict.message}`, { outTradeNo }));
    }
  } catch (error) {
    rt.logger.warn(logLine(`return not verified: ${(error as Error).message}`, { outTradeNo }));
  }
  rt.logger.info(
    logLine(`buyer returned from Alipay: ${status}`, {
      outTradeNo,
      cart: target?.cartId,
      trade: tradeNo,
    }),
  );

  storefront.searchParams.set('status', status);
  res.redirect(302, storefront.toString());
};
