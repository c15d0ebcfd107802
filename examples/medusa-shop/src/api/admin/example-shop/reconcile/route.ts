/**
 * `POST /admin/example-shop/reconcile` — TEST HOOK, off unless the shop runs with
 * `EXAMPLE_SHOP_TEST_HOOKS=true` (the cross-shop reliability suites' Medusa driver sets it). It runs the
 * plugin's reconciliation (what the `alipay-reconcile-payments` job does on the core's schedule) now,
 * with everything due at once (`minAgeMs: 0` instead of the core's `RECONCILE_AFTER_MS`: open payment
 * sessions, escrow payments, unanswered or uncertain refunds, orphans to auto-refund, settled refunds
 * Medusa has no record of), and answers once the run is over:
 * `{ checked, applied, refunds, recorded, failed }`.
 *
 * Admin-only like every `/admin` route (Medusa authenticates them). A real shop has no use for it.
 */
import type { AuthenticatedMedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import type { MedusaContainer } from '@medusajs/framework/types';

interface ReconcileModule {
  reconcileAlipayPayments(
    container: MedusaContainer,
    options?: { minAgeMs?: number; limit?: number },
  ): Promise<{ checked: number; applied: number; refunds: number; recorded: number; failed: number }>;
}

export const POST = async (req: AuthenticatedMedusaRequest, res: MedusaResponse) => {
  if (process.env.EXAMPLE_SHOP_TEST_HOOKS !== 'true') {
    res.status(404).json({ type: 'not_found', message: 'Test hooks are off.' });
    return;
  }
  // The plugin ships its built JavaScript without typings: loaded through its `./*` export.
  const { reconcileAlipayPayments } =
    require('@alipay-commerce/medusa/reconciliation/reconcile') as ReconcileModule;
  const report = await reconcileAlipayPayments(req.scope, { minAgeMs: 0, limit: 1000 });
  res.json(report);
};
