/**
 * The registry of example shops the cross-shop suites run against: {@link DRIVERS} for the reliability
 * suites (`shop-driver.ts`), {@link BROWSER_SHOPS} for the browser suite (`browser-shop.ts`). A new shop
 * is one driver file per contract plus one line in each registry.
 */
import type { BrowserShop } from './browser-shop';
import { MedusaBrowserShop } from './medusa-browser';
import { MedusaDriver } from './medusa-driver';
import type { ShopDriver } from './shop-driver';
import { VendureBrowserShop } from './vendure-browser';
import { VendureDriver } from './vendure-driver';

/** The shops every cross-shop suite runs against. Add a shop here. */
export const DRIVERS: Record<string, () => ShopDriver> = {
  vendure: () => new VendureDriver(),
  medusa: () => new MedusaDriver(),
};

/** The shops the browser suite runs against (`e2e/shops.e2e.test.ts`). Add a shop here. */
export const BROWSER_SHOPS: Record<string, () => BrowserShop> = {
  vendure: () => new VendureBrowserShop(),
  medusa: () => new MedusaBrowserShop(),
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

/** The browser shops to run: all of {@link BROWSER_SHOPS}, or those named in `SHOPS`. */
export function registeredBrowserShops(): Array<{ name: string; create: () => BrowserShop }> {
  return selected(BROWSER_SHOPS);
}
