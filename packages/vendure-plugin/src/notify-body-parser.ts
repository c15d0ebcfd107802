import { ALIPAY_NACK, answerNotifyRequest, RequestBodyError, readRequestBody } from '@alipay-commerce/core';
import type { MiddlewareHandler } from '@vendure/core';
import { Logger } from '@vendure/core';
import type { NextFunction, Request, Response } from 'express';
import { describeTrade } from './alipay-log';
import { loggerCtx } from './constants';

/**
 * Express middleware for the notify route: reads the body as raw bytes into `req.body` (a Buffer),
 * whatever its content type or charset, with the core's {@link readRequestBody} (64 KiB counted as the
 * bytes arrive, 10 s for the whole body).
 *
 * A body that is not read (too large, too slow, aborted, compressed) is answered here, with the core's
 * status (413, 408, 400, 415), `fail` and `Connection: close`, and the socket is destroyed
 * ({@link answerNotifyRequest}). Left to Vendure's exception filter it would become a 500 with an
 * error-level stack trace for what is only a bad request.
 */
export function createNotifyBodyParser(): MiddlewareHandler {
  return function alipayNotifyBodyParser(req: Request, res: Response, next: NextFunction): void {
    readRequestBody(req).then(
      body => {
        req.body = body;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof RequestBodyError)) {
          next(error);
          return;
        }
        Logger.warn(
          `${describeTrade({})}: rejected a notify request body (${error.type}, HTTP ${error.status}, ${error.received} bytes read)`,
          loggerCtx,
        );
        answerNotifyRequest(req, res, error.status, ALIPAY_NACK);
      },
    );
  };
}
