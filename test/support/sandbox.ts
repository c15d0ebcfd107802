/**
 * The offline Alipay sandbox as the cross-shop suites use it: the one test harness
 * (`@alipay-commerce/sandbox/testing`) started with the fixed demo accounts the example shops are seeded
 * with, and what only these suites need on top: the demo accounts file (the sandbox's own "Alipay" private
 * key, to forge genuine notifications) and the trade owner of each {@link PaymentKind}.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Delivery,
  startTestSandbox,
  type TestSandbox,
  type TradeOwner,
} from '@alipay-commerce/sandbox/testing';
import type { PaymentKind } from './shop-driver';
import { repoRoot } from './shop-process';

export {
  type Delivery,
  eventually,
  type LedgerEntry,
  type SandboxTrade,
} from '@alipay-commerce/sandbox/testing';

/** The demo accounts every example shop is seeded with (examples/sandbox/demo-accounts.json). */
export const demoAccountsPath = join(repoRoot, 'examples', 'sandbox', 'demo-accounts.json');

/**
 * The demo accounts file: merchants (MD5), apps (RSA2), the sandbox's "Alipay" key pair, and Antom: a
 * cross-border client and the sandbox's "Antom" key pair.
 */
export interface DemoAccounts {
  merchants: Array<{ partner: string; key: string; sellerEmail: string; sellerId: string }>;
  apps: Array<{ appId: string; privateKey: string; publicKey: string; sellerId: string }>;
  alipayKeys: { privateKey: string; publicKey: string };
  antom: {
    clients: Array<{
      clientId: string;
      privateKey: string;
      publicKey: string;
      keyVersion: string;
      paymentMethods: string[];
    }>;
    antomKeys: { privateKey: string; publicKey: string };
  };
}

/** {@link demoAccountsPath}, read once. */
export const demoAccounts: DemoAccounts = JSON.parse(readFileSync(demoAccountsPath, 'utf8'));

/** A test sandbox with the demo accounts. */
export type DemoSandbox = TestSandbox & { readonly accounts: DemoAccounts };

/**
 * Starts the sandbox with the demo accounts on a free loopback port. `timeScale` divides Alipay's delays
 * (retries, expiries): 1 for suites that move the sandbox clock themselves.
 */
export async function startDemoSandbox(timeScale = 60): Promise<DemoSandbox> {
  const sandbox = await startTestSandbox({ timeScale, config: demoAccountsPath });
  return Object.assign(sandbox, { accounts: demoAccounts });
}

/** Who owns trades of a domestic kind at the sandbox: merchant A's partner ID, or the app ID. */
export function ownerOf(kind: PaymentKind): TradeOwner {
  return kind === 'openapi'
    ? { appId: demoAccounts.apps[0]!.appId }
    : { partner: demoAccounts.merchants[0]!.partner };
}

/** The demo Antom client every example shop's Antom method is configured with. */
export const demoAntomClientId = demoAccounts.antom.clients[0]!.clientId;

/** Whose trades a sandbox fault of this kind applies to: {@link ownerOf}, or the Antom client. */
export function faultScopeOf(kind: PaymentKind): TradeOwner | { clientId: string } {
  return kind === 'antom' ? { clientId: demoAntomClientId } : ownerOf(kind);
}

/**
 * The buyer pays an order of any kind at the sandbox's cashier (Antom's for `antom`, into escrow for
 * `legacy-escrow`): the trade's status after it and its deliveries so far (the first attempt is done
 * unless `waitForNotify` is false).
 */
export async function payAsBuyer(
  sandbox: TestSandbox,
  kind: PaymentKind,
  outTradeNo: string,
  options: { waitForNotify?: boolean } = {},
): Promise<{ status: string; deliveries: Delivery[] }> {
  if (kind === 'antom') {
    const paid = await sandbox.antomPay({
      paymentRequestId: outTradeNo,
      clientId: demoAntomClientId,
      ...options,
    });
    return { status: paid.payment.status, deliveries: paid.deliveries };
  }
  const paid = await sandbox.pay(buyerPays(kind, outTradeNo, options));
  return { status: paid.trade.status, deliveries: paid.deliveries };
}

/** The sandbox's `pay` input for the buyer paying a trade of this kind (escrow: into escrow). */
export function buyerPays(
  kind: PaymentKind,
  outTradeNo: string,
  options: { waitForNotify?: boolean } = {},
): Parameters<TestSandbox['pay']>[0] {
  return {
    outTradeNo,
    ...ownerOf(kind),
    ...(kind === 'legacy-escrow' ? { mode: 'escrow' as const } : {}),
    ...options,
  };
}
