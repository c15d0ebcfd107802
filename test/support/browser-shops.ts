/**
 * The registry of example shops the browser suite (`e2e/shops.e2e.test.ts`) runs against. Apart from
 * `drivers.ts` because it loads playwright. A new shop is a `<name>-browser.ts` plus one line here.
 */
import type { BrowserShop } from './browser-shop';
import { selected } from './drivers';
import { MedusaBrowserShop } from './medusa-browser';
import { VendureBrowserShop } from './vendure-browser';

/** The shops the browser suite runs against. Add a shop here. */
export const BROWSER_SHOPS: Record<string, () => BrowserShop> = {
  vendure: () => new VendureBrowserShop(),
  medusa: () => new MedusaBrowserShop(),
};

/** The browser shops to run: all of {@link BROWSER_SHOPS}, or those named in `SHOPS`. */
export function registeredBrowserShops(): Array<{ name: string; create: () => BrowserShop }> {
  return selected(BROWSER_SHOPS);
}
