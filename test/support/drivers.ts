/**
 * The registry of example shops the reliability suites and `pnpm bench:load` run against ({@link DRIVERS},
 * `shop-driver.ts`). The browser suite has its own (`browser-shops.ts`), so that what runs without a
 * browser never loads playwright. A new shop is one driver file per contract plus one line in each registry.
 */
import { MedusaDriver } from './medusa-driver';
import { type DemoSandbox, startDemoSandbox } from './sandbox';
import type { ShopDriver } from './shop-driver';
import { VendureDriver } from './vendure-driver';

/** The shops every cross-shop suite runs against. Add a shop here. */
export const DRIVERS: Record<string, () => ShopDriver> = {
  vendure: () => new VendureDriver(),
  medusa: () => new MedusaDriver(),
};

/** The entries of `registry` named in `SHOPS` (comma-separated, e.g. `SHOPS=vendure`), or all of them. */
export function selected<T>(registry: Record<string, () => T>): Array<{ name: string; create: () => T }> {
  const wanted = process.env.SHOPS?.split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const names = wanted?.length ? wanted : Object.keys(registry);
  return names.map(name => {
    const create = registry[name];
    if (!create)
      throw new Error(`SHOPS names "${name}", but the registered shops are ${Object.keys(registry)}`);
    return { name, create };
  });
}

/** The drivers to run: all of {@link DRIVERS}, or those named in `SHOPS` (`SHOPS=vendure pnpm test:reliability`). */
export function registeredDrivers(): Array<{ name: string; create: () => ShopDriver }> {
  return selected(DRIVERS);
}

/** A shop and the demo sandbox it pays through, as a suite's `beforeAll` starts them. */
export interface ShopOnSandbox {
  shop: ShopDriver;
  sandbox: DemoSandbox;
}

/**
 * Starts the demo sandbox on the real clock (time scale 1) and the shop `create` makes against it. When
 * the shop fails to start, both are stopped before the error is thrown, so a failed `beforeAll` leaves
 * no process behind.
 */
export async function startShopOnSandbox(create: () => ShopDriver): Promise<ShopOnSandbox> {
  const sandbox = await startDemoSandbox(1);
  const shop = create();
  try {
    await shop.start({ sandboxUrl: sandbox.url });
  } catch (error) {
    await stopShopOnSandbox({ shop, sandbox });
    throw error;
  }
  return { shop, sandbox };
}

/** Stops what {@link startShopOnSandbox} started; either may be missing when a start failed. */
export async function stopShopOnSandbox(running: Partial<ShopOnSandbox>): Promise<void> {
  await running.shop?.stop().catch(() => undefined);
  await running.sandbox?.close();
}
