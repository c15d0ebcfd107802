import { ALIPAY_NACK } from '@alipay-commerce/core';
import type { MiddlewareHandler } from '@vendure/core';
import { Logger } from '@vendure/core';
import { raw } from 'body-parser';
import type { NextFunction, Request, Response } from 'express';
import { describeTrade } from './alipay-helpers';
import { ALIPAY_NOTIFY_BODY_LIMIT, loggerCtx } from './constants';

/** The fields of body-parser's errors (from `http-errors`) that decide the response. */
interface BodyParserError {
  status?: number;
  type?: string;
}

/**
 * Express middleware for the notify route: reads the body as raw bytes into `req.body` (a Buffer),
 * whatever its content type or charset, up to {@link ALIPAY_NOTIFY_BODY_LIMIT}.
 *
 * A body that cannot be read (too large, aborted, unsupported content encoding) is answered here
 * with body-parser's 4xx status and `fail`. Left to Vendure's exception filter it would become
 * a 500 with an error-level stack trace for what is only a bad request.
 */
export function createNotifyBodyParser(): MiddlewareHandler {
  const readRawBody = raw({ type: '*/*', limit: ALIPAY_NOTIFY_BODY_LIMIT });
  return function alipayNotifyBodyParser(req: Request, res: Response, next: NextFunction): void {
    readRawBody(req, res, (error?: unknown) => {
      if (error === undefined || error === null) {
        next();
        return;
      }
      const { status, type } = error as BodyParserError;
      const clientError = status !== undefined && status >= 400 && status < 500;
      if (!clientError) {
        next(error);
        return;
      }
      Logger.warn(
        `${describeTrade({})}: rejected a notify request body (${type ?? 'unreadable'}, HTTP ${status})`,
        loggerCtx,
      );
      res.status(status).type('text/plain').send(ALIPAY_NACK);
    });
  };
}
