// @ts-check
/**
 * The Vendure half of the install test: a shop scaffolded by `@vendure/create --ci` (SQLite, React
 * Dashboard), the plugin installed from its tarball with npm and configured as
 * packages/vendure-plugin/README.md says, built and started with the scaffold's own scripts, then one
 * Alipay order paid through the sandbox and refunded through the Admin API, and a screenshot of the
 * Alipay form in the Dashboard.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseEnv, check, http, open, openApiSettings, run, startServer, waitFor } from './lib.mjs';

/** The scaffold's SuperAdmin (its `.env`). */
const SUPERADMIN = { username: 'superadmin', password: 'superadmin' };

/**
 * `npx @vendure/create <name> --ci` in `parent`: SQLite, sample data, the React Dashboard.
 *
 * @param {string} parent
 * @param {string} name
 * @param {string} version of `@vendure/create` (it installs the same Vendure version)
 * @param {string} logFile
 */
export async function scaffoldVendure(parent, name, version, logFile) {
  await run('npx', ['--yes', `@vendure/create@${version}`, name, '--ci', '--log-level', 'info'], {
    cwd: parent,
    logFile,
    timeoutMs: 20 * 60_000,
  });
  const dir = join(parent, name);
  check(
    existsSync(join(dir, 'src', 'vendure-config.ts')) &&
      existsSync(join(dir, 'node_modules', '@vendure', 'dashboard')),
    `@vendure/create@${version} did not produce src/vendure-config.ts with @vendure/dashboard (see ${logFile})`,
  );
}

/**
 * Replaces `from` by `to` in `text`; fails when the scaffold no longer contains `from` (the README's
 * steps would then need a new look).
 */
function edit(/** @type {string} */ text, /** @type {string} */ from, /** @type {string} */ to) {
  check(text.includes(from), `the scaffold's vendure-config.ts no longer contains \`${from}\``);
  return text.replace(from, to);
}

/**
 * README "Installation, step by step", steps 2 and 3, then the scaffold's production build:
 * - step 2: `AlipayPlugin.init(...)` added to the plugins, `alipayBackoffStrategy()` added to the options of
 *   the scaffold's own `DefaultJobQueuePlugin` (kept, not duplicated); the offline sandbox on this
 *   machine needs `allowLoopbackGateway` (README: development only);
 * - step 3: the scaffold runs with `synchronize: false`, so a migration: `npx vendure migrate --generate`
 *   (the scaffold's `index.ts` runs pending migrations at start);
 * - `npm run build` and `npm run build:dashboard` (the Dashboard built for production, so that it calls
 *   the API on the origin that serves it).
 *
 * @param {string} dir
 * @param {{ port: number, logFile: string }} options
 */
export async function configureVendure(dir, { port, logFile }) {
  const configPath = join(dir, 'src', 'vendure-config.ts');
  let config = readFileSync(configPath, 'utf8');
  config = `import { AlipayPlugin, alipayBackoffStrategy } from '@alipay-commerce/vendure';\n${config}`;
  config = edit(
    config,
    'DefaultJobQueuePlugin.init({ useDatabaseForBuffer: true })',
    'DefaultJobQueuePlugin.init({ useDatabaseForBuffer: true, backoffStrategy: alipayBackoffStrategy() })',
  );
  config = edit(
    config,
    '    plugins: [\n',
    `    plugins: [
        AlipayPlugin.init({
            // Where Alipay and the buyer's browser reach this Vendure server.
            publicBaseUrl: 'http://localhost:${port}',
            storefrontReturnUrl: 'http://localhost:8080/checkout/alipay',
            // The offline sandbox runs on this machine (development only).
            allowLoopbackGateway: true,
        }),
`,
  );
  writeFileSync(configPath, config);
  const envPath = join(dir, '.env');
  // The scaffold writes the first free port from 3000 up (3001 when something else holds 3000).
  const env = readFileSync(envPath, 'utf8');
  check(/^PORT=\d+$/m.test(env), "the scaffold's .env no longer sets PORT");
  writeFileSync(envPath, env.replace(/^PORT=\d+$/m, `PORT=${port}`));

  await run('npx', ['vendure', 'migrate', '--generate', 'alipay'], {
    cwd: dir,
    logFile,
    timeoutMs: 5 * 60_000,
  });
  await run('npm', ['run', 'build'], { cwd: dir, logFile });
  await run('npm', ['run', 'build:dashboard'], {
    cwd: dir,
    logFile,
    env: baseEnv({ NODE_ENV: 'production' }),
    timeoutMs: 10 * 60_000,
  });
}

/**
 * `npm run start` (server and worker, as the scaffold runs them) until the Shop API answers.
 *
 * @param {string} dir
 * @param {{ port: number, logFile: string }} options
 */
export async function startVendure(dir, { port, logFile }) {
  const server = startServer('Vendure', 'npm', ['run', 'start'], { cwd: dir, logFile });
  const url = `http://localhost:${port}`;
  await waitFor(
    'the Vendure Shop API',
    async () =>
      (await http('POST', `${url}/shop-api`, { body: { query: '{ activeChannel { id } }' } })).json?.data,
    { timeoutMs: 4 * 60_000, intervalMs: 1000, server },
  );
  return { server, url };
}

/**
 * A GraphQL client with a bearer session, as a storefront or the Dashboard has one.
 *
 * @param {string} endpoint
 */
function graphql(endpoint) {
  /** @type {string | undefined} */
  let token;
  return async (/** @type {string} */ query, /** @type {Record<string, unknown>} */ variables = {}) => {
    for (let attempt = 1; ; attempt++) {
      const { json, headers } = await http('POST', endpoint, {
        body: { query, variables },
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      token = headers.get('vendure-auth-token') ?? token;
      const errors = JSON.stringify(json.errors ?? '');
      // The scaffold's server and worker share one SQLite file: a write may meet the worker's lock (the
      // request was rolled back). A storefront would retry too.
      if (errors.includes('database is locked') && attempt < 20) {
        await new Promise(resolve => setTimeout(resolve, 500));
        continue;
      }
      if (json.errors) throw new Error(`${endpoint}: ${errors.slice(0, 2000)}`);
      return json.data;
    }
  };
}

/**
 * Through the Admin API as the SuperAdmin, the README's "Selling in CNY" recipe (the channel in CNY, a
 * CNY price for the first variant) and step 5's `createPaymentMethod` (with the `alipay-cny-only`
 * checker), pointed at the sandbox's OpenAPI app.
 *
 * @param {string} url
 * @param {{ openapiGateway: string, apps: Array<Record<string, any>> }} sandbox
 */
export async function setUpVendureShop(url, sandbox) {
  const admin = graphql(`${url}/admin-api`);
  const { login } = await admin(
    'mutation ($username: String!, $password: String!) { login(username: $username, password: $password) { __typename ... on ErrorResult { message } } }',
    SUPERADMIN,
  );
  check(login.__typename === 'CurrentUser', `SuperAdmin login failed: ${JSON.stringify(login)}`);
  const { activeChannel } = await admin('{ activeChannel { id } }');
  const { updateChannel } = await admin(
    `mutation ($id: ID!) { updateChannel(input: { id: $id, defaultCurrencyCode: CNY, availableCurrencyCodes: [CNY] }) {
      __typename ... on Channel { id defaultCurrencyCode } ... on ErrorResult { message } } }`,
    { id: activeChannel.id },
  );
  check(updateChannel.defaultCurrencyCode === 'CNY', `updateChannel: ${JSON.stringify(updateChannel)}`);
  const { productVariants } = await admin(
    '{ productVariants(options: { take: 1, sort: { id: ASC } }) { items { id name } } }',
  );
  const variant = productVariants.items[0];
  await admin(
    'mutation ($id: ID!) { updateProductVariants(input: [{ id: $id, prices: [{ currencyCode: CNY, price: 3990 }] }]) { id } }',
    { id: variant.id },
  );
  const args = { ...openApiSettings(sandbox), alwaysQrOnDesktop: 'false' };
  const { createPaymentMethod } = await admin(
    `mutation ($input: CreatePaymentMethodInput!) { createPaymentMethod(input: $input) { id code } }`,
    {
      input: {
        code: 'alipay',
        enabled: true,
        translations: [
          { languageCode: 'en', name: 'Alipay', description: '' },
          { languageCode: 'zh_Hans', name: '支付宝', description: '' },
        ],
        checker: { code: 'alipay-cny-only', arguments: [] },
        handler: {
          code: 'alipay',
          arguments: Object.entries(args).map(([name, value]) => ({ name, value })),
        },
      },
    },
  );
  return { admin, variantId: variant.id, paymentMethodId: createPaymentMethod.id };
}

/**
 * A storefront's checkout as a guest (README step 6: `createAlipayPaymentIntent`), paid as the test buyer
 * through the sandbox's control API; the order checked and refunded through the Admin API, the refund
 * checked on the sandbox.
 *
 * @param {string} url
 * @param {Awaited<ReturnType<typeof setUpVendureShop>>} shop
 * @param {{ url: string, apps: Array<Record<string, any>> }} sandbox
 */
export async function payAndRefundVendure(url, shop, sandbox) {
  const storefront = graphql(`${url}/shop-api`);
  const { addItemToOrder } = await storefront(
    'mutation ($id: ID!) { addItemToOrder(productVariantId: $id, quantity: 1) { __typename ... on Order { code currencyCode } ... on ErrorResult { message } } }',
    { id: shop.variantId },
  );
  check(addItemToOrder.currencyCode === 'CNY', `the order is not in CNY: ${JSON.stringify(addItemToOrder)}`);
  await storefront(
    'mutation { setCustomerForOrder(input: { emailAddress: "buyer@example.com", firstName: "三", lastName: "张" }) { __typename } }',
  );
  await storefront(`mutation { setOrderShippingAddress(input: { fullName: "张三", streetLine1: "文三路 1 号", city: "杭州",
    province: "浙江", postalCode: "310000", phoneNumber: "13800000000", countryCode: "CN" }) { __typename } }`);
  const { eligibleShippingMethods } = await storefront('{ eligibleShippingMethods { id } }');
  await storefront(
    'mutation ($ids: [ID!]!) { setOrderShippingMethod(shippingMethodId: $ids) { __typename } }',
    {
      ids: [eligibleShippingMethods[0].id],
    },
  );
  const { eligiblePaymentMethods } = await storefront(
    '{ eligiblePaymentMethods { code isEligible eligibilityMessage } }',
  );
  const alipay = eligiblePaymentMethods.find((/** @type {{ code: string }} */ m) => m.code === 'alipay');
  check(
    alipay?.isEligible,
    `Alipay is not eligible on the CNY order: ${JSON.stringify(eligiblePaymentMethods)}`,
  );

  const { createAlipayPaymentIntent: intent } = await storefront(
    `mutation { createAlipayPaymentIntent(input: { paymentMethodCode: "alipay", device: desktop }) {
      __typename ... on AlipayRedirect { url outTradeNo } ... on AlipayForm { html outTradeNo }
      ... on AlipayPaymentIntentError { reason message hint } } }`,
  );
  check(intent.outTradeNo, `createAlipayPaymentIntent: ${JSON.stringify(intent)}`);
  // The buyer's browser opens the cashier (the trade starts to exist on the sandbox), then pays.
  if (intent.__typename === 'AlipayRedirect') {
    const cashier = await open(intent.url);
    check(cashier.status < 400, `the sandbox refused the payment link (${cashier.status})`);
  } else {
    await submitForm(intent.html);
  }
  await http('POST', `${sandbox.url}/__sandbox/pay`, {
    body: { outTradeNo: intent.outTradeNo, appId: sandbox.apps[0].appId },
  });

  const orderQuery = `query ($code: String!) { orders(options: { filter: { code: { eq: $code } } }) { items {
    id code state totalWithTax payments { id state amount refunds { id state total } } } } }`;
  const paid = await waitFor(
    'the Vendure order in PaymentSettled',
    async () => {
      const order = (await shop.admin(orderQuery, { code: addItemToOrder.code })).orders.items[0];
      return order?.state === 'PaymentSettled' ? order : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const payment = paid.payments[0];
  check(payment.state === 'Settled', `payment ${JSON.stringify(payment)}`);
  const { refundOrder } = await shop.admin(
    `mutation ($input: RefundOrderInput!) { refundOrder(input: $input) { __typename ... on Refund { id state total }
      ... on ErrorResult { message } } }`,
    {
      input: {
        paymentId: payment.id,
        amount: payment.amount,
        shipping: 0,
        adjustment: 0,
        lines: [],
        reason: 'install test / 安装测试',
      },
    },
  );
  check(refundOrder.__typename === 'Refund', `refundOrder: ${JSON.stringify(refundOrder)}`);
  await waitFor(
    'the Vendure refund Settled',
    async () => {
      const order = (await shop.admin(orderQuery, { code: addItemToOrder.code })).orders.items[0];
      return order.payments[0].refunds.find((/** @type {{ state: string }} */ r) => r.state === 'Settled');
    },
    { timeoutMs: 30_000 },
  );
  const trade = await waitFor(
    'the refund on the sandbox',
    async () => {
      const { json } = await http(
        'GET',
        `${sandbox.url}/__sandbox/trades/${encodeURIComponent(intent.outTradeNo)}`,
      );
      return json.trade.refundedFen === payment.amount ? json.trade : undefined;
    },
    { timeoutMs: 30_000 },
  );
  return { order: paid.code, tradeNo: trade.tradeNo, amount: `¥${(payment.amount / 100).toFixed(2)}` };
}

/** Posts an auto-submitting Alipay form as the browser would (its action and hidden inputs). */
async function submitForm(/** @type {string} */ html) {
  const action = /action="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
  check(action, `no form action in ${html.slice(0, 300)}`);
  const body = new URLSearchParams();
  for (const match of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    body.set(match[1], match[2].replaceAll('&quot;', '"').replaceAll('&amp;', '&'));
  }
  const response = await fetch(/** @type {string} */ (action), { method: 'POST', body, redirect: 'manual' });
  await response.arrayBuffer();
  check(response.status < 400, `the sandbox refused the payment form (${response.status})`);
}

/**
 * Logs in to the Vendure Dashboard as the scaffold's SuperAdmin with Debian's Chromium (playwright-core),
 * opens the Alipay payment method and saves a screenshot of its form.
 *
 * @param {string} url
 * @param {string} paymentMethodId
 * @param {string} path where the PNG goes
 */
export async function screenshotDashboard(url, paymentMethodId, path) {
  const executablePath =
    process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => existsSync(p));
  check(
    executablePath,
    'Chromium not found: run `pnpm test:deps` (pnpm test does it first) or set CHROMIUM_PATH. / ' +
      '未找到 Chromium：请运行 `pnpm test:deps`（pnpm test 会先运行它）或设置 CHROMIUM_PATH。',
  );
  // playwright-core is a dependency of the workspace's test package.
  const require = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)));
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${url}/dashboard/login`);
    await page.locator('input[name="username"]').fill(SUPERADMIN.username);
    await page.locator('input[name="password"]').fill(SUPERADMIN.password);
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(current => !current.pathname.endsWith('/login'), { timeout: 60_000 });
    await page.goto(`${url}/dashboard/payment-methods/${paymentMethodId}`);
    // The handler's arguments: the Alipay form, from its first field (Alipay product, the interface type).
    await page.getByText('Alipay product').first().waitFor({ timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path, fullPage: true });
  } finally {
    await browser.close();
  }
  return path;
}
