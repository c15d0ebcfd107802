/**
 * Issue 15 item 8: the example shops are safe to copy. Each shop is started as a real process, exactly as
 * `pnpm demo` / `pnpm start` starts it:
 * - on a first run (no NODE_ENV) its secrets are generated into `$DATA_DIR/secrets.json` (git-ignored,
 *   0600) and the running server really uses them (a session cookie / JWT verifies with the file's secret);
 * - with `NODE_ENV=production` and no secrets it refuses to start, says which are missing (English and
 *   中文), and generates nothing;
 * - express-shop's merchant routes need the merchant token, and the refund ID is the shop's, not the
 *   caller's.
 * No browser: these tests talk HTTP to the shops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningShop, startExampleShop, stopProcessGroup } from '../support/example-shop';
import { type DemoSandbox, demoAccountsPath, eventually, startDemoSandbox } from '../support/sandbox';
import { freePort, repoRoot } from '../support/shop-process';

/** What a process printed until it exited, became ready, or ran out of time. */
interface RunResult {
  code: number | null;
  ready: boolean;
  timedOut: boolean;
  output: string;
}

const running = new Set<ChildProcess>();
const tempDirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Stops a process group started by {@link spawnGroup}. */
const stopGroup = stopProcessGroup;

function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, VENDURE_DISABLE_TELEMETRY: 'true', MEDUSA_DISABLE_TELEMETRY: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Runs a command until it exits, prints a line matching `ready` (then it is stopped: a shop that should
 * have refused started), or `timeoutMs` passes (then it is stopped too).
 */
async function runUntilExit(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { ready: RegExp; timeoutMs: number },
): Promise<RunResult> {
  const child = spawnGroup(command, args, env);
  const lines: string[] = [];
  let ready = false;
  let timedOut = false;
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => {
      timedOut = true;
      resolve();
    }, options.timeoutMs);
    const onLine = (line: string) => {
      lines.push(line);
      if (options.ready.test(line)) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  await stopGroup(child);
  return { code: await exited, ready, timedOut, output: lines.join('\n') };
}

/** Starts a long-running process and resolves once a line matches `ready`. */
async function startUntilReady(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawnGroup(command, args, env);
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${lines.join('\n')}`)), 60_000);
    const onLine = (line: string) => {
      lines.push(line);
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${lines.join('\n')}`));
    });
  });
  return { child, lines };
}

/** Environment without any secret the shops read, whatever the test runner's environment holds. */
const NO_SECRETS: NodeJS.ProcessEnv = {
  MERCHANT_TOKEN: '',
  COOKIE_SECRET: '',
  JWT_SECRET: '',
  ALIPAY_SETTINGS_SECRET: '',
};

/** express-shop's order as `GET /orders/:id?format=json` shows it (the fields the tests read). */
interface ExpressOrder {
  outTradeNo: string;
  status: string;
  refundedFen: number;
}

/** express-shop's answer to `POST /orders/:id/refund`. */
interface RefundAnswer {
  refundId: string;
  status: string;
  refundRequestNo: string;
  refundedTotalFen?: number;
}

function readSecrets(dataDir: string): Record<string, string> {
  return JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
}

afterEach(async () => {
  await Promise.all([...running].map(stopGroup));
});

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------

describe('express-shop', () => {
  const server = join(repoRoot, 'examples', 'express-shop', 'src', 'server.mjs');
  let sandbox: DemoSandbox;
  let settingsFile: string;

  beforeAll(async () => {
    sandbox = await startDemoSandbox();
    const app = JSON.parse(readFileSync(demoAccountsPath, 'utf8')).apps[0];
    settingsFile = join(tempDir('express-settings-'), 'alipay-settings.json');
    writeFileSync(
      settingsFile,
      JSON.stringify({
        interfaceType: 'openapi-qr',
        appId: app.appId,
        appPrivateKey: app.privateKey,
        alipayPublicKey: sandbox.sandbox.apps[0]!.alipayPublicKey,
        gateway: sandbox.sandbox.openapiGateway,
      }),
    );
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const envFor = async (dataDir: string, extra: NodeJS.ProcessEnv = {}) => {
    const port = await freePort();
    return {
      port,
      env: {
        ...NO_SECRETS,
        NODE_ENV: '',
        PORT: String(port),
        DATA_DIR: dataDir,
        ALIPAY_SETTINGS: settingsFile,
        // The sandbox runs on loopback: the deployment's explicit opt-in (docs/security.md).
        ALIPAY_ALLOW_LOOPBACK_GATEWAY: 'true',
        ...extra,
      },
    };
  };

  /**
   * An express-shop process started with `merchantToken`, and one order in it created, sent to the cashier and
   * paid by the sandbox's buyer (its notification answered).
   */
  async function paidExpressOrder(dirPrefix: string, merchantToken: string) {
    const { port, env } = await envFor(tempDir(dirPrefix), { MERCHANT_TOKEN: merchantToken });
    await startUntilReady(process.execPath, [server], env, /Express shop on/);
    const shop = `http://127.0.0.1:${port}`;
    const created = await fetch(`${shop}/orders`, {
      method: 'POST',
      body: new URLSearchParams({ productId: 'ebook' }),
      redirect: 'manual',
    });
    expect(created.status).toBe(303);
    const orderPath = created.headers.get('location')!.replace(/\/pay$/, '');
    expect((await fetch(`${shop}${orderPath}/pay`)).status).toBe(200);
    const orderNow = async () =>
      (await (await fetch(`${shop}${orderPath}?format=json`)).json()) as ExpressOrder;
    const order = await orderNow();
    await sandbox.pay({ outTradeNo: order.outTradeNo, appId: sandbox.sandbox.apps[0]!.appId });
    return { shop, orderPath, order, orderNow };
  }

  it('NODE_ENV=production without MERCHANT_TOKEN: refuses to start and generates nothing', async () => {
    const dataDir = tempDir('express-prod-');
    const { env } = await envFor(dataDir, { NODE_ENV: 'production' });
    const result = await runUntilExit(process.execPath, [server], env, {
      ready: /Express shop on/,
      timeoutMs: 20_000,
    });
    expect(result.ready, result.output).toBe(false);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('MERCHANT_TOKEN');
    expect(result.output).toContain('缺少密钥');
    expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);

    // …and starts once the token is set.
    const withToken = await envFor(dataDir, { NODE_ENV: 'production', MERCHANT_TOKEN: 'x'.repeat(40) });
    const started = await runUntilExit(process.execPath, [server], withToken.env, {
      ready: /Express shop on/,
      timeoutMs: 20_000,
    });
    expect(started.ready, started.output).toBe(true);
    expect(started.output).not.toContain('x'.repeat(40));
  });

  it('first run: generates the merchant token into the git-ignored file and prints it only once', async () => {
    const dataDir = tempDir('express-dev-');
    const first = await runUntilExit(process.execPath, [server], (await envFor(dataDir)).env, {
      ready: /Express shop on/,
      timeoutMs: 20_000,
    });
    expect(first.ready, first.output).toBe(true);
    const { MERCHANT_TOKEN: token } = readSecrets(dataDir);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o077).toBe(0);
    expect(first.output.split(token!).length - 1).toBe(1);

    const second = await runUntilExit(process.execPath, [server], (await envFor(dataDir)).env, {
      ready: /Express shop on/,
      timeoutMs: 20_000,
    });
    expect(second.ready, second.output).toBe(true);
    expect(second.output).not.toContain(token);
    expect(readSecrets(dataDir).MERCHANT_TOKEN).toBe(token);
    // The default data directory is git-ignored.
    expect(readFileSync(join(repoRoot, '.gitignore'), 'utf8')).toMatch(/^\.data\/$/m);
  });

  it('ship and refund need the merchant token; the refund ID is the shop’s, not the caller’s', async () => {
    // The token from the environment this time (the other way a deployment provides it).
    const token = 'e'.repeat(64);
    const { shop, orderPath, orderNow } = await paidExpressOrder('express-routes-', token);
    expect((await orderNow()).status).toBe('paid');

    const merchantCall = (action: 'ship' | 'refund', headers: Record<string, string>, body: object) =>
      fetch(`${shop}${orderPath}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const badHeaders: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: token },
    ];
    for (const headers of badHeaders) {
      for (const action of ['ship', 'refund'] as const) {
        const refused = await merchantCall(action, headers, { amountFen: 100 });
        expect(refused.status, `${action} ${JSON.stringify(headers)}`).toBe(401);
        expect(await refused.text()).toContain('需要商家令牌');
      }
    }
    expect((await orderNow()).refundedFen).toBe(0);

    const auth = { authorization: `Bearer ${token}` };
    const first = await merchantCall('refund', auth, { amountFen: 100, refundId: 'caller-chosen' });
    expect(first.status).toBe(200);
    const firstOutcome = (await first.json()) as RefundAnswer;
    expect(firstOutcome).toMatchObject({ status: 'succeeded', refundedTotalFen: 100 });
    expect(firstOutcome.refundId).not.toBe('caller-chosen');
    expect(firstOutcome.refundRequestNo).not.toContain('caller-chosen');
    // The same caller-chosen ID again is a second refund, not swallowed as a duplicate of the first.
    const second = await merchantCall('refund', auth, { amountFen: 100, refundId: 'caller-chosen' });
    const secondOutcome = (await second.json()) as RefundAnswer;
    expect(secondOutcome).toMatchObject({ status: 'succeeded', refundedTotalFen: 200 });
    expect(secondOutcome.refundId).not.toBe(firstOutcome.refundId);
    expect((await orderNow()).refundedFen).toBe(200);
  });

  it('a refund notification that arrives after the next refund does not lower the refunded total', async () => {
    const { shop, orderPath, order, orderNow } = await paidExpressOrder(
      'express-late-refund-',
      'f'.repeat(64),
    );
    const refund = (amountFen: number) =>
      fetch(`${shop}${orderPath}/refund`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${'f'.repeat(64)}` },
        body: JSON.stringify({ amountFen }),
      });

    // Alipay holds back the first refund's notification (refunded total 1.00) until after the second refund.
    await sandbox.addFault({
      scope: { outTradeNo: order.outTradeNo },
      fault: 'delay-notify',
      ms: 60_000,
      count: 1,
    });
    expect((await refund(100)).status).toBe(200);
    expect((await refund(100)).status).toBe(200);
    await eventually(async () => expect((await orderNow()).refundedFen).toBe(200));
    const before = (await sandbox.deliveries(order.outTradeNo)).length;
    await sandbox.advanceClock(60_000);
    await eventually(async () =>
      expect((await sandbox.deliveries(order.outTradeNo)).length).toBeGreaterThan(before),
    );
    expect((await orderNow()).refundedFen).toBe(200);
  });
});

/**
 * Starts an example shop for the first time (a fresh data directory, so it generates its secrets) against
 * a demo sandbox, runs `check` on it, and stops both whatever happens.
 */
async function onFirstRun(
  name: 'vendure' | 'medusa',
  check: (shop: RunningShop) => Promise<void>,
): Promise<void> {
  const sandbox = await startDemoSandbox();
  try {
    const shop = await startExampleShop(name, {
      sandboxUrl: sandbox.url,
      storefrontUrl: 'http://localhost:8080',
    });
    try {
      await check(shop);
    } finally {
      await shop.stop();
    }
  } finally {
    await sandbox.close();
  }
}

/**
 * Starts an example shop with `NODE_ENV=production` and none of its secrets in a fresh data directory,
 * and checks that it refused: it exited on its own, non-zero, before its ready line, saying in 中文 too
 * that secrets are missing. The caller checks which secrets it named and that nothing was generated.
 */
async function refusedProductionStart(
  start: string[],
  dataDirPrefix: string,
  timeoutMs: number,
): Promise<{ dataDir: string; output: string }> {
  const dataDir = tempDir(dataDirPrefix);
  const result = await runUntilExit(
    'pnpm',
    start,
    { ...NO_SECRETS, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(await freePort()) },
    { ready: /^ALIPAY_COMMERCE_READY /, timeoutMs },
  );
  expect(result.ready, result.output).toBe(false);
  expect(result.timedOut, result.output).toBe(false);
  expect(result.code).not.toBe(0);
  expect(result.output).toContain('缺少密钥');
  return { dataDir, output: result.output };
}

// ---------------------------------------------------------------------------------------------------

describe('vendure-shop', () => {
  const start = ['--silent', '--filter', '@alipay-commerce/example-vendure-shop', 'start'];

  it('NODE_ENV=production without COOKIE_SECRET: refuses to start and generates nothing', async () => {
    const { dataDir, output } = await refusedProductionStart(start, 'vendure-prod-', 180_000);
    expect(output).toContain('COOKIE_SECRET');
    expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'vendure.sqlite'))).toBe(false);
  }, 200_000);

  it('first run: generates the cookie secret into the data directory, and the admin session is signed with it', async () => {
    await onFirstRun('vendure', async shop => {
      const { COOKIE_SECRET: secret } = readSecrets(shop.dataDir);
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(shop.dataDir, 'secrets.json')).mode & 0o077).toBe(0);
      expect(shop.log.join('\n')).not.toContain(secret);

      const login = await fetch(`${shop.url}/admin-api`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `mutation { login(username: "${shop.adminUser}", password: "${shop.adminPassword}") { ... on CurrentUser { id } } }`,
        }),
      });
      const cookies = login.headers.getSetCookie().map(c => c.split(';')[0]!);
      const session = cookies.find(c => c.startsWith('session='));
      const signature = cookies.find(c => c.startsWith('session.sig='))?.slice('session.sig='.length);
      expect(session && signature, cookies.join('; ')).toBeTruthy();
      // cookie-session signs "name=value" with keygrip: HMAC-SHA1, base64url without padding.
      const expected = createHmac('sha1', secret!).update(session!).digest('base64url');
      expect(signature).toBe(expected);
    });
  }, 300_000);
});

// ---------------------------------------------------------------------------------------------------

describe('medusa-shop', () => {
  const start = ['--silent', '--filter', '@alipay-commerce/example-medusa-shop', 'start'];

  it('NODE_ENV=production without its secrets: refuses to start (before PostgreSQL) and generates nothing', async () => {
    const { dataDir, output } = await refusedProductionStart(start, 'medusa-prod-', 90_000);
    for (const name of ['JWT_SECRET', 'COOKIE_SECRET', 'ALIPAY_SETTINGS_SECRET'])
      expect(output).toContain(name);
    expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
  }, 120_000);

  it('first run: generates its secrets into the data directory, and the admin JWT is signed with JWT_SECRET', async () => {
    await onFirstRun('medusa', async shop => {
      const secrets = readSecrets(shop.dataDir);
      for (const name of ['JWT_SECRET', 'COOKIE_SECRET', 'ALIPAY_SETTINGS_SECRET']) {
        expect(secrets[name], name).toMatch(/^[0-9a-f]{64}$/);
        expect(shop.log.join('\n')).not.toContain(secrets[name]);
      }
      expect(statSync(join(shop.dataDir, 'secrets.json')).mode & 0o077).toBe(0);

      const login = await fetch(`${shop.url}/auth/user/emailpass`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: shop.adminUser, password: shop.adminPassword }),
      });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const [header, payload, signature] = token.split('.');
      const expected = createHmac('sha256', secrets.JWT_SECRET!)
        .update(`${header}.${payload}`)
        .digest('base64url');
      expect(signature).toBe(expected);
      // The Alipay settings the first start saved are readable with the generated ALIPAY_SETTINGS_SECRET.
      const settings = await fetch(`${shop.url}/admin/alipay/settings`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(settings.status).toBe(200);
      expect(JSON.stringify(await settings.json())).not.toMatch(/cannot be decrypted|无法.*解密/);
    });
  }, 600_000);
});
