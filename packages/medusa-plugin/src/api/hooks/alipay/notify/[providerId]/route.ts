import { createHash } from 'node:crypto';
import type { MedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import type { IPaymentModuleService, Logger } from '@medusajs/framework/types';
import { ContainerRegistrationKeys, Modules } from '@medusajs/framework/utils';
import { RawBodyTooLargeError, readRawBody } from '../../../../../utils/raw-body';

/** Largest notification accepted. Real ones are a few KB; this only bounds memory per request. */
export const MAX_NOTIFY_BYTES = 64 * 1024;

/** The only answer Alipay accepts as "handled"; anything else makes it retry (about 8 times over 25 h). */
const ALIPAY_FAIL = 'fail';

/**
 * `POST /hooks/alipay/notify/:providerId`: Alipay's asynchronous notification (notify_url) for the
 * provider `pp_alipay_<id>` (the `pp_` prefix may be left out, as in Medusa's own webhook route).
 *
 * The body parser is switched off for this route (see `api/middlewares.ts`), so the handler gets the
 * exact bytes Alipay sent — also for `charset=GBK`, which Express's urlencoded parser rejects with
 * 415 — because the signature covers those bytes, decoded in the charset Alipay declares.
 *
 * Signature verification and the payment state change arrive with the payment logic. Until then the
 * route acknowledges nothing: it logs the notification's size and SHA-256 (no content) and answers
 * `fail` with 503, so Alipay keeps the notification and retries later.
 */
export const POST = async (req: MedusaRequest, res: MedusaResponse) => {
  const logger = req.scope.resolve<Logger>(ContainerRegistrationKeys.LOGGER);
  const rawProviderId = String(req.params.providerId ?? '');
  const providerId = rawProviderId.startsWith('pp_') ? rawProviderId : `pp_${rawProviderId}`;

  if (!/^pp_alipay(_[A-Za-z0-9_-]+)?$/.test(providerId) || !(await isRegistered(req, providerId))) {
    res.status(404).type('text/plain').send(ALIPAY_FAIL);
    return;
  }

  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
    res.status(415).type('text/plain').send(ALIPAY_FAIL);
    return;
  }

  let rawBody: Buffer;
  try {
    rawBody = await readRawBody(req, MAX_NOTIFY_BYTES);
  } catch (error) {
    if (error instanceof RawBodyTooLargeError) {
      res.status(413).type('text/plain').send(ALIPAY_FAIL);
      return;
    }
    throw error;
  }

  const sha256 = createHash('sha256').update(rawBody).digest('hex');
  logger.warn(
    `[alipay] notification for ${providerId}: ${rawBody.length} bytes, sha256 ${sha256}, ` +
      `content-type "${contentType.slice(0, 100)}". Verification is wired in the next phase; answered "fail" so Alipay retries.`,
  );
  res.status(503).type('text/plain').send(ALIPAY_FAIL);
};

async function isRegistered(req: MedusaRequest, providerId: string): Promise<boolean> {
  const payment = req.scope.resolve<IPaymentModuleService>(Modules.PAYMENT);
  const providers = await payment.listPaymentProviders({ id: providerId });
  return providers.length > 0;
}
