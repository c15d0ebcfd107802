/**
 * The registry of example shops the cross-shop suites run against (see `shop-driver.ts`). A new shop is
 * one driver file plus one line in {@link DRIVERS}.
 */
import { MedusaDriver } from './medusa-driver';
import type { ShopDriver } from './shop-driver';
import { VendureDriver } from './vendure-driver';

/** The shops every cross-shop suite runs against. Add a shop here. */
export const DRIVERS: Record<string, () => ShopDriver> = {
  vendure: () => new VendureDriver(),
  medusa: () => new MedusaDriver(),
};

/**
 * The drivers to run: all of {@link DRIVERS}, or those named in `SHOPS` (comma-separated, e.g.
 * `SHOPS=vendure pnpm test:reliability`).
 */
export function registeredDrivers(): Array<{ name: string; create: () => ShopDriver }> {
  const wanted = process.env.SHOPS?.split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const names = wanted?.length ? wanted : Object.keys(DRIVERS);
  return names.map(name => {
    const create = DRIVERS[name];
    if (!create)
      throw new Error(`SHOPS names "${name}", but the registered shops are ${Object.keys(DRIVERS)}`);
    return { name, create };
  });
}
