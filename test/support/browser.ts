/**
 * Debian's Chromium driven by playwright-core, as the browser tests use it: launch, desktop and phone
 * contexts, and screenshots under artifacts/e2e/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { repoRoot } from './shop-process';

/** Where screenshots go (artifacts/e2e/, kept by CI). */
export const artifactsDir = join(repoRoot, 'artifacts', 'e2e');

/** Chromium flags that work as root in CI and keep it off the (closed) network. */
const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Debian's Chromium (never a downloaded browser). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath =
    process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  if (!executablePath) {
    throw new Error(
      'Chromium not found: run `pnpm test:deps` (pnpm test does it first) or set CHROMIUM_PATH',
    );
  }
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
}

/** Saves a full-page screenshot under artifacts/e2e/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A phone's browser (iPhone Safari user agent, phone-sized viewport): the storefront asks for wap. */
export function mobileContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
}

/** A desktop browser with a viewport large enough for admin pages. */
export function desktopContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1400, height: 1000 } });
}
