import { ALIPAY_NACK, logSafe, logSafeId, notifyReplyContentType } from '@alipay-commerce/core';
import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { Logger } from '@vendure/core';
import { AlipayCheckoutService } from './alipay-checkout.service';
import { describeTrade } from './alipay-log';
import { AlipayNotificationService } from './alipay-notification.service';
import { ALIPAY_NOTIFY_SEGMENT, ALIPAY_RETURN_SEGMENT, ALIPAY_ROUTE_BASE, loggerCtx } from './constants';
import type { AlipayNotifyReply, VendureHttpRequest } from './types';

/**
 * The part of Express' response the endpoints use. Written out here, so that the published declarations
 * import nothing from `express`, which this package does not depend on (Vendure passes Express'
 * `Response`, which has these methods).
 */
export interface AlipayHttpResponse {
  /** Sets the status code. */
  status(code: number): AlipayHttpResponse;
  /** Sets the `Content-Type`. */
  type(type: string): AlipayHttpResponse;
  /** Sends the body and ends the response. */
  send(body: string): unknown;
  /** Answers with a redirect to `url`. */
  redirect(status: number, url: string): void;
}

/** Why an error is worth logging, without ever logging request bodies or keys. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The two HTTP endpoints Alipay and the buyer's browser reach directly, outside GraphQL:
 * `POST /payments/alipay/notify/:channelToken/:paymentMethodCode` (asynchronous notification) and
 * `GET /payments/alipay/return/:channelToken/:paymentMethodCode` (browser return). Both only
 * translate HTTP to {@link AlipayNotificationService} and {@link AlipayCheckoutService} calls.
 */
@Controller(ALIPAY_ROUTE_BASE)
export class AlipayController {
  constructor(
    private readonly notifications: AlipayNotificationService,
    private readonly checkoutService: AlipayCheckoutService,
  ) {}

  /**
   * Receives an Alipay notification. The body arrives as the raw bytes (the plugin mounts the core's
   * body reader on this route, see `notify-body-parser.ts`), because Alipay may post GBK forms that
   * Nest's urlencoded parser answers with 415, and signatures must be checked on the values decoded
   * with the right charset.
   *
   * Always answers 200 once the body was read: Alipay reads only the body (`text/plain`), and retries
   * until it is `success`; Antom (JSON notifications signed in headers) retries until it reads its exact
   * acknowledgement (`application/json`). A body the reader refuses never gets here (413 / 408 / 400 / 415).
   */
  @Post(`${ALIPAY_NOTIFY_SEGMENT}/:channelToken/:paymentMethodCode`)
  async notify(
    @Param('channelToken') channelToken: string,
    @Param('paymentMethodCode') paymentMethodCode: string,
    @Req() req: VendureHttpRequest,
    @Res() res: AlipayHttpResponse,
  ): Promise<void> {
    // Set by the plugin's notify body reader; a Buffer unless another middleware got there first.
    const rawBody: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let reply: AlipayNotifyReply;
    try {
      reply = await this.notifications.handleNotify({
        channelToken,
        paymentMethodCode,
        rawBody,
        contentType: req.headers['content-type'],
        headers: req.headers,
        req,
      });
    } catch (error) {
      // The service logs failures with the order and trade; this catches what happens before it
      // knows them. "fail" makes Alipay deliver the notification again later.
      Logger.error(
        `${describeTrade({})}: notification for payment method ${logSafeId(paymentMethodCode)} could not be processed, Alipay will retry: ${logSafe(describe(error))}`,
        loggerCtx,
      );
      reply = ALIPAY_NACK;
    }
    // Antom's acknowledgement is JSON; Alipay's `success` / `fail` are plain text.
    res.status(200).type(notifyReplyContentType(reply)).send(reply);
  }

  /**
   * Where Alipay sends the buyer's browser after paying: redirects to the storefront page of the
   * order the trade belongs to. The signed parameters are verified and logged for display only;
   * they never change the order. The page then asks for the verified status
   * (`syncAlipayPaymentStatus`).
   */
  @Get(`${ALIPAY_RETURN_SEGMENT}/:channelToken/:paymentMethodCode`)
  async handleReturn(
    @Param('channelToken') channelToken: string,
    @Param('paymentMethodCode') paymentMethodCode: string,
    @Query() query: Record<string, unknown>,
    @Req() req: VendureHttpRequest,
    @Res() res: AlipayHttpResponse,
  ): Promise<void> {
    try {
      const queryStart = req.originalUrl.indexOf('?');
      const rawQuery = queryStart === -1 ? '' : req.originalUrl.slice(queryStart + 1);
      const target = await this.checkoutService.findReturnRedirect({
        channelToken,
        paymentMethodCode,
        query,
        rawQuery,
      });
      if (target === undefined) {
        res.status(404).type('text/plain').send('Unknown Alipay trade');
        return;
      }
      res.redirect(302, target);
    } catch (error) {
      Logger.error(
        `${describeTrade({})}: return for payment method ${logSafeId(paymentMethodCode)} failed: ${logSafe(describe(error))}`,
        loggerCtx,
      );
      res.status(500).type('text/plain').send('The payment return could not be processed');
    }
  }
}
