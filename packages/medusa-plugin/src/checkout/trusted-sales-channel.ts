import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import { PLUGIN_SESSION_KEYS, SESSION_INPUT_KEYS } from '../shared/session-data';
import { cartOfPaymentCollection } from '../trades/session-target';

/**
 * The shopper's session `data` with every key the plugin owns removed (`out_trade_no`, `trade_no`,
 * `alipay_status`, …; the inputs `device`, `return_url`, `as` stay) and the trusted `sales_channel_id` set. The provider overwrites those keys on
 * success anyway; removing them here also covers Medusa's failure path, which hands the shopper's
 * `data` to `deletePayment` — a crafted `out_trade_no` must not make it close someone else's trade.
 */
function trustedData(data: unknown, salesChannelId: string | null): Record<string, unknown> {
  const clean: Record<string, unknown> =
    data && typeof data === 'object' && !Array.isArray(data) ? { ...(data as Record<string, unknown>) } : {};
  for (const key of PLUGIN_SESSION_KEYS) {
    if (!(SESSION_INPUT_KEYS as readonly string[]).includes(key)) delete clean[key];
  }
  clean.sales_channel_id = salesChannelId;
  return clean;
}

/**
 * Middleware of `POST /store/payment-collections/:id/payment-sessions` for Alipay providers: writes
 * the cart's own sales channel into the session data as `sales_channel_id`, overwriting whatever the
 * shopper sent, and drops the other keys the plugin owns (see {@link trustedData}).
 *
 * The sales channel picks the seller for marketplaces (C2C): its Alipay settings override the global
 * ones. Session `data` comes from the shopper, so the provider must not take the channel from there —
 * it takes it from this value, resolved server-side from the payment collection's cart with `query`.
 * The notify route then verifies the seller against the same scope.
 */
export async function trustedSalesChannel(
  req: MedusaRequest,
  _res: MedusaResponse,
  next: MedusaNextFunction,
) {
  try {
    const body = req.body as { provider_id?: unknown; data?: Record<string, unknown> } | undefined;
    if (!body || typeof body.provider_id !== 'string' || !body.provider_id.startsWith('pp_alipay_')) {
      return next();
    }
    const cart = await cartOfPaymentCollection(req.scope, String(req.params.id));
    const salesChannelId = cart?.salesChannelId ?? null;
    body.data = trustedData(body.data, salesChannelId);
    // Medusa's validator may already have produced `validatedBody` from the shopper's body.
    const validated = (req as { validatedBody?: { data?: Record<string, unknown> } }).validatedBody;
    if (validated) validated.data = trustedData(validated.data, salesChannelId);
    return next();
  } catch (error) {
    return next(error);
  }
}
