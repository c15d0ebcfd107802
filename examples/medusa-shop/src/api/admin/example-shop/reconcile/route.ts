/**
 * `POST /admin/example-shop/reconcile` — TEST HOOK, off unless the shop runs with
 * `EXAMPLE_SHOP_TEST_HOOKS=true` (the cross-shop reliability suites' Medusa driver sets it). It runs the
 * plugin's reconciliation (what the `alipay-reconcile-payments` job does every 5 minutes) now, with
 * every open payment session due (no "leave young sessions to the notification" delay), and answers
 * once the run is over: `{ checked, applied, failed }`.
 *
 * Admin-only like every `/admin` route (Medusa authenticates them). A real shop has no use for it.
 */
import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import type { MedusaContainer } from '@medusajs/framework/types';

interface ReconcileModule {
  reconcileAlipayPayments(
    container: MedusaContainer,
    options?: { minAgeMs?: number; limit?: number },
  ): Promise<{ checked: number; applied: number; failed: number }>;
}

export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  if (process.env.EXAMPLE_SHOP_TEST_HOOKS !== 'true') {
    res.status(404).json({ type: 'not_found', message: 'Test hooks are off.' });
    return;
  }
  // The plugin ships its built JavaScript without typings: loaded through its `./*` export.
  const { reconcileAlipayPayments } = require('@alipay-commerce/medusa/lib/reconcile') as ReconcileModule;
  const report = await reconcileAlipayPayments(req.scope, { minAgeMs: 0, limit: 1000 });
  res.json(report);
};
