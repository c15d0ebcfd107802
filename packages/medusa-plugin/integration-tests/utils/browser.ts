/**
 * A real browser (Debian's chromium through playwright-core) on the admin harness: the built admin
 * extension mounted on a bare page, served on the Medusa server's own origin under `/__harness/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

const harnessDir = fileURLToPath(new URL('../../.medusa/admin-harness', import.meta.url));

/** Debian's chromium (or `CHROMIUM_PATH`); browser tests are skipped, visibly, without one. */
export const chromiumPath = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
].find((path): path is string => !!path && existsSync(path));

/** Launches the browser; close it in a `finally`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}

/**
 * Opens the harness as a logged-in admin (the dashboard's JWT mode). `query` selects the view:
 * none for Settings → Alipay, `view=order&order_id=…` for the order page widget. Page errors are
 * collected into the returned list.
 */
export async function openHarness(
  browser: Browser,
  origin: string,
  authorization: string,
  query = '',
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', error => problems.push(error.message));
  // Served on the server's own origin, so the page calls the admin API without CORS.
  await page.route(`${origin}/__harness/**`, route => {
    const file = join(harnessDir, new URL(route.request().url()).pathname.replace('/__harness/', ''));
    const type = extname(file) === '.js' ? 'text/javascript' : 'text/html';
    return route.fulfill({ status: 200, contentType: type, body: readFileSync(file) });
  });
  const token = authorization.replace(/^Bearer /, '');
  await page.addInitScript(`window.localStorage.setItem('medusa_auth_token', ${JSON.stringify(token)})`);
  await page.goto(`${origin}/__harness/index.html${query ? `?${query}` : ''}`);
  return { page, problems };
}
