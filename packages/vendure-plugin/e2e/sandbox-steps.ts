import { type SandboxConfigInput, startSandbox } from '@alipay-commerce/sandbox';
import {
  type Delivery,
  eventually as pollUntil,
  SandboxControl,
  type SandboxTrade,
} from '@alipay-commerce/sandbox/testing';
import { expect } from 'vitest';

/**
 * The offline Alipay sandbox as the e2e specs drive it, through the shared harness
 * `@alipay-commerce/sandbox/testing` (its typed control-API client and its polling). The specs keep the
 * in-process sandbox (accounts, keys, gateway URLs) and call these short steps.
 */

export type { Delivery, SandboxTrade };

/** A running sandbox, as `startSandbox` resolves. */
export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/** Starts the offline Alipay sandbox on a random port. */
export function startTestSandbox(config?: SandboxConfigInput): Promise<Sandbox> {
  return startSandbox({ port: 0, ...(config ? { config } : {}) });
}

/** The shared harness's typed client of a sandbox's control API. */
export function controlOf(sandbox: Sandbox): SandboxControl {
  return new SandboxControl(sandbox.url);
}

/** Calls the sandbox control API (`/__sandbox/...`) and returns the status and JSON answer. */
export function control<T = Record<string, unknown>>(
  sandbox: Sandbox,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  return controlOf(sandbox).call<T>(method, path, body);
}

/** The sandbox's deliveries for one merchant trade number. */
export function deliveriesFor(sandbox: Sandbox, outTradeNo: string): Promise<Delivery[]> {
  return controlOf(sandbox).deliveries(outTradeNo);
}

/** The sandbox's view of a trade. */
export function sandboxTrade(sandbox: Sandbox, outTradeNo: string): Promise<SandboxTrade> {
  return controlOf(sandbox).trade(outTradeNo);
}

/**
 * Pays a trade as the test buyer through the control API; answers after the first notification
 * attempt reached the shop (unless `waitForNotify: false`). Without an owner the sandbox finds the
 * trade by its number alone.
 */
export async function payAsBuyer(
  sandbox: Sandbox,
  input: {
    outTradeNo: string;
    partner?: string;
    appId?: string;
    mode?: 'instant' | 'escrow';
    waitForNotify?: boolean;
  },
): Promise<{ trade: SandboxTrade; deliveries: Delivery[] }> {
  const { status, json } = await control<{ trade: SandboxTrade; deliveries: Delivery[] }>(
    sandbox,
    'POST',
    'pay',
    input,
  );
  expect(status, `sandbox pay: ${JSON.stringify(json)}`).toBe(200);
  return json;
}

/**
 * Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. Unlike the shared
 * harness's `eventually`, any falsy value (0, '') means "not yet", as the specs' checks are written.
 */
export function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  return pollUntil(async () => (await check()) || undefined, { timeoutMs }) as Promise<T>;
}
