// @ts-check
/**
 * The Medusa half of the install test: the minimal app `create-medusa-app` would give (written by hand:
 * the starter lives on GitHub, which CI cannot reach), the plugin installed from its tarball with npm and
 * configured as packages/medusa-plugin/README.md says, Medusa on an embedded PostgreSQL, then one Alipay
 * order paid through the sandbox and refunded through the admin API.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, check, http, open, openApiSettings, run, startServer, waitFor } from './lib.mjs';

const ADMIN_EMAIL = 'admin@install-test.example';
const ADMIN_PASSWORD = 'install-test-password';
/** The provider's ID as the README names it: `pp_` + identifier `alipay` + `_` + the `id` in medusa-config. */
const PROVIDER_ID = 'pp_alipay_alipay';

/**
 * Writes the app of Medusa's default starter (package.json, medusa-config.ts, tsconfig.json, .env) with
 * every `@medusajs/*` package at `version`, and the plugin's tarballs as dependencies (README step 1,
 * `npm install @alipay-commerce/medusa`, done in the same npm run to save a second install).
 *
 * @param {string} dir
 * @param {string} version e.g. `2.13.6`
 * @param {{ core: string, medusa: string }} tarballs
 */
export function writeMedusaApp(dir, version, tarballs) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  const packageJson = {
    name: 'medusa-install-test',
    version: '0.0.1',
    private: true,
    scripts: {
      build: 'medusa build',
      start: 'medusa start',
      dev: 'medusa develop',
    },
    dependencies: {
      '@alipay-commerce/core': `file:${tarballs.core}`,
      '@alipay-commerce/medusa': `file:${tarballs.medusa}`,
      '@medusajs/admin-sdk': version,
      '@medusajs/cli': version,
      // defineConfig() registers the draft-order plugin by default: the starter depends on it.
      '@medusajs/draft-order': version,
      '@medusajs/framework': version,
      '@medusajs/medusa': version,
    },
    devDependencies: {
      '@swc/core': '^1.16.22',
      '@types/node': '^20.19.43',
      '@types/react': '^18.3.31',
      '@types/react-dom': '^18.3.7',
      react: '^18.3.1',
      'react-dom': '^18.3.1',
      'ts-node': '^10.9.2',
      typescript: '^5.9.3',
    },
    engines: { node: '>=20' },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2021',
          esModuleInterop: true,
          module: 'Node16',
          moduleResolution: 'Node16',
          emitDecoratorMetadata: true,
          experimentalDecorators: true,
          skipLibCheck: true,
          skipDefaultLibCheck: true,
          declaration: false,
          sourceMap: false,
          inlineSourceMap: true,
          outDir: './.medusa/server',
          rootDir: './',
          jsx: 'react-jsx',
          baseUrl: '.',
          lib: ['ES2021'],
          checkJs: false,
          strictNullChecks: true,
        },
        'ts-node': { swc: true },
        include: ['**/*', '.medusa/types/*'],
        exclude: ['node_modules', '.medusa/server', '.medusa/admin', '.cache'],
      },
      null,
      2,
    )}\n`,
  );
  // The starter's config, unchanged until configureMedusa() applies the README.
  writeFileSync(join(dir, 'medusa-config.ts'), STARTER_CONFIG);
}

/** medusa-config.ts of Medusa's default starter. */
const STARTER_CONFIG = `import { loadEnv, defineConfig } from '@medusajs/framework/utils'

loadEnv(process.env.NODE_ENV || 'development', process.cwd())

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      storeCors: process.env.STORE_CORS!,
      adminCors: process.env.ADMIN_CORS!,
      authCors: process.env.AUTH_CORS!,
      jwtSecret: process.env.JWT_SECRET || "supersecret",
      cookieSecret: process.env.COOKIE_SECRET || "supersecret",
    }
  }
})
`;

/**
 * The request bodies of the CNY shop (region, warehouse, shipping, product): the same data the plugin's
 * integration tests build their shop from.
 */
const CNY_SHOP = JSON.parse(
  readFileSync(
    new URL('../../packages/medusa-plugin/integration-tests/utils/cny-shop.json', import.meta.url),
    'utf8',
  ),
);

/** The plugin's README, whose installation steps this test applies. */
const README = new URL('../../packages/medusa-plugin/README.md', import.meta.url);

/**
 * The `plugins` and `modules` entries of the README's step 2 snippet (what a merchant pastes into
 * `defineConfig({ … })` after the projectConfig), at the starter's indentation.
 */
function readmeConfigEntries() {
  const readme = readFileSync(README, 'utf8');
  const step = readme.indexOf('**Register the plugin and the payment provider**');
  const from = readme.indexOf('// …projectConfig…\n', step);
  const to = readme.indexOf('});\n', from);
  check(
    step >= 0 && from >= 0 && to >= 0,
    `${README.pathname} no longer has the medusa-config.ts snippet of step 2`,
  );
  // The snippet is indented by the list item (3 spaces); the starter's config by 2 per level.
  return readme
    .slice(readme.indexOf('\n', from) + 1, readme.lastIndexOf('\n', to) + 1)
    .replace(/^ {3}/gm, '');
}

/**
 * Replaces `from` by `to` in `text`; fails when `from` is gone (the README's snippet or the starter changed,
 * and this test would no longer apply them as written).
 */
function edit(/** @type {string} */ text, /** @type {string} */ from, /** @type {string} */ to) {
  check(text.includes(from), `the Medusa config text no longer contains \`${from}\``);
  return text.replace(from, to);
}

/**
 * README "Install into an existing Medusa shop", steps 2 and 3: the plugin and the payment provider in
 * medusa-config.ts (the README's snippet as written, added to the starter's config, with this server's
 * URLs), the settings key in `.env`. The
 * offline sandbox runs on this machine, so the plugin option `allowLoopbackGateway` is set (README:
 * development only).
 *
 * @param {string} dir
 * @param {{ port: number, databaseUrl: string }} options
 */
export function configureMedusa(dir, { port, databaseUrl }) {
  const backendUrl = `http://localhost:${port}`;
  let entries = readmeConfigEntries();
  entries = edit(
    entries,
    "{ resolve: '@alipay-commerce/medusa', options: {} }",
    "{ resolve: '@alipay-commerce/medusa', options: { allowLoopbackGateway: true } }",
  );
  entries = edit(entries, "'https://api.your-shop.example'", `'${backendUrl}'`);
  entries = edit(
    entries,
    "'https://your-shop.example/checkout/alipay'",
    "'http://localhost:8000/checkout/alipay'",
  );
  // The README's entries go after the starter's projectConfig, inside defineConfig({ … }).
  const configPath = join(dir, 'medusa-config.ts');
  const config = edit(readFileSync(configPath, 'utf8'), '\n  }\n})\n', `\n  },\n${entries}})\n`);
  writeFileSync(configPath, config);
  writeFileSync(
    join(dir, '.env'),
    [
      `DATABASE_URL=${databaseUrl}`,
      `STORE_CORS=http://localhost:8000`,
      `ADMIN_CORS=${backendUrl}`,
      `AUTH_CORS=${backendUrl}`,
      `JWT_SECRET=${randomBytes(16).toString('hex')}`,
      `COOKIE_SECRET=${randomBytes(16).toString('hex')}`,
      // README step 3: the key that encrypts the Alipay secrets saved in the admin.
      `ALIPAY_SETTINGS_SECRET=${randomBytes(32).toString('hex')}`,
      '',
    ].join('\n'),
  );
}

/**
 * README step 4 (`npx medusa db:migrate`), an admin user (`npx medusa user`, as create-medusa-app does),
 * then `medusa develop` (the starter's `npm run dev`) until `/health` answers.
 *
 * @param {string} dir
 * @param {{ port: number, logFile: string }} options
 */
export async function startMedusa(dir, { port, logFile }) {
  const env = baseEnv({ PORT: String(port), NODE_ENV: 'development' });
  await run('npx', ['medusa', 'db:migrate'], { cwd: dir, env, logFile, timeoutMs: 10 * 60_000 });
  await run('npx', ['medusa', 'user', '-e', ADMIN_EMAIL, '-p', ADMIN_PASSWORD], { cwd: dir, env, logFile });
  const server = startServer('Medusa', 'npx', ['medusa', 'develop'], { cwd: dir, env, logFile });
  const url = `http://localhost:${port}`;
  await waitFor('Medusa /health', async () => (await fetch(`${url}/health`)).ok, {
    timeoutMs: 5 * 60_000,
    intervalMs: 1000,
    server,
  });
  return { server, url };
}

/**
 * Through the admin API, as the README says: the Alipay settings (step 5, Settings → Alipay), then the
 * "Selling in CNY" recipe (store currency, a CNY region with the provider, a publishable key, a stock
 * location with a shipping option in CNY, a product with a CNY price).
 *
 * @param {string} url
 * @param {{ openapiGateway: string, apps: Array<Record<string, any>> }} sandbox
 */
export async function setUpMedusaShop(url, sandbox) {
  const { json: login } = await http('POST', `${url}/auth/user/emailpass`, {
    body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
  });
  const admin = { authorization: `Bearer ${login.token}` };
  const post = async (/** @type {string} */ path, /** @type {unknown} */ body) =>
    (await http('POST', `${url}${path}`, { body, headers: admin })).json;

  // Step 5: Settings → Alipay (the OpenAPI app of the sandbox).
  await post('/admin/alipay/settings', openApiSettings(sandbox));

  // Selling in CNY, 1: the store's currency.
  const { json: stores } = await http('GET', `${url}/admin/stores`, { headers: admin });
  const store = stores.stores[0];
  await post(`/admin/stores/${store.id}`, {
    supported_currencies: [{ currency_code: 'cny', is_default: true }],
  });
  // 2: a CNY region with the Alipay provider (PROVIDER_ID).
  const { region } = await post('/admin/regions', CNY_SHOP.region);
  // 3: a publishable key linked to the store's sales channel.
  const salesChannelId = store.default_sales_channel_id;
  check(salesChannelId, `the store has no default sales channel: ${JSON.stringify(store)}`);
  const { api_key } = await post('/admin/api-keys', { title: 'Storefront', type: 'publishable' });
  await post(`/admin/api-keys/${api_key.id}/sales-channels`, { add: [salesChannelId] });
  // 4: a stock location with a shipping fulfillment set covering China.
  const { stock_location } = await post('/admin/stock-locations', CNY_SHOP.stockLocation);
  await post(`/admin/stock-locations/${stock_location.id}/sales-channels`, { add: [salesChannelId] });
  await post(`/admin/stock-locations/${stock_location.id}/fulfillment-providers`, { add: ['manual_manual'] });
  const withSet = await post(
    `/admin/stock-locations/${stock_location.id}/fulfillment-sets?fields=*fulfillment_sets`,
    CNY_SHOP.fulfillmentSet,
  );
  const { fulfillment_set } = await post(
    `/admin/fulfillment-sets/${withSet.stock_location.fulfillment_sets[0].id}/service-zones?fields=*service_zones`,
    CNY_SHOP.serviceZone,
  );
  const { shipping_profile } = await post('/admin/shipping-profiles', CNY_SHOP.shippingProfile);
  // 5: a shipping option with a CNY price.
  const { shipping_option } = await post('/admin/shipping-options', {
    ...CNY_SHOP.shippingOption,
    service_zone_id: fulfillment_set.service_zones[0].id,
    shipping_profile_id: shipping_profile.id,
  });
  // 6: a product with a CNY price.
  const { product } = await post('/admin/products', {
    ...CNY_SHOP.product,
    handle: 'longjing-tea',
    shipping_profile_id: shipping_profile.id,
    sales_channels: [{ id: salesChannelId }],
  });
  return {
    admin,
    regionId: region.id,
    salesChannelId,
    publishableKey: api_key.token,
    shippingOptionId: shipping_option.id,
    variantId: product.variants[0].id,
  };
}

/**
 * A storefront's checkout (README "The storefront's part"), paid as the test buyer through the sandbox's
 * control API, then the order checked and refunded through the admin API, and the refund checked on the
 * sandbox. Returns the order's display ID and the amount.
 *
 * @param {string} url
 * @param {Awaited<ReturnType<typeof setUpMedusaShop>>} shop
 * @param {{ url: string, apps: Array<Record<string, any>> }} sandbox
 */
export async function payAndRefundMedusa(url, shop, sandbox) {
  const store = { 'x-publishable-api-key': shop.publishableKey };
  const storePost = async (/** @type {string} */ path, /** @type {unknown} */ body) =>
    (await http('POST', `${url}${path}`, { body, headers: store })).json;
  const { cart } = await storePost('/store/carts', {
    region_id: shop.regionId,
    sales_channel_id: shop.salesChannelId,
    ...CNY_SHOP.buyer,
    items: [{ variant_id: shop.variantId, quantity: 2 }],
  });
  check(cart.currency_code === 'cny', `the cart is in ${cart.currency_code}, not CNY`);
  await storePost(`/store/carts/${cart.id}/shipping-methods`, { option_id: shop.shippingOptionId });
  const { payment_collection } = await storePost('/store/payment-collections', { cart_id: cart.id });
  const withSession = await storePost(
    `/store/payment-collections/${payment_collection.id}/payment-sessions`,
    {
      provider_id: PROVIDER_ID,
      data: { device: 'desktop' },
    },
  );
  const session = withSession.payment_collection.payment_sessions.find(
    (/** @type {{ provider_id: string }} */ s) => s.provider_id === PROVIDER_ID,
  );
  check(
    session?.data?.kind === 'redirect',
    `no Alipay redirect in the session: ${JSON.stringify(session?.data)}`,
  );
  const outTradeNo = session.data.out_trade_no;

  // The buyer's browser opens the cashier link (the trade starts to exist), then pays.
  const cashier = await open(session.data.redirect_url);
  check(cashier.status < 400, `the sandbox refused the payment link (${cashier.status})`);
  await http('POST', `${sandbox.url}/__sandbox/pay`, { body: { outTradeNo, appId: sandbox.apps[0].appId } });

  // The notification completes the cart (README: poll the cart until completed_at is set); complete then
  // returns the same order.
  await waitFor(
    'the paid cart completed by the notification',
    async () =>
      (await http('GET', `${url}/store/carts/${cart.id}?fields=id,completed_at`, { headers: store })).json
        .cart.completed_at,
    { timeoutMs: 60_000, intervalMs: 1000 },
  );
  const { json: completed } = await http('POST', `${url}/store/carts/${cart.id}/complete`, {
    headers: store,
  });
  check(
    completed.type === 'order',
    `complete did not return the order: ${JSON.stringify(completed).slice(0, 500)}`,
  );
  const order = completed.order;
  const { json: detail } = await http(
    'GET',
    `${url}/admin/orders/${order.id}?fields=id,display_id,total,payment_status,*payment_collections.payments`,
    { headers: shop.admin },
  );
  const payment = detail.order.payment_collections[0]?.payments[0];
  check(payment?.captured_at, `the Alipay payment is not captured: ${JSON.stringify(detail.order)}`);
  check(Number(detail.order.total) === 35, `order total ${detail.order.total}, expected 35 CNY`);

  // Refund through the admin API; the sandbox must show it.
  await http('POST', `${url}/admin/payments/${payment.id}/refund`, {
    body: { amount: 35 },
    headers: shop.admin,
  });
  const trade = await waitFor(
    'the refund on the sandbox',
    async () => {
      const { json } = await http('GET', `${sandbox.url}/__sandbox/trades/${encodeURIComponent(outTradeNo)}`);
      return json.trade.refundedFen === 3500 ? json.trade : undefined;
    },
    { timeoutMs: 30_000 },
  );
  return { order: `#${detail.order.display_id}`, outTradeNo, tradeNo: trade.tradeNo, amount: '¥35.00' };
}
