/**
 * The log of gateway requests the sandbox received (legacy `gateway.do` and OpenAPI `gateway.do`), so that
 * a test can count how often a shop called Alipay, and for which trades. Nothing like it exists on the
 * real Alipay.
 */

import type { ServerResponse } from 'node:http';
import type { SandboxContext } from './context';
import type { FaultContext, FaultKind } from './faults';
import { sendHtml } from './http-util';

/**
 * The faults every gateway applies to a call as soon as it arrives: a hang (no answer at all, by default
 * `gateway-hang`) and an error (an HTML 500 page reading `errorPage`, as Alipay's front ends answer when
 * busy; by default `gateway-500`). True when one of them answered the call.
 */
export function answeredByGatewayFault(
  ctx: SandboxContext,
  res: ServerResponse,
  scope: FaultContext,
  errorPage: string,
  faults: { hang: FaultKind; error: FaultKind } = { hang: 'gateway-hang', error: 'gateway-500' },
): boolean {
  if (ctx.faults.take(faults.hang, scope)) {
    ctx.hang(res);
    return true;
  }
  if (ctx.faults.take(faults.error, scope)) {
    sendHtml(res, 500, `<html><body><h1>${errorPage}</h1></body></html>`);
    return true;
  }
  return false;
}

/** One gateway request as the sandbox received it, before any fault or validation. */
export interface GatewayCall {
  /** Sandbox time the request arrived (ms). */
  at: number;
  /** `legacy` (`/gateway.do`, `notify_query.do`), `openapi` (`/openapi/gateway.do`) or `antom` (`/ams/…`). */
  api: 'legacy' | 'openapi' | 'antom';
  /** The legacy `service`, the OpenAPI `method` or the Antom API (`pay`, `refund`…); empty when none. */
  name: string;
  /** The partner, app ID or Antom client ID the request claimed; empty when none. */
  owner: string;
  /** The merchant order numbers the request is about (`out_trade_no`, the trade of a `trade_no`, Antom's `paymentRequestId`). */
  outTradeNos: string[];
}

/** A call as it arrived: what it named (empty when nothing) and which merchant orders it is about. */
export function gatewayCall(
  api: GatewayCall['api'],
  at: number,
  name: string | undefined,
  owner: string | undefined,
  outTradeNos: readonly string[],
): GatewayCall {
  return { at, api, name: name ?? '', owner: owner ?? '', outTradeNos: [...outTradeNos] };
}

/** Filter of `GET /__sandbox/gateway-calls`: every given field must match. */
export interface GatewayCallFilter {
  name?: string;
  owner?: string;
  /** Calls about this exact merchant order number. */
  outTradeNo?: string;
  /** Calls about a merchant order number that starts with this (one shop order's attempts). */
  outTradeNoPrefix?: string;
}

/** The calls that match `filter`. */
export function filterGatewayCalls(calls: readonly GatewayCall[], filter: GatewayCallFilter): GatewayCall[] {
  return calls.filter(
    call =>
      (filter.name === undefined || call.name === filter.name) &&
      (filter.owner === undefined || call.owner === filter.owner) &&
      (filter.outTradeNo === undefined || call.outTradeNos.includes(filter.outTradeNo)) &&
      (filter.outTradeNoPrefix === undefined ||
        call.outTradeNos.some(no => no.startsWith(filter.outTradeNoPrefix as string))),
  );
}
