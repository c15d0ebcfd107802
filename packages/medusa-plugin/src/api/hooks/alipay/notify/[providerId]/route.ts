import type { MedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import type { IPaymentModuleService, MedusaContainer } from '@medusajs/framework/types';
import { Modules } from '@medusajs/framework/utils';
import { handleAlipayNotification } from '../../../../../lib/notification';
import { normalizeProviderId } from '../../../../../lib/provider-options';
import { RawBodyTooLargeError, readRawBody } from '../../../../../utils/raw-body';

/** Largest notification accepted. Real ones are a few KB; this only bounds memory per request. */
export const MAX_NOTIFY_BYTES = 64 * 1024;

/** The answer that makes Alipay retry. */
const ALIPAY_FAIL = 'fail';

/**
 * `POST /hooks/alipay/notify/:providerId`: Alipay's asynchronous notification (notify_url) for the
 * provider `pp_alipay_<id>` (the `pp_` prefix may be left out, as in Medusa's own webhook route).
 *
 * The body parser is switched off for this route (see `api/middlewares.ts`), so the handler gets the
 * exact bytes Alipay sent — also for `charset=GBK`, which Express's urlencoded parser rejects with
 * 415 — because the signature covers those bytes, decoded in the charset Alipay declares.
 *
 * Answers exactly `success` (text/plain) when the notification was processed or deliberately ignored
 * (duplicate, already captured, a late WAIT_BUYER_PAY, a rejection a retry cannot fix), and `fail`
 * only when Alipay's retry can help (bad signature, settings to fix, transient or database failure).
 */
export const POST = async (req: MedusaRequest, res: MedusaResponse) => {
  const providerId = normalizeProviderId(String(req.params.providerId ?? ''));
  if (!/^pp_alipay(_[A-Za-z0-9_-]+)?$/.test(providerId) || !(await isRegistered(req.scope, providerId))) {
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

  const answer = await handleAlipayNotification(req.scope, providerId, rawBody, contentType);
  res.status(answer.status).type('text/plain').send(answer.reply);
};

async function isRegistered(container: MedusaContainer, providerId: string): Promise<boolean> {
  const payment = container.resolve<IPaymentModuleService>(Modules.PAYMENT);
  const providers = await payment.listPaymentProviders({ id: providerId });
  return providers.length > 0;
}
