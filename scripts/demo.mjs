#!/usr/bin/env node
// @ts-check
/**
 * `pnpm demo` / `pnpm demo:medusa`: starts the offline Alipay sandbox (7010), an example shop (Vendure on
 * 3000 or Medusa on 9000) and the storefront (8080), prints where everything is, and stops it all on Ctrl-C.
 *
 * Contract with the example shops: `pnpm --filter <shop> start` seeds on first start (later starts reuse
 * the data), then prints one line `ALIPAY_COMMERCE_READY {"url", "adminUrl", "adminUser", "adminPassword",
 * "publishableKey"?}` on stdout once it serves requests.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shopName = process.argv[2] === 'medusa' ? 'medusa' : 'vendure';
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
  setTimeout(() => {
    for (const child of children) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(code);
  }, 4000).unref();
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

  console.log(`
  ✔ Alipay commerce demo (${shopName}) is running / 演示已启动

  Storefront 店面          ${storefrontUrl}
  ${shopName === 'medusa' ? 'Medusa admin' : 'Vendure admin'} 商家后台  ${shop.adminUrl}   (${shop.adminUser} / ${shop.adminPassword})
  Alipay sandbox 支付宝沙箱 ${sandbox.url}   (test buyer 测试买家 ${sandbox.buyer.email} / ${sandbox.buyer.password})

  Pick a product, pay on the sandbox cashier, come back to a paid order. Escrow (担保交易) orders are settled
  after you mark them shipped in the admin and confirm receipt at ${sandbox.url}/buyer/trades.
  选择商品，在沙箱收银台付款，返回即可看到已支付的订单。

  Ctrl-C stops everything / 按 Ctrl-C 停止全部服务。
`);
}

main().catch(error => {
  console.error(`Demo failed to start: ${error.message}`);
  stopAll(1);
});
