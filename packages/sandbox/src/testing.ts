/**
 * `@alipay-commerce/sandbox/testing`: the sandbox as test suites drive it. One harness for every suite
 * (the core's conformance tests, the plugins' specs, the browser and reliability suites): start a
 * sandbox on a free loopback port, and a typed client of its control API (`/__sandbox/*`) — pay as the
 * buyer, Alipay-side refunds, deliveries, trades and the money ledger, faults, the movable clock.
 *
 * The client speaks HTTP only, so it works as well against a sandbox in another process (the example
 * shops' `pnpm demo`, the install test) as against one started here.
 *
 * @packageDocumentation
 */
import type { AntomPaymentView } from './antom-control';
import type { Fault, FaultInput } from './faults';
import type { DeliveryRecord } from './notifier';
import { type Sandbox, type SandboxOptions, startSandbox } from './server';

export type { AntomPaymentView, AntomRefundView } from './antom-control';

/** One notification attempt as `GET /__sandbox/deliveries` returns it. */
export type Delivery = DeliveryRecord;

/** Who owns a trade at the sandbox: a legacy partner ID or an OpenAPI app ID. */
export type TradeOwner = { partner: string } | { appId: string };

/** One refund of a trade, as the control API shows it. */
export interface SandboxRefundView {
  /** `openapi` (alipay.trade.refund / cancel), `batch` (refund_fastpay_*), `alipay` (Alipay-side). */
  source: 'openapi' | 'batch' | 'alipay';
  batchNo?: string;
  outRequestNo?: string;
  amountFen: number;
  amount: string;
  at: string;
  [field: string]: unknown;
}

/**
 * A trade as the control API shows it (`GET /__sandbox/trades/:id`). The fields the suites read are
 * typed; the rest of the view (request, logistics, times) is there as plain JSON.
 */
export interface SandboxTrade {
  tradeNo: string;
  outTradeNo: string;
  generation: 'legacy' | 'openapi';
  partner?: string;
  appId?: string;
  service: string;
  status: string;
  charset: string;
  sellerEmail?: string;
  sellerId?: string;
  totalFen: number;
  totalAmount: string;
  refundedFen: number;
  refundedAmount: string;
  refunds: SandboxRefundView[];
  shipment?: { logisticsName?: string; invoiceNo?: string; [field: string]: unknown } | null;
  history: Array<{ event?: string; status?: string; at: string; [field: string]: unknown }>;
  [field: string]: unknown;
}

/** One refund of a trade in {@link SandboxControl.ledger}. */
export interface LedgerRefund {
  source: SandboxRefundView['source'];
  /** The batch_no, the out_request_no, or the number Alipay gave its own refund; null for a cancel. */
  requestNo: string | null;
  amountFen: number;
}

/** The money of one trade as the sandbox (the truth of money moved) knows it. */
export interface LedgerEntry {
  tradeNo: string;
  outTradeNo: string;
  status: string;
  totalFen: number;
  refundedFen: number;
  refunds: LedgerRefund[];
}

/** A registered fault (`GET /__sandbox/faults`): its ID, scope, remaining and fired counts. */
export type SandboxFault = Fault;

/** What the control API answers after a buyer payment or an Alipay-side refund. */
export interface TradeOutcome {
  trade: SandboxTrade;
  /** The trade's deliveries so far (the first attempt is done unless `waitForNotify: false`). */
  deliveries: Delivery[];
}

/** A control-API call that did not answer 2xx; `status` and the parsed body are kept for assertions. */
export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`sandbox ${what} → HTTP ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.name = 'SandboxControlError';
  }
}

/**
 * A typed client of a sandbox's control API. Every method is one HTTP call; a non-2xx answer rejects
 * with {@link SandboxControlError} (use {@link SandboxControl.call} to look at a refusal instead).
 */
export class SandboxControl {
  /** @param url The sandbox's base URL, e.g. `http://127.0.0.1:4010`. */
  constructor(readonly url: string) {}

  /** Calls `/__sandbox/<path>` and returns the status and the parsed JSON answer, whatever the status. */
  async call<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }> {
    const response = await fetch(`${this.url}/__sandbox/${path.replace(/^\//, '')}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON: kept as text for the error message.
    }
    return { status: response.status, json: json as T };
  }

  /** Calls `/__sandbox/<path>` and returns the parsed answer; rejects unless the answer is 2xx. */
  async request<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const { status, json } = await this.call<T>(method, path, body);
    if (status < 200 || status > 299) throw new SandboxControlError(status, json, `${method} ${path}`);
    return json;
  }

  /** The start-up data: merchants, apps, keys (test material), URLs. */
  config<T = Record<string, unknown>>(): Promise<T> {
    return this.request<T>('GET', 'config');
  }

  /**
   * Pays a trade as the test buyer, as the cashier would. Resolves after the first notification
   * attempt (unless `waitForNotify` is false), with that trade's deliveries.
   */
  pay(
    input: TradeOwner & {
      outTradeNo: string;
      mode?: 'instant' | 'escrow';
      logisticsChoice?: number;
      waitForNotify?: boolean;
    },
  ): Promise<TradeOutcome & { redirect: { url: string } | null }> {
    return this.request('POST', 'pay', input);
  }

  /**
   * A refund on Alipay's side, without the shop's call (buyer protection, customer service, merchant
   * portal): a legacy escrow trade is refunded whole and closed (`refundStatus: false` leaves
   * `refund_status` out of its TRADE_CLOSED notification); an instant trade is refunded `amountFen`
   * (default: everything left). Rejects with HTTP 409 when the trade is not refundable.
   */
  alipayRefund(
    input: TradeOwner & {
      outTradeNo: string;
      amountFen?: number;
      refundStatus?: boolean;
      waitForNotify?: boolean;
    },
  ): Promise<TradeOutcome> {
    return this.request('POST', 'alipay-refund', input);
  }

  /**
   * Antom: finishes a payment as the buyer at the Antom cashier — `SUCCESS` (default) pays, `FAIL` fails,
   * `PENDING` leaves it pending — and resolves after the first notification attempt (unless
   * `waitForNotify` is false). `redirect` is the payment's `paymentRedirectUrl`. Rejects with HTTP 409
   * when the payment is not open.
   */
  antomPay(input: {
    paymentId?: string;
    paymentRequestId?: string;
    clientId?: string;
    outcome?: 'SUCCESS' | 'FAIL' | 'PENDING';
    waitForNotify?: boolean;
  }): Promise<{ payment: AntomPaymentView; redirect: string | null; deliveries: Delivery[] }> {
    return this.request('POST', 'antom/pay', input);
  }

  /** Antom: one payment by paymentId or paymentRequestId (a clientId narrows it when IDs repeat). */
  async antomPayment(id: string, clientId?: string): Promise<AntomPaymentView> {
    const search = clientId ? `?${new URLSearchParams({ clientId })}` : '';
    return (
      await this.request<{ payment: AntomPaymentView }>(
        'GET',
        `antom/payments/${encodeURIComponent(id)}${search}`,
      )
    ).payment;
  }

  /** Antom: every payment the sandbox knows, with its refunds. */
  async antomPayments(): Promise<AntomPaymentView[]> {
    return (await this.request<{ payments: AntomPaymentView[] }>('GET', 'antom/payments')).payments;
  }

  /** The buyer opens the cashier page: from then on the trade exists for queries, as on Alipay. */
  async openCashier(input: TradeOwner & { outTradeNo: string }): Promise<SandboxTrade> {
    return (await this.request<{ trade: SandboxTrade }>('POST', 'open-cashier', input)).trade;
  }

  /**
   * The buyer's browser follows a signed request URL (a `redirect_url` / page-pay URL) to the cashier
   * page and loads it. Returns the cashier page's URL.
   */
  async openRequest(requestUrl: string): Promise<string> {
    const response = await fetch(requestUrl, { redirect: 'manual' });
    if (response.status !== 302 && response.status !== 303) {
      throw new Error(
        `opening the Alipay request answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    }
    const cashier = new URL(response.headers.get('location') ?? '', requestUrl).toString();
    const page = await fetch(cashier);
    if (!page.ok) throw new Error(`the cashier page answered ${page.status}`);
    await page.text();
    return cashier;
  }

  /** The buyer confirms receipt of an escrow trade. */
  async confirmReceipt(input: TradeOwner & { outTradeNo: string }): Promise<SandboxTrade> {
    return (await this.request<{ trade: SandboxTrade }>('POST', 'confirm-receipt', input)).trade;
  }

  /** One trade by merchant or Alipay trade number (an owner narrows it when numbers repeat). */
  async trade(id: string, owner?: TradeOwner): Promise<SandboxTrade> {
    const search = owner ? `?${new URLSearchParams(owner as Record<string, string>)}` : '';
    return (await this.request<{ trade: SandboxTrade }>('GET', `trades/${encodeURIComponent(id)}${search}`))
      .trade;
  }

  /** Every trade the sandbox knows. */
  async trades(): Promise<SandboxTrade[]> {
    return (await this.request<{ trades: SandboxTrade[] }>('GET', 'trades')).trades;
  }

  /** Every trade's money as the sandbox knows it: what was paid and every refund, in fen. */
  async ledger(): Promise<LedgerEntry[]> {
    return (await this.trades()).map(trade => ({
      tradeNo: trade.tradeNo,
      outTradeNo: trade.outTradeNo,
      status: trade.status,
      totalFen: trade.totalFen,
      refundedFen: trade.refundedFen,
      refunds: trade.refunds.map(refund => ({
        source: refund.source,
        requestNo: refund.batchNo ?? refund.outRequestNo ?? null,
        amountFen: refund.amountFen,
      })),
    }));
  }

  /**
   * Notification attempts, oldest first. A string is a merchant trade number; an object filters by any
   * of `outTradeNo`, `partner`, `appId`, `clientId`, `batchNo`, `notifyId`, `kind`, `tradeNo` (Antom: the
   * paymentRequestId is the `outTradeNo`, the paymentId the `tradeNo`).
   */
  async deliveries(filter: string | Record<string, string> = {}): Promise<Delivery[]> {
    const query = typeof filter === 'string' ? { outTradeNo: filter } : filter;
    const search = new URLSearchParams(query).toString();
    return (await this.request<{ deliveries: Delivery[] }>('GET', `deliveries${search ? `?${search}` : ''}`))
      .deliveries;
  }

  /** Notifications with their state (pending, retrying, acknowledged, given up) and next attempt. */
  async notifications<T = Record<string, unknown>>(): Promise<T[]> {
    return (await this.request<{ notifications: T[] }>('GET', 'notifications')).notifications;
  }

  /** Gateway calls the sandbox received, optionally filtered (`name`, `owner`, `outTradeNo`, `outTradeNoPrefix`). */
  async gatewayCalls<T = Record<string, unknown>>(filter: Record<string, string> = {}): Promise<T[]> {
    const search = new URLSearchParams(filter).toString();
    return (await this.request<{ calls: T[] }>('GET', `gateway-calls${search ? `?${search}` : ''}`)).calls;
  }

  /** Adds a fault; without `count` it fires until {@link clearFaults}. */
  async addFault(input: FaultInput): Promise<SandboxFault> {
    return (await this.request<{ fault: SandboxFault }>('POST', 'faults', input)).fault;
  }

  /** The registered faults. */
  async faults(): Promise<SandboxFault[]> {
    return (await this.request<{ faults: SandboxFault[] }>('GET', 'faults')).faults;
  }

  /** How many times a fault added without `count` has fired so far. */
  async faultFired(id: number): Promise<number> {
    const fault = (await this.faults()).find(f => f.id === id);
    if (!fault) throw new Error(`fault ${id} is gone (was it added with a count?)`);
    return fault.fired;
  }

  /** Removes every fault and releases hung requests. */
  async clearFaults(): Promise<void> {
    await this.request('DELETE', 'faults');
  }

  /** Moves the sandbox clock; retries and timers that fall due fire, in order, before this resolves. */
  async advanceClock(ms: number): Promise<void> {
    await this.request('POST', 'clock/advance', { ms });
  }

  /** Forgets trades, notifications, faults and the clock offset; keeps accounts and keys. */
  async reset(): Promise<void> {
    await this.request('POST', 'reset');
  }
}

/**
 * A browser at the sandbox's cashier page: submits its pay form with the pre-filled test buyer's account
 * and password (`form` overrides or adds fields, e.g. a wrong `password`, an escrow `logistics` choice).
 * Redirects are not followed: the answer is the cashier's own (a redirect to the merchant's return URL,
 * or the page again with an error).
 */
export async function submitCashier(
  cashierHtml: string,
  cashierUrl: string,
  form: Record<string, string> = {},
): Promise<Response> {
  const action = /action="([^"]+\/pay)"/.exec(cashierHtml)?.[1];
  if (!action) throw new Error(`no cashier at ${cashierUrl}: ${cashierHtml.slice(0, 300)}`);
  const account = /id="account"[^>]*value="([^"]*)"/.exec(cashierHtml)?.[1] ?? '';
  const password = /id="password"[^>]*value="([^"]*)"/.exec(cashierHtml)?.[1] ?? '';
  return fetch(new URL(action, cashierUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ account, password, ...form }).toString(),
    redirect: 'manual',
  });
}

/** A sandbox started for a test run, with its control API. */
export interface TestSandbox extends SandboxControl {
  /** The in-process sandbox (its accounts, keys and URLs). */
  readonly sandbox: Sandbox;
  /** Stops timers, releases hung requests and closes the server. */
  close(): Promise<void>;
}

/**
 * Starts a sandbox for tests on a free loopback port (`port: 0`, `127.0.0.1` unless given) and returns
 * its control-API client. `timeScale` divides Alipay's delays (retries, expiries); `config` is an
 * accounts object or the path of a JSON file (e.g. the example shops' demo accounts).
 */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', ...options });
  const control = new SandboxControl(sandbox.url) as SandboxControl & {
    sandbox: Sandbox;
    close: () => Promise<void>;
  };
  Object.defineProperty(control, 'sandbox', { value: sandbox, enumerable: false });
  control.close = () => sandbox.close();
  return control;
}

/**
 * Polls `probe` until it returns something other than `undefined`, `null` or `false`, and returns it.
 * Errors thrown by the probe count as "not yet"; after `timeoutMs` it rejects naming `what` and the
 * last error.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: { what?: string; timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const { what = 'the condition', timeoutMs = 20_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? `: ${last.message}` : last ? `: ${String(last)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
