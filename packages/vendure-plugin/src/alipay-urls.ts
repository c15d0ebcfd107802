import { ALIPAY_NOTIFY_SEGMENT, ALIPAY_RETURN_SEGMENT, ALIPAY_ROUTE_BASE } from './constants';

/** The placeholder that {@link buildStorefrontOrderUrl} replaces with the order code. */
export const ORDER_CODE_PLACEHOLDER = ':code';

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
 * route under `publicBaseUrl`, which forwards the buyer to the storefront order page.
 */
export function buildReturnUrl(
  publicBaseUrl: string,
  channelToken: string,
  paymentMethodCode: string,
): string {
  return endpointUrl(publicBaseUrl, ALIPAY_RETURN_SEGMENT, channelToken, paymentMethodCode);
}

/**
 * The storefront page for an order: every `:code` in `pattern` is replaced by the URL-encoded
 * order code, e.g. `https://shop.example/order/:code` → `https://shop.example/order/AB12CD34`.
 */
export function buildStorefrontOrderUrl(pattern: string, orderCode: string): string {
  return pattern.split(ORDER_CODE_PLACEHOLDER).join(encodeURIComponent(orderCode));
}
