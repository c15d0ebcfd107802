import { afterAll, afterEach, beforeAll } from 'vitest';
import type { AppInfo, MerchantInfo, Sandbox, SandboxOptions } from '../src';
import { type SandboxControl, startTestSandbox, type TestSandbox } from '../src/testing';
import {
  callOpenApi,
  control,
  type Json,
  legacyUrl,
  paidDirectTrade,
  paidOpenApiTrade,
  Receiver,
} from './helpers';

/**
 * The fixture every sandbox test file shares: one sandbox (started with the package's own test harness,
 * `@alipay-commerce/sandbox/testing`) and one notify_url receiver per file, started before its tests and
 * closed after them. Between tests the faults are cleared and the receiver's scripted answers forgotten,
 * so that no test leaks a fault or a hung answer into the next one.
 */
export interface SandboxSuite {
  /** The running sandbox (set once the file's `beforeAll` ran). */
  readonly sandbox: Sandbox;
  /** The harness's typed control-API client of this sandbox. */
  readonly control: SandboxControl;
  /** The merchant's notify_url server (`${receiver.url}/notify`). */
  readonly receiver: Receiver;
  /** A fresh merchant order number: the file's prefix, the time and a counter. */
  order(): string;
  /** The first configured merchant (A in the default accounts). */
  A(): MerchantInfo;
  /** The second configured merchant (B: instant payment only, in the default accounts). */
  B(): MerchantInfo;
  /** The first configured OpenAPI app. */
  app(): AppInfo;
  /** A paid legacy instant trade (default merchant A) notifying `${receiver.url}/notify`. */
  paidDirect(
    totalFee?: string,
    options?: { subject?: string; merchant?: MerchantInfo },
  ): Promise<{ outTradeNo: string; tradeNo: string }>;
  /**
   * The parameters of an instant-payment create request (create_direct_pay_by_user) of merchant A: a
   * fresh out_trade_no, 1.00 yuan, notify and return URLs on the receiver. `extra` adds or overrides.
   */
  directParams(extra?: Record<string, string>): Record<string, string> & { out_trade_no: string };
  /** Precreates an unpaid OpenAPI trade of the first app (no notify_url); returns its out_trade_no. */
  precreate(amount?: string, subject?: string): Promise<string>;
  /**
   * Creates an unpaid escrow trade of merchant A (or a dual one with `trade_create_by_buyer`): price × 1,
   * express shipping the seller pays, notifying `${receiver.url}/notify` unless `notify` is false. The
   * gateway's redirect is not followed. Returns its out_trade_no.
   */
  createEscrow(options?: {
    service?: string;
    price?: string;
    subject?: string;
    notify?: boolean;
  }): Promise<string>;
  /** A paid OpenAPI trade of the first app notifying `${receiver.url}/notify`; its out_trade_no. */
  paidOpenApi(amount?: string, subject?: string): Promise<string>;
  /**
   * A fresh refund batch_no: today's date on the sandbox clock (tests may have advanced it), the file's
   * prefix, the time and a counter.
   */
  batchNo(): Promise<string>;
  /** The notification attempts of one trade, oldest first (control API). */
  deliveries(outTradeNo: string): Promise<Json[]>;
}

/**
 * Registers the file's hooks and returns the suite. `prefix` keeps order numbers of different files
 * apart in logs; `options` are the sandbox's (accounts, time scale).
 */
export function sandboxSuite(prefix: string, options: SandboxOptions = {}): SandboxSuite {
  let harness: TestSandbox | undefined;
  let sandbox: Sandbox | undefined;
  let receiver: Receiver | undefined;
  let seq = 0;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the sandbox suite is used before its beforeAll ran');
    return value;
  };
  beforeAll(async () => {
    harness = await startTestSandbox(options);
    sandbox = harness.sandbox;
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });
  afterEach(async () => {
    await harness?.clearFaults();
    if (receiver) {
      receiver.replies = [];
      receiver.fallback = 'success';
    }
  });
  const suite: SandboxSuite = {
    get sandbox() {
      return started(sandbox);
    },
    get control() {
      return started(harness);
    },
    get receiver() {
      return started(receiver);
    },
    order: () => `${prefix}${Date.now()}${++seq}`,
    A: () => suite.sandbox.merchants[0]!,
    B: () => suite.sandbox.merchants[1]!,
    app: () => suite.sandbox.apps[0]!,
    paidDirect: (totalFee = '10.00', options = {}) => {
      const input = {
        outTradeNo: suite.order(),
        totalFee,
        subject: options.subject ?? '即时到账 instant',
        notifyUrl: `${suite.receiver.url}/notify`,
      };
      return paidDirectTrade(
        suite.sandbox,
        options.merchant ? { ...input, merchant: options.merchant } : input,
      );
    },
    directParams: (extra = {}) => ({
      service: 'create_direct_pay_by_user',
      out_trade_no: suite.order(),
      subject: '即时到账 instant',
      payment_type: '1',
      total_fee: '1.00',
      seller_email: suite.A().sellerEmail,
      notify_url: `${suite.receiver.url}/notify`,
      return_url: `${suite.receiver.url}/return`,
      ...extra,
    }),
    precreate: async (amount = '1.00', subject = 'x') => {
      const outTradeNo = suite.order();
      const biz = { out_trade_no: outTradeNo, total_amount: amount, subject };
      await callOpenApi(suite.sandbox, suite.app(), 'alipay.trade.precreate', biz);
      return outTradeNo;
    },
    createEscrow: async (options = {}) => {
      const outTradeNo = suite.order();
      const params: Record<string, string> = {
        service: options.service ?? 'create_partner_trade_by_buyer',
        out_trade_no: outTradeNo,
        subject: options.subject ?? '担保交易 escrow',
        payment_type: '1',
        price: options.price ?? '1.00',
        quantity: '1',
        logistics_type: 'EXPRESS',
        logistics_fee: '0.00',
        logistics_payment: 'SELLER_PAY',
        seller_email: suite.A().sellerEmail,
      };
      if (options.notify !== false) params['notify_url'] = `${suite.receiver.url}/notify`;
      await fetch(legacyUrl(suite.sandbox, suite.A(), params), { redirect: 'manual' });
      return outTradeNo;
    },
    paidOpenApi: (amount = '10.00', subject = 'paid OpenAPI trade') => {
      const input = { outTradeNo: suite.order(), amount, subject, notifyUrl: `${suite.receiver.url}/notify` };
      return paidOpenApiTrade(suite.sandbox, input);
    },
    batchNo: async () => {
      const clock = await control(suite.sandbox, 'GET', '/clock');
      const today = String(clock.nowBeijing).slice(0, 10).replace(/-/g, '');
      return `${today}${prefix}${Date.now() % 1_000_000_000}${++seq}`;
    },
    deliveries: async outTradeNo =>
      (await control(suite.sandbox, 'GET', `/deliveries?outTradeNo=${outTradeNo}`)).deliveries,
  };
  return suite;
}
