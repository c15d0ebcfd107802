import type { StorefrontReturnStatus } from '@alipay-commerce/core';
import { ALIPAY_NOTIFY_SEGMENT, ALIPAY_RETURN_SEGMENT, ALIPAY_ROUTE_BASE } from './constants';

/**
 * The order-code placeholder of the removed `storefrontOrderUrl` option. `storefrontReturnUrl` must not
 * contain it: the return redirect names no order (issue 15).
 */
export const ORDER_CODE_PLACEHOLDER = ':code';

/** What the return route tells the storefront: the core's {@link StorefrontReturnStatus}. */
export type AlipayReturnStatus = StorefrontReturnStatus;

/**
 * Joins the public base URL with one of the plugin's endpoint paths. The base may carry a path
 * prefix (a reverse proxy mounting Vendure under `/api`), so it is appended to, not resolved against.
 */
function endpointUrl(
  publicBaseUrl: string,
  segment: string,
  channelToken: string,
  paymentMethodCode: string,
) {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return `${base}/${ALIPAY_ROUTE_BASE}/${segment}/${encodeURIComponent(channelToken)}/${encodeURIComponent(paymentMethodCode)}`;
}

/**
 * The `notify_url` handed to Alipay for a payment of the given channel and payment method: the
 * controller's `POST notify/:channelToken/:paymentMethodCode` route under `publicBaseUrl`.
 */
export function buildNotifyUrl(
  publicBaseUrl: string,
  channelToken: string,
  paymentMethodCode: string,
): string {
  return endpointUrl(publicBaseUrl, ALIPAY_NOTIFY_SEGMENT, channelToken, paymentMethodCode);
}

/**
 * The `return_url` handed to Alipay: the controller's `GET return/:channelToken/:paymentMethodCode`
 * route under `publicBaseUrl`, which forwards the buyer to the storefront's return page.
 */
export function buildReturnUrl(
  publicBaseUrl: string,
  channelToken: string,
  paymentMethodCode: string,
): string {
  return endpointUrl(publicBaseUrl, ALIPAY_RETURN_SEGMENT, channelToken, paymentMethodCode);
}

/**
 * The storefront's return page with the return's status: `storefrontReturnUrl` with `status` set (any
 * query it already has is kept), e.g. `https://shop.example/checkout/alipay?status=paid`. Nothing else:
 * no order code, trade number or session, since whoever paid (a "pay for me" payer too) follows it.
 */
export function buildStorefrontReturnUrl(storefrontReturnUrl: string, status: AlipayReturnStatus): string {
  const url = new URL(storefrontReturnUrl);
  url.searchParams.set('status', status);
  return url.toString();
}
