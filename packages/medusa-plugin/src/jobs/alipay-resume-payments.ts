import type { MedusaContainer } from '@medusajs/framework/types';
import { resumeAcceptedPayments } from '../trades/process-trade-event';

/** How often the `alipay-resume-payments` job looks for accepted payments nobody is applying. */
export const RESUME_PAYMENTS_INTERVAL_MS = 10_000;

/**
 * Every 10 seconds: applies accepted Alipay payments (notifications answered `success` before their
 * payment was applied) whose process died before applying them, or whose failed attempt is due for a
 * retry. One indexed query when there is nothing to do; the claims live in the database, so this
 * survives restarts and works across server instances.
 */
export default async function alipayResumePayments(container: MedusaContainer): Promise<void> {
  await resumeAcceptedPayments(container);
}

/** Medusa scheduled-job config. */
export const config = {
  name: 'alipay-resume-payments',
  schedule: { interval: RESUME_PAYMENTS_INTERVAL_MS },
};
