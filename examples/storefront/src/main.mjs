// @ts-check
/**
 * Starts the storefront: node src/main.mjs --shop vendure|medusa --shop-url <url> [--port 8080]
 * Medusa also needs --publishable-key (the demo passes it).
 */
import { createStorefront } from './server.mjs';

const args = process.argv.slice(2);
const arg = (/** @type {string} */ name, /** @type {string} */ fallback) => {
  const index = args.indexOf(name);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
};
const port = Number(arg('--port', process.env.PORT ?? '8080'));
const shopName = arg('--shop', 'vendure');
const shopUrl = arg('--shop-url', shopName === 'medusa' ? 'http://localhost:9000' : 'http://localhost:3000');
const publicUrl = arg('--public-url', `http://localhost:${port}`);
const module =
  shopName === 'medusa' ? await import('./shops/medusa.mjs') : await import('./shops/vendure.mjs');
const shop = module.createShopClient({
  url: shopUrl,
  publishableKey: arg('--publishable-key', process.env.MEDUSA_PUBLISHABLE_KEY ?? ''),
});
const { app } = createStorefront({ shop, publicUrl });
app.listen(port, () => console.log(`Storefront on ${publicUrl} → ${shopName} at ${shopUrl}`));
