/**
 * The offline Alipay sandbox as the cross-shop suites use it: started in-process with the fixed demo
 * accounts (the example shops are seeded with them), and its control API (pay as the buyer, faults,
 * deliveries, the movable clock).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SandboxInfo, startSandbox } from '@alipay-commerce/sandbox';
import type { PaymentKind } from './shop-driver';
import { repoRoot } from './shop-process';

export const demoAccountsPath = join(repoRoot, 'examples', 'sandbox', 'demo-accounts.json');

/** One notification attempt as the sandbox records it (`GET /__sandbox/deliveries`). */
export interface Delivery {
  attempt: number;
  copy: number;
  url: string;
  contentType: string;
  body: string;
  params: Record<string, string>;
  outcome: 'success' | 'rejected' | 'http-error' | 'network-error' | 'timeout' | 'dropped';
  status?: number;
  answer?: string;
  notifyId: string;
  tradeStatus?: string;
  tampered?: boolean;
}

/** The sandbox's view of a trade (what the suites read of it). */
export interface SandboxTrade {
  tradeNo: string;
  outTradeNo: string;
  status: string;
  totalFen: number;
  shipment?: { logisticsName?: string; invoiceNo?: string } | null;
}

export type Fault =
  | 'drop-notify'
  | 'duplicate-notify'
  | 'delay-notify'
  | 'reorder-notify'
  | 'gateway-500'
  | 'gateway-hang'
  | 'notify-verify-500'
  | 'notify-verify-hang'
  | 'tamper-signature'
  /** A refund's notifications are delivered (first attempt done) before the refund call is answered. */
  | 'refund-notify-first';

/** One refund of a trade in {@link TestSandbox.ledger}. */
export interface LedgerRefund {
  /** `openapi` (alipay.trade.refund / cancel), `batch` (refund_fastpay_*), `alipay` (Alipay-side refund). */
  source: 'openapi' | 'batch' | 'alipay';
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

export interface DemoAccounts {
  merchants: Array<{ partner: string; key: string; sellerEmail: string; sellerId: string }>;
  apps: Array<{ appId: string; privateKey: string; publicKey: string; sellerId: string }>;
  alipayKeys: { privateKey: string; publicKey: string };
}

/** A running sandbox and its control API. */
export class TestSandbox {
  private constructor(
    private readonly sandbox: Awaited<ReturnType<typeof startSandbox>>,
    readonly accounts: DemoAccounts,
  ) {}

  /** Starts the sandbox on a free loopback port. `timeScale` divides Alipay's delays (retries, expiries). */
  static async start(timeScale = 60): Promise<TestSandbox> {
    const accounts = JSON.parse(readFileSync(demoAccountsPath, 'utf8')) as DemoAccounts;
    const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', timeScale, config: demoAccountsPath });
    return new TestSandbox(sandbox, accounts);
  }

  get url(): string {
    return this.sandbox.url;
  }

  /** What the sandbox announces: its gateways, control API, merchants and apps (with Alipay's public keys). */
  get info(): SandboxInfo {
    return this.sandbox.info();
  }

  close(): Promise<void> {
    return this.sandbox.close();
  }

  async control<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const response = await fetch(`${this.url}/__sandbox/${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox ${method} ${path}: HTTP ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** Who owns trades of this kind at the sandbox: merchant A's partner ID, or the app ID. */
  ownerOf(kind: PaymentKind): { partner: string } | { appId: string } {
    return kind === 'openapi'
      ? { appId: this.accounts.apps[0]!.appId }
      : { partner: this.accounts.merchants[0]!.partner };
  }

  /**
   * Pays a trade as the test buyer, as the cashier would; resolves after the first notification attempt
   * (unless `waitForNotify` is false), with that attempt's deliveries.
   */
  pay(
    kind: PaymentKind,
    outTradeNo: string,
    options: { waitForNotify?: boolean } = {},
  ): Promise<{ trade: SandboxTrade; deliveries: Delivery[] }> {
    return this.control('POST', 'pay', {
      outTradeNo,
      ...this.ownerOf(kind),
      ...(kind === 'legacy-escrow' ? { mode: 'escrow' } : {}),
      ...options,
    });
  }

  /**
   * A refund on Alipay's side, without the shop's API call (`POST /__sandbox/alipay-refund`): an escrow
   * trade waiting for shipment or receipt is refunded whole and closed (`refundStatus: false` leaves
   * refund_status out of its TRADE_CLOSED notification); an instant trade is refunded `amountFen`
   * (default: everything left). Resolves after the first notification attempt (unless `waitForNotify` is
   * false); rejects (HTTP 409) when the trade is not refundable.
   */
  alipayRefund(
    kind: PaymentKind,
    outTradeNo: string,
    options: { amountFen?: number; refundStatus?: boolean; waitForNotify?: boolean } = {},
  ): Promise<{ trade: SandboxTrade; deliveries: Delivery[] }> {
    return this.control('POST', 'alipay-refund', { outTradeNo, ...this.ownerOf(kind), ...options });
  }

  /** Every trade's money as the sandbox knows it: what was paid and every refund, in fen. */
  async ledger(): Promise<LedgerEntry[]> {
    const { trades } = await this.control<{
      trades: Array<{
        tradeNo: string;
        outTradeNo: string;
        status: string;
        totalFen: number;
        refundedFen: number;
        refunds: Array<{
          source: LedgerRefund['source'];
          batchNo?: string;
          outRequestNo?: string;
          amountFen: number;
        }>;
      }>;
    }>('GET', 'trades');
    return trades.map(t => ({
      tradeNo: t.tradeNo,
      outTradeNo: t.outTradeNo,
      status: t.status,
      totalFen: t.totalFen,
      refundedFen: t.refundedFen,
      refunds: t.refunds.map(r => ({
        source: r.source,
        requestNo: r.batchNo ?? r.outRequestNo ?? null,
        amountFen: r.amountFen,
      })),
    }));
  }

  /** The buyer confirms receipt of an escrow trade. */
  confirmReceipt(outTradeNo: string): Promise<unknown> {
    return this.control('POST', 'confirm-receipt', {
      outTradeNo,
      partner: this.accounts.merchants[0]!.partner,
    });
  }

  /** Adds a fault; resolves to its ID. `count` absent: it fires until {@link clearFaults}. */
  async addFault(
    fault: Fault,
    scope: Record<string, string> = {},
    options: { count?: number; ms?: number } = {},
  ): Promise<number> {
    const added = await this.control<{ fault: { id: number } }>('POST', 'faults', {
      fault,
      scope,
      ...options,
    });
    return added.fault.id;
  }

  /** How many times a fault added without `count` has fired so far. */
  async faultFired(id: number): Promise<number> {
    const { faults } = await this.control<{ faults: Array<{ id: number; fired: number }> }>('GET', 'faults');
    const fault = faults.find(f => f.id === id);
    if (!fault) throw new Error(`fault ${id} is gone (was it added with a count?)`);
    return fault.fired;
  }

  /** The owner scope of a kind's trades as a fault scope. */
  scopeOf(kind: PaymentKind): Record<string, string> {
    return this.ownerOf(kind);
  }

  /** Removes every fault and releases hung requests. */
  clearFaults() {
    return this.control('DELETE', 'faults');
  }

  async deliveries(outTradeNo: string): Promise<Delivery[]> {
    const { deliveries } = await this.control<{ deliveries: Delivery[] }>(
      'GET',
      `deliveries?outTradeNo=${encodeURIComponent(outTradeNo)}`,
    );
    return deliveries;
  }

  async trade(outTradeNo: string): Promise<SandboxTrade> {
    const { trade } = await this.control<{ trade: SandboxTrade }>(
      'GET',
      `trades/${encodeURIComponent(outTradeNo)}`,
    );
    return trade;
  }

  /** Moves the sandbox clock; retries and timers that fall due fire, in order, before this resolves. */
  advanceClock(ms: number) {
    return this.control('POST', 'clock/advance', { ms });
  }
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== null) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
