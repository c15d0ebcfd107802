import {
  answerNotifyRequest,
  peekAntomNotification,
  peekNotification,
  RequestBodyError,
  readRequestBody,
} from '@alipay-commerce/core';
import type { MedusaRequest, MedusaResponse } from '@medusajs/framework/http';
import type { IPaymentModuleService, Logger, MedusaContainer } from '@medusajs/framework/types';
import { ContainerRegistrationKeys, Modules } from '@medusajs/framework/utils';
import { type LogIds, logLine } from '../../../../../logging/log-line';
import {
  handleAlipayNotification,
  isJsonNotification,
} from '../../../../../notifications/handle-notification';
import { type NotifyOutcome, notifyOutcomeOf } from '../../../../../notifications/notify-outcome';
import { normalizeProviderId, notifyUrlFor } from '../../../../../settings/provider-options';
import { alipayRuntime, providerSettingsScope } from '../../../../../settings/runtime';

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
 * Antom (cross-border) notifications are JSON signed in headers over the public notify URL: the route
 * hands the headers and that URL to the core, and acknowledges with Antom's exact JSON
 * (`ANTOM_NOTIFICATION_ACK`, application/json, HTTP 200), or answers `fail` with a non-200 status.
 *
 * Answers exactly `success` (text/plain) when the notification was processed or deliberately ignored
 * (duplicate, already captured, a late WAIT_BUYER_PAY, a rejection a retry cannot fix), and `fail`
 * only when Alipay's retry can help (bad signature, settings to fix, transient or database failure),
 * both with HTTP 200 once the body was read; 404 / 415 for requests that are not read, and the core's
 * body reader's 413 / 408 / 400 / 415 for a body it refuses (over 64 KiB counted as the bytes arrive,
 * not complete within 10 s, aborted, compressed). An answer given without the body read to its end
 * carries `Connection: close` and the socket is destroyed (the core's `answerNotifyRequest`): Node
 * would otherwise keep reading, and discarding, an endless body.
 *
 * Every request gets exactly one outcome line in the log, also when it is refused before it is read
 * (unknown provider, not a form, too large): `[alipay] notify request accepted (<reason>): …` (info) when
 * the notification was verified and processed as news (a payment applied, a status or an orphan
 * recorded), else `[alipay] notify request refused (<reason>): …` (warn), `<reason>` machine-readable
 * (`bad_signature`, `wrong_amount`, `duplicate`, `body:entity.too.large`, …). Request-derived text in the
 * line is escaped (see `logLine`), so a forged field cannot add a line.
 */
export const POST = async (req: MedusaRequest, res: MedusaResponse) => {
  const rawProviderId = String(req.params.providerId ?? '');
  const ids: LogIds = { provider: rawProviderId };
  const answer = (status: number, reply: string, outcome: NotifyOutcome, meaning = status) => {
    logNotifyOutcome(
      req.scope,
      outcome,
      meaning === status ? `HTTP ${status}` : `HTTP ${status} (${meaning})`,
      reply.startsWith('{') ? 'ACK' : reply,
      ids,
    );
    answerNotifyRequest(req, res, status, reply);
  };
  try {
    const providerId = normalizeProviderId(rawProviderId);
    if (!/^pp_alipay(_[A-Za-z0-9_-]+)?$/.test(providerId) || !(await isRegistered(req.scope, providerId))) {
      answer(404, ALIPAY_FAIL, { verdict: 'refused', reason: 'unknown_provider' });
      return;
    }
    ids.provider = providerId;

    const contentType = req.headers['content-type'] ?? '';
    // JSON is Antom's: only a provider with Antom settings reads it; the others take forms only.
    const json = isJsonNotification(contentType) && (await takesAntom(req.scope, providerId));
    if (!json && !/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
      answer(415, ALIPAY_FAIL, { verdict: 'refused', reason: 'body:content.type.unsupported' });
      return;
    }

    let rawBody: Buffer;
    try {
      rawBody = await readRequestBody(req);
    } catch (error) {
      if (!(error instanceof RequestBodyError)) throw error;
      // Too large, too slow, aborted (nobody reads that answer) or compressed.
      answer(error.status, ALIPAY_FAIL, { verdict: 'refused', reason: `body:${error.type}` });
      return;
    }

    // Unverified, for the log line only: the notification itself is read only once verified.
    const peek = json ? peekAntomNotification(rawBody) : peekNotification(rawBody, contentType);
    ids.outTradeNo = peek?.outTradeNo;
    ids.trade = peek?.tradeNo;
    const handled = await handleAlipayNotification(req.scope, providerId, rawBody, contentType, {
      headers: req.headers,
      // What Antom signed: the public notify URL this provider gives every trade it starts.
      notifyUrl: notifyUrlFor(alipayRuntime(req.scope, providerId).options, providerId),
    });
    // Alipay reads only the body (anything but `success` is retried); a read form notification is
    // answered HTTP 200 whatever the verdict, as Alipay's own examples do. `handled.status` is what the
    // verdict would mean in HTTP terms (400 a retryable rejection, 503 a failure): logged, not sent.
    // Antom retries anything but its exact acknowledgement with HTTP 200: a retry is asked for with
    // that status too, which no reading of the answer can mistake for an acknowledgement.
    const retryStatus = handled.status === 200 ? 503 : handled.status;
    const status = json && handled.reply === ALIPAY_FAIL ? retryStatus : 200;
    answer(status, handled.reply, notifyOutcomeOf(handled), handled.status);
  } catch (error) {
    // handleAlipayNotification never throws: this is the provider lookup (database down…). Alipay retries.
    req.scope
      .resolve<Logger>(ContainerRegistrationKeys.LOGGER)
      .error(logLine(`notify request failed: ${(error as Error)?.message ?? error}`, ids));
    if (res.headersSent) return;
    answer(503, ALIPAY_FAIL, { verdict: 'refused', reason: 'unexpected_error' });
  }
};

/** The one outcome line of a notify request (see {@link POST}). */
function logNotifyOutcome(
  container: MedusaContainer,
  outcome: NotifyOutcome,
  status: string,
  reply: string,
  ids: LogIds,
): void {
  const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER);
  const line = logLine(`notify request ${outcome.verdict} (${outcome.reason}): ${status} ${reply}`, ids);
  if (outcome.verdict === 'accepted') logger.info(line);
  else logger.warn(line);
}

/**
 * Whether the provider reads Antom's JSON: its settings hold an Antom client ID, as they do while its
 * interface type is `antom` and after a switch away from it (the form keeps the hidden fields), so that
 * its Antom trades' late notifications are still read. Unusable settings: not known to.
 */
async function takesAntom(container: MedusaContainer, providerId: string): Promise<boolean> {
  try {
    const rt = alipayRuntime(container, providerId);
    const values = await rt.settings.getSettings(
      providerSettingsScope(rt.options) ?? null,
      rt.options.settings ?? {},
    );
    return values.interfaceType === 'antom' || Boolean(values.antomClientId);
  } catch {
    return false;
  }
}

async function isRegistered(container: MedusaContainer, providerId: string): Promise<boolean> {
  const payment = container.resolve<IPaymentModuleService>(Modules.PAYMENT);
  const providers = await payment.listPaymentProviders({ id: providerId });
  return providers.length > 0;
}
