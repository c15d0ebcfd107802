#!/usr/bin/env node
// @ts-check
/**
 * `pnpm demo` / `pnpm demo:medusa`: builds what is stale, starts the offline Alipay sandbox (7010), an
 * example shop (Vendure on 3000 or Medusa on 9000) and the storefront (8080), prints where everything is,
 * and stops it all on Ctrl-C. `DEMO_VERBOSE=1` keeps printing the logs after the start; `DEMO_REBUILD=1`
 * builds even when nothing changed.
 *
 * Contract with the example shops (`examples/<name>-shop`, package `@alipay-commerce/example-<name>-shop`):
 * - `pnpm --filter <shop> start` builds what it needs, seeds on first start (later starts reuse the data),
 *   then prints one line `ALIPAY_COMMERCE_READY {"url", "adminUrl", "adminUser", "adminPassword",
 *   "publishableKey"?}` on stdout once it serves requests; `url` is where the storefront reaches the shop.
 * - Environment: `PORT`, `ALIPAY_SANDBOX_URL` (its payment methods point there), `STOREFRONT_URL` (its
 *   Alipay return redirects go to `${STOREFRONT_URL}/order/return?status=…`), `DATA_DIR` (optional: the browser tests
 *   pass a throw-away directory; the default is the shop's own git-ignored `.data/`).
 * - SIGTERM to its process group stops it.
 * The browser tests start the shops the same way (test/support/example-shop.ts `startExampleShop`). The Vendure shop's
 * start also builds its Dashboard (vite, 1–2 min) when that build's inputs changed, so the first demo takes longer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shopName = process.argv[2] === 'medusa' ? 'medusa' : 'vendure';

/**
 * The workspace packages each demo loads from their build output (directory, output folder). They are
 * built before the start when the output is missing or older than a source, so a later start does not
 * pay for a full `pnpm build`. The example shops build themselves in their `start` script.
 */
const BUILT_PACKAGES = {
  vendure: [
    ['packages/core', 'dist'],
    ['packages/sandbox', 'dist'],
    ['packages/vendure-plugin', 'dist'],
  ],
  medusa: [
    ['packages/core', 'dist'],
    ['packages/sandbox', 'dist'],
    ['packages/medusa-plugin', '.medusa/server'],
  ],
};

/** Newest modification time of a file or of any file below a directory; 0 when it does not exist. */
function newestMtime(/** @type {string} */ path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the packages of {@link BUILT_PACKAGES} when one of them is stale (or DEMO_REBUILD is set). */
function buildIfStale() {
  const packages = BUILT_PACKAGES[shopName];
  const stale = packages.filter(([dir, output]) => {
    const built = newestMtime(join(root, dir, output));
    const sources = Math.max(
      ...['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'].map(f =>
        newestMtime(join(root, dir, f)),
      ),
    );
    return built === 0 || sources > built;
  });
  if (stale.length === 0 && !process.env.DEMO_REBUILD) return;
  console.log(`Building ${packages.map(([dir]) => dir).join(', ')}… / 正在构建…`);
  const filters = packages.flatMap(([dir]) => ['--filter', `./${dir}`]);
  const build = spawnSync('pnpm', [...filters, 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('The build failed / 构建失败');
    process.exit(build.status ?? 1);
  }
}
const ports = { sandbox: 7010, shop: shopName === 'medusa' ? 9000 : 3000, storefront: 8080 };
const storefrontUrl = `http://localhost:${ports.storefront}`;

/** @type {import('node:child_process').ChildProcess[]} */
const children = [];
let stopping = false;

function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping… / 正在停止…');
  for (const child of children) {
    // Each child leads its own process group: stop the whole tree (pnpm → node → server).
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  // The last resort only: the Medusa shop gives Medusa up to 10 s to stop, then stops its PostgreSQL
  // (about 2 s in all, longer on a busy machine); killing it earlier would leave PostgreSQL running.
  setTimeout(() => {
    for (const child of children) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(code);
  }, 15_000).unref();
  Promise.all(
    children.map(
      c => new Promise(resolve => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
    ),
  ).then(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

/**
 * Starts a command and resolves with the first stdout line accepted by `ready` (its parsed value).
 * @template T
 * @param {string} label @param {string} command @param {string[]} args
 * @param {(line: string) => T | undefined} ready @param {NodeJS.ProcessEnv} env
 * @returns {Promise<T>}
 */
function start(label, command, args, ready, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(child);
    let done = false;
    const onLine = (/** @type {string} */ line) => {
      if (!done) {
        const value = ready(line);
        if (value !== undefined) {
          done = true;
          resolve(value);
          return;
        }
      }
      if (process.env.DEMO_VERBOSE || !done) console.log(`  [${label}] ${line}`);
    };
    createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) }).on(
      'line',
      onLine,
    );
    createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stderr) }).on(
      'line',
      line => {
        if (process.env.DEMO_VERBOSE || !done) console.error(`  [${label}] ${line}`);
      },
    );
    child.once('exit', code => {
      if (!done) reject(new Error(`${label} exited with code ${code} before it was ready`));
      else if (!stopping) {
        console.error(`${label} stopped unexpectedly (code ${code}) / ${label} 意外退出`);
        stopAll(1);
      }
    });
  });
}

async function main() {
  buildIfStale();
  console.log(`Starting the ${shopName} demo… / 正在启动 ${shopName} 演示…`);
  /** @type {{ url: string, legacyGateway: string, openapiGateway: string, buyer: { email: string, password: string } }} */
  const sandbox = await start(
    'sandbox',
    process.execPath,
    [
      'packages/sandbox/dist/cli.js',
      '--port',
      String(ports.sandbox),
      '--host',
      '127.0.0.1',
      '--time-scale',
      '60',
      '--config',
      'examples/sandbox/demo-accounts.json',
    ],
    line => (line.startsWith('{') ? JSON.parse(line) : undefined),
  );
  const shopEnv = {
    PORT: String(ports.shop),
    ALIPAY_SANDBOX_URL: sandbox.url,
    STOREFRONT_URL: storefrontUrl,
    VENDURE_DISABLE_TELEMETRY: 'true',
    MEDUSA_DISABLE_TELEMETRY: 'true',
  };
  /** @type {{ url: string, adminUrl: string, adminUser: string, adminPassword: string, publishableKey?: string }} */
  const shop = await start(
    shopName,
    'pnpm',
    ['--silent', '--filter', `@alipay-commerce/example-${shopName}-shop`, 'start'],
    line => {
      const match = /^ALIPAY_COMMERCE_READY (\{.*\})$/.exec(line.trim());
      return match ? JSON.parse(/** @type {string} */ (match[1])) : undefined;
    },
    shopEnv,
  );
  await start(
    'storefront',
    process.execPath,
    [
      'examples/storefront/src/main.mjs',
      '--shop',
      shopName,
      '--shop-url',
      shop.url,
      '--port',
      String(ports.storefront),
      '--publishable-key',
      shop.publishableKey ?? '',
    ],
    line => (line.startsWith('Storefront on') ? true : undefined),
  );

  const adminLabel = shopName === 'medusa' ? 'Medusa admin 商家后台 ' : 'Vendure Dashboard 后台  ';
  const howTo =
    shopName === 'medusa'
      ? `  Pick a product and pay with Alipay on the sandbox cashier (the test buyer is pre-filled); you come back
  to a paid order. The admin's Settings → Alipay chooses the interface: OpenAPI page + wap + QR is active
  ("Always show a QR code on desktop" for QR). For escrow (担保交易) choose "Legacy: escrow" and the gateway
  ${sandbox.legacyGateway}, pay, then ship the order in the admin (Fulfill items → Mark as shipped) and
  confirm receipt at ${sandbox.url}/buyer/trades. The USD region (美国 United States) pays through Antom
  (provider pp_alipay_antom, Settings → Alipay → "Settings of" antom): carts made in it through the Store API
  go to the sandbox's Antom cashier.
  选择商品，在沙箱收银台用支付宝付款（测试买家已预填），返回即可看到已支付的订单。后台「Settings → Alipay」决定使用的接口：
  当前为开放平台电脑网站 + 手机网站 + 扫码（开启“电脑端始终显示二维码”即为扫码）。担保交易：选择「旧版：担保交易」，网关填
  ${sandbox.legacyGateway}，付款后在后台发货（Fulfill items → Mark as shipped），再到 ${sandbox.url}/buyer/trades 确认收货。
  美元区域（美国 United States）通过 Antom 收款（提供方 pp_alipay_antom，「Settings → Alipay」中“设置对象”选 antom）：
  通过 Store API 在该区域创建的购物车会跳转到沙箱的 Antom 收银台。`
      : `  Pick a product, choose how to pay with Alipay, pay on the sandbox cashier (the test buyer is pre-filled),
  and come back to a paid order. Escrow (担保交易) orders are settled after you ship them in the Dashboard
  (Fulfill order → Transition to Shipped) and confirm receipt at ${sandbox.url}/buyer/trades.
  选择商品和支付宝付款方式，在沙箱收银台付款（测试买家已预填），返回即可看到已支付的订单。担保交易订单需在后台
  发货（Fulfill order → Transition to Shipped），并在 ${sandbox.url}/buyer/trades 确认收货后才结算。`;
  console.log(`
  ✔ Alipay commerce demo (${shopName}) is running / 演示已启动

  Storefront 店面              ${storefrontUrl}
  ${adminLabel}      ${shop.adminUrl}   login 账号 ${shop.adminUser} / ${shop.adminPassword}
  Alipay sandbox 支付宝沙箱    ${sandbox.url}   test buyer 测试买家 ${sandbox.buyer.email} / ${sandbox.buyer.password}

  These are throw-away test accounts of a local demo, printed on purpose: never use them for real money.
  以上均为本地演示的测试账号，特意打印出来，切勿用于真实资金。

${howTo}

  The sandbox keeps its trades in memory: orders paid before a restart stay paid in the shop, but the
  sandbox no longer knows their trades. 沙箱的交易只保存在内存中，重启后旧订单的交易在沙箱中不再存在。

  Ctrl-C stops everything / 按 Ctrl-C 停止全部服务。
`);
}

main().catch(error => {
  console.error(`Demo failed to start: ${error.message}`);
  stopAll(1);
});
