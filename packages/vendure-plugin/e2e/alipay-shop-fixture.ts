import type { SandboxConfigInput } from '@alipay-commerce/sandbox';
import {
  type ID,
  Payment,
  PaymentMethod,
  type RequestContext,
  RequestContextService,
  TransactionalConnection,
  type VendureConfig,
} from '@vendure/core';
import type { SimpleGraphQLClient } from '@vendure/testing';
import type { EntityTarget, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import { afterAll, beforeAll, expect } from 'vitest';
import type { AlipayPluginOptions } from '../src';
import { AlipayLookupService } from '../src/alipay-lookup.service';
import { AlipayRefund } from '../src/entities/alipay-refund.entity';
import type { AdminOrder, CreatedRefund, IntentResult } from './graphql-documents';
import { control, eventually, payAsBuyer, type Sandbox, startTestSandbox } from './sandbox-steps';
import {
  adminOrder,
  createAlipayMethod,
  createIntent,
  createRefund,
  open,
  prepareOrder,
  refundOf,
  signInAsFirstCustomer,
} from './shop-steps';
import { type AlipayTestEnvironment, startAlipayTestEnvironment } from './test-environment';

/** The core's facade for one payment method's settings, as the plugin builds it. */
type AlipayFacade = Extract<ReturnType<AlipayLookupService['gatewayFor']>, { ok: true }>['alipay'];

/** What a spec's shop is made of, beyond the defaults (sandbox accounts, plugin options). */
export interface AlipayShopOptions {
  /** The sandbox's accounts and keys (default: its default merchants and apps). */
  sandbox?: SandboxConfigInput;
  /** Plugin options to change from the test environment's defaults. */
  plugin?: Partial<AlipayPluginOptions>;
  /** Changes to the Vendure configuration (job queue, scheduler) before the server starts. */
  configure?: (config: Required<VendureConfig>) => void;
  /** Signs the Shop API client in as the first seeded customer, so orders belong to a customer. */
  signIn?: boolean;
}

/** Who pays in the sandbox: the merchant's partner ID (legacy) or the app ID (OpenAPI). */
export type TradeOwner = { partner?: string; appId?: string };

/** A paid order as the Admin API shows it, with the trade number it was paid under. */
export type PaidOrder = AdminOrder & { outTradeNo: string };

/**
 * One e2e spec's shop: a Vendure server with the Alipay plugin, a sandbox on loopback with its accounts'
 * secrets in environment variables (as `env:NAME` settings name them), and the steps most specs take.
 */
export interface AlipayShop {
  /** The Vendure test server and its clients (the admin client is signed in as super admin). */
  env: AlipayTestEnvironment;
  /** The running sandbox. */
  sandbox: Sandbox;
  adminClient: SimpleGraphQLClient;
  shopClient: SimpleGraphQLClient;
  /** The partner ID of the sandbox's first merchant (who pays legacy trades). */
  partner: string;
  /** The app ID of the sandbox's first app (who pays OpenAPI trades). */
  appId: string;
  /** The sandbox's merchant (legacy partner) at `index`. */
  merchant(index?: number): Sandbox['merchants'][number];
  /** The sandbox's app (OpenAPI) at `index`. */
  app(index?: number): Sandbox['apps'][number];
  /** The name of the environment variable holding the merchant's MD5 key (`env:` + it is the setting). */
  merchantKeyVariable(index?: number): string;
  /** Legacy credentials of the merchant at `index`: partner, `env:` key, seller e-mail. */
  legacyCredentials(index?: number): Record<string, string>;
  /** OpenAPI credentials of the app at `index`: app ID, `env:` private key, Alipay public key, seller ID. */
  openapiCredentials(index?: number): Record<string, string>;
  /** The {@link AlipayShop.legacyCredentials} with the sandbox's legacy gateway. */
  legacySettings(index?: number): Record<string, string>;
  /** The {@link AlipayShop.openapiCredentials} with the sandbox's OpenAPI gateway. */
  openapiSettings(index?: number): Record<string, string>;
  /** Creates an Alipay payment method (with the CNY checker unless told otherwise). */
  createMethod: (
    code: string,
    args: Record<string, string | boolean>,
    options?: { withCnyChecker?: boolean },
  ) => ReturnType<typeof createAlipayMethod>;
  /**
   * Fills a fresh order, starts a payment through `method` and opens the cashier as the buyer's browser
   * does (the intent's URL, then the cashier page it redirects to).
   */
  startPayment(
    method: string,
    options?: { device?: 'desktop' | 'mobile'; arrange?: boolean },
  ): Promise<{ code: string; totalWithTax: number; outTradeNo: string; url: string; intent: IntentResult }>;
  /**
   * An order paid through `method` by the sandbox's buyer: settled, or authorized when paid into
   * escrow (`mode: 'escrow'`). Expects the order in that state.
   */
  paidOrder(
    method: string,
    owner?: TradeOwner,
    options?: { mode?: 'instant' | 'escrow' },
  ): Promise<PaidOrder>;
  /** Refunds part of a payment through the Admin API and expects Vendure to create the refund. */
  refund(paymentId: string, amount: number, reason?: string): Promise<CreatedRefund>;
  /** One refund of an order as the Admin API shows it now. */
  refundOf(code: string, refundId: string): ReturnType<typeof refundOf>;
  /** Waits until a refund is Settled (it is sent to Alipay once Vendure's transaction committed). */
  settledRefund(code: string, refundId: string): Promise<NonNullable<Awaited<ReturnType<typeof refundOf>>>>;
  /** A request context for the default channel, as an Admin API request has. */
  adminContext(): Promise<RequestContext>;
  /** The Payment (with its order and refunds) behind an Admin API payment ID, and a payment method. */
  paymentEntities(
    paymentId: string,
    methodCode: string,
  ): Promise<{ ctx: RequestContext; payment: Payment; method: PaymentMethod }>;
  /** The facade of a payment method's settings, as an independent client of Alipay (a second process). */
  gatewayOf(methodCode: string): Promise<AlipayFacade>;
  /** Ages the plugin's refund rows past reconciliation's `pendingAfterMinutes`. */
  backdateRefunds(where: FindOptionsWhere<AlipayRefund>, minutes?: number): Promise<void>;
  /** The handler arguments of a payment method as stored in the database (secrets unmasked). */
  storedArgs(code: string): Promise<Record<string, string>>;
  /** A TypeORM repository outside any request (to read or age the plugin's rows). */
  repository<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T>;
  /**
   * Expects every plugin log line to name the order and the trade, and no secret of the sandbox's
   * accounts (an MD5 key, a piece of an app private key) in the log or in `alsoIn` (e.g. API answers).
   */
  expectSafeLogs(options?: { alsoIn?: string[]; minLines?: number }): void;
  /** Removes every sandbox fault. */
  clearFaults(): Promise<void>;
  /** Stops server and sandbox and removes the secrets from the environment. */
  destroy(): Promise<void>;
}

/**
 * Starts a spec's {@link AlipayShop}: the sandbox, then the Vendure server with the plugin; signs the
 * admin in; puts every sandbox merchant key and app private key in environment variables named after
 * `label` (`ALIPAY_E2E_<LABEL>_KEY_<i>`, `..._APP_KEY_<i>`), so settings can say `env:NAME` as a shop
 * would.
 *
 * @param label - names the run's database copy and the environment variables, e.g. `alipay-refunds`.
 */
export async function startAlipayShop(label: string, options: AlipayShopOptions = {}): Promise<AlipayShop> {
  const sandbox = await startTestSandbox(options.sandbox);
  let env: AlipayTestEnvironment;
  try {
    env = await startAlipayTestEnvironment(label, options.plugin, options.configure);
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  const prefix = `ALIPAY_E2E_${label
    .replace(/^alipay-/, '')
    .replace(/\W/g, '_')
    .toUpperCase()}`;
  const variables: string[] = [];
  const setVariable = (name: string, value: string) => {
    process.env[name] = value;
    variables.push(name);
    return name;
  };
  const merchantKeys = sandbox.merchants.map((m, i) => setVariable(`${prefix}_KEY_${i}`, m.key));
  const appKeys = sandbox.apps.map((a, i) => setVariable(`${prefix}_APP_KEY_${i}`, a.privateKey));
  const { adminClient, shopClient } = env;
  await adminClient.asSuperAdmin();
  if (options.signIn) {
    await signInAsFirstCustomer(adminClient, shopClient);
  }

  const merchant = (index = 0) => {
    const found = sandbox.merchants[index];
    if (!found) throw new Error(`sandbox merchant ${index} missing`);
    return found;
  };
  const app = (index = 0) => {
    const found = sandbox.apps[index];
    if (!found) throw new Error(`sandbox app ${index} missing`);
    return found;
  };

  const shop: AlipayShop = {
    env,
    sandbox,
    adminClient,
    shopClient,
    partner: merchant().partner,
    appId: app().appId,
    merchant,
    app,
    merchantKeyVariable: (index = 0) => merchantKeys[index] ?? `${prefix}_KEY_${index}`,
    legacyCredentials: (index = 0) => ({
      partnerId: merchant(index).partner,
      key: `env:${merchantKeys[index]}`,
      sellerEmail: merchant(index).sellerEmail,
    }),
    openapiCredentials: (index = 0) => ({
      appId: app(index).appId,
      appPrivateKey: `env:${appKeys[index]}`,
      alipayPublicKey: app(index).alipayPublicKey,
      sellerId: app(index).sellerId,
    }),
    legacySettings: index => ({ gateway: sandbox.legacyGateway, ...shop.legacyCredentials(index) }),
    openapiSettings: index => ({ gateway: sandbox.openapiGateway, ...shop.openapiCredentials(index) }),
    createMethod: (code, args, methodOptions) => createAlipayMethod(adminClient, code, args, methodOptions),
    async startPayment(method, { device = 'desktop', arrange } = {}) {
      const { code, totalWithTax } = await prepareOrder(shopClient, arrange ? { arrange } : {});
      const intent = await createIntent(shopClient, method, device);
      expect(intent.__typename, JSON.stringify(intent)).toBe('AlipayRedirect');
      const cashier = await open(intent.url as string);
      await open(new URL(cashier.location as string, sandbox.url).toString());
      return {
        code,
        totalWithTax,
        outTradeNo: intent.outTradeNo as string,
        url: intent.url as string,
        intent,
      };
    },
    async paidOrder(method, owner = {}, { mode } = {}) {
      const { code, outTradeNo } = await shop.startPayment(method);
      await payAsBuyer(sandbox, { outTradeNo, ...owner, ...(mode ? { mode } : {}) });
      const order = await eventually(async () => {
        const current = await adminOrder(adminClient, code);
        return current.payments.length > 0 ? current : undefined;
      });
      expect(order.state).toBe(mode === 'escrow' ? 'PaymentAuthorized' : 'PaymentSettled');
      return { ...order, outTradeNo };
    },
    refund: (paymentId, amount, reason) => createRefund(adminClient, paymentId, amount, reason),
    refundOf: (code, refundId) => refundOf(adminClient, code, refundId),
    settledRefund: (code, refundId) =>
      eventually(async () => {
        const current = await refundOf(adminClient, code, refundId);
        return current?.state === 'Settled' ? current : undefined;
      }),
    adminContext: () => env.server.app.get(RequestContextService).create({ apiType: 'admin' }),
    async paymentEntities(paymentId, methodCode) {
      const ctx = await shop.adminContext();
      const connection = env.server.app.get(TransactionalConnection);
      const payment = await connection.getRepository(ctx, Payment).findOneOrFail({
        where: { id: paymentId.replace(/^T_/, '') as ID },
        relations: ['refunds', 'order'],
      });
      const method = await connection.getRepository(ctx, PaymentMethod).findOneByOrFail({ code: methodCode });
      return { ctx, payment, method };
    },
    async gatewayOf(methodCode) {
      const method = await shop.repository(PaymentMethod).findOneByOrFail({ code: methodCode });
      const gateway = env.server.app.get(AlipayLookupService).gatewayFor(method);
      if (!gateway.ok) throw new Error(`the settings of ${methodCode} are unusable`);
      return gateway.alipay;
    },
    async backdateRefunds(where, minutes = 10) {
      await shop
        .repository(AlipayRefund)
        .update(where, { createdAt: new Date(Date.now() - minutes * 60_000) });
    },
    async storedArgs(code) {
      const method = await shop.repository(PaymentMethod).findOneByOrFail({ code });
      return Object.fromEntries(method.handler.args.map(a => [a.name, a.value]));
    },
    repository: entity => env.server.app.get(TransactionalConnection).rawConnection.getRepository(entity),
    expectSafeLogs({ alsoIn = [], minLines = 1 } = {}) {
      const lines = env.logger.plugin();
      expect(lines.length).toBeGreaterThanOrEqual(minLines);
      for (const line of lines) {
        expect(line.message).toMatch(/^order \S+ · trade \S+ · Alipay \S+/);
      }
      const everything = [env.logger.text(), ...alsoIn].join('\n');
      const secrets = [
        ...sandbox.merchants.map(m => m.key),
        ...sandbox.apps.map(a => a.privateKey.replace(/-----[^-]+-----|\s/g, '').slice(100, 140)),
      ];
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(0);
        expect(everything.includes(secret), 'a secret appears in the log or an answer').toBe(false);
      }
    },
    async clearFaults() {
      await control(sandbox, 'DELETE', 'faults');
    },
    async destroy() {
      try {
        await env.destroy();
      } finally {
        await sandbox.close();
        for (const name of variables) {
          delete process.env[name];
        }
      }
    },
  };
  return shop;
}

/**
 * Registers a spec's shop with vitest: started before the spec's tests, destroyed after them. Returns
 * a handle filled in once the shop has started, so a `describe` body holds it in a `const` and its
 * tests read `shop.env`, `shop.sandbox`, `shop.partner` and call the shop's steps.
 *
 * @param start - starts the shop and creates what every test of the spec needs (payment methods).
 */
export function useShop<T extends AlipayShop>(start: () => Promise<T>): T {
  const handle = {} as T;
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
    Object.assign(handle, started);
  });
  afterAll(async () => {
    await started?.destroy();
  });
  return handle;
}
