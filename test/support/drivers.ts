/**
 * The registry of example shops the reliability suites and `pnpm bench:load` run against ({@link DRIVERS},
 * `shop-driver.ts`). The browser suite has its own (`browser-shops.ts`), so that what runs without a
 * browser never loads playwright. A new shop is one driver file per contract plus one line in each registry.
 */
import { MedusaDriver } from './medusa-driver';
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
