import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AntomClient } from './antom-accounts';
import { handleAntomCashier } from './antom-cashier';
import { handleAntomGateway } from './antom-gateway';
import { AntomStore } from './antom-store';
import { handleBrowserRoute } from './browser-routes';
import type { AppCertificates } from './certs';
import { SandboxClock } from './clock';
import {
  ALWAYS_ALLOWED_SERVICES,
  type App,
  type Buyer,
  loadConfigFile,
  type Merchant,
  resolveConfig,
  type SandboxConfigInput,
} from './config';
import type { SandboxContext } from './context';
import { handleControlApi } from './control-api';
import { FaultRegistry } from './faults';
import { h, page } from './html';
import { BodyTooLargeError, readBody, sendHtml, sendJson, splitUrl } from './http-util';
import { handleLegacyGateway } from './legacy-gateway';
import { Lifecycle } from './lifecycle';
import { Notifier } from './notifier';
import { handleOpenApiGateway } from './openapi-gateway';
import { TradeStore } from './trade-store';

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Divides every Alipay delay (retries, notify_id expiry, timeouts). Default 1. */
  timeScale?: number;
  /** Accounts: a config object, or the path of a JSON config file. */
  config?: SandboxConfigInput | string;
}

/** A legacy merchant as printed on start-up (test credentials). */
export interface MerchantInfo {
  partner: string;
  /** MD5 security key. */
  key: string;
  sellerEmail: string;
  sellerId: string;
  /** Every legacy service this partner may call (its contract plus the always-allowed ones). */
  contract: string[];
  name: string;
  sellerPassword: string;
  contactUrl?: string;
  /** The merchant's RSA key pair for `sign_type=RSA` (the private key is test material). */
  rsaPrivateKey?: string;
  rsaPublicKey: string;
  /** Alipay's legacy RSA public key, to verify `sign_type=RSA` notifications. */
  alipayRsaPublicKey: string;
}

/** An OpenAPI app as printed on start-up (test credentials). */
export interface AppInfo {
  appId: string;
  /** The app's private key, which the merchant signs requests with. */
  privateKey: string;
  publicKey: string;
  /** The sandbox's "Alipay" public key, which the merchant verifies answers and notifications with. */
  alipayPublicKey: string;
  products: string[];
  sellerId: string;
  sellerEmail: string;
  name: string;
  aesKey?: string;
  /** Certificate mode: the three certificate files and their SNs. */
  certificates?: AppCertificates;
}

/** An Antom client as printed on start-up (test credentials). */
export interface AntomClientInfo {
  clientId: string;
  /** The merchant's private key (PEM), which it signs requests with; absent when the config gave only the public key. */
  privateKey?: string;
  /** The merchant's public key, which the sandbox verifies requests with. */
  publicKey: string;
  /** The sandbox's "Antom" public key, which the merchant verifies answers and notifications with. */
  antomPublicKey: string;
  keyVersion: string;
  name: string;
  paymentMethods: string[];
  /** `/ams/sandbox/api` for a `SANDBOX_` client, `/ams/api` otherwise: the path prefix it must call. */
  apiPrefix: string;
  /** CLI only: files holding the keys above, for SDKs that read keys from files. */
  privateKeyFile?: string;
  publicKeyFile?: string;
  antomPublicKeyFile?: string;
}

/** The start-up JSON (the CLI's first stdout line; also `GET /__sandbox/config`). */
export interface SandboxInfo {
  url: string;
  legacyGateway: string;
  openapiGateway: string;
  controlApi: string;
  timeScale: number;
  merchants: MerchantInfo[];
  apps: AppInfo[];
  buyer: Buyer;
  /** The Antom gateway's base URL (what a client puts in place of `https://open-na-global.alipay.com`). */
  antomGateway: string;
  /** Antom clients (cross-border acquiring). */
  antomClients: AntomClientInfo[];
}

/** A running sandbox. */
export interface Sandbox extends SandboxInfo {
  /** The same data as a plain object (what the CLI prints). */
  info(): SandboxInfo;
  /** Forgets trades, notifications, faults and clock offset; keeps accounts and keys. */
  reset(): void;
  /** Advances the sandbox clock and waits for the tasks that became due. */
  advanceClock(ms: number): Promise<void>;
  /** Stops timers, releases hung requests and closes the server. */
  close(): Promise<void>;
}

function merchantInfo(m: Merchant, alipayRsaPublicKey: string): MerchantInfo {
  const info: MerchantInfo = {
    partner: m.partner,
    key: m.key,
    sellerEmail: m.sellerEmail,
    sellerId: m.sellerId,
    contract: [...m.contract, ...ALWAYS_ALLOWED_SERVICES.filter(s => !m.contract.includes(s))],
    name: m.name,
    sellerPassword: m.sellerPassword,
    rsaPublicKey: m.rsaPublicKey,
    alipayRsaPublicKey,
  };
  if (m.contactUrl) info.contactUrl = m.contactUrl;
  if (m.rsaPrivateKey) info.rsaPrivateKey = m.rsaPrivateKey;
  return info;
}

function appInfo(a: App): AppInfo {
  const info: AppInfo = {
    appId: a.appId,
    privateKey: a.privateKey,
    publicKey: a.publicKey,
    alipayPublicKey: a.alipayPublicKey,
    products: [...a.products],
    sellerId: a.sellerId,
    sellerEmail: a.sellerEmail,
    name: a.name,
  };
  if (a.aesKey) info.aesKey = a.aesKey;
  if (a.certificates) info.certificates = { ...a.certificates };
  return info;
}

function antomClientInfo(c: AntomClient, antomPublicKey: string): AntomClientInfo {
  const info: AntomClientInfo = {
    clientId: c.clientId,
    publicKey: c.publicKey,
    antomPublicKey,
    keyVersion: c.keyVersion,
    name: c.name,
    paymentMethods: [...c.paymentMethods],
    apiPrefix: c.clientId.startsWith('SANDBOX_') ? '/ams/sandbox/api' : '/ams/api',
  };
  if (c.privateKey) info.privateKey = c.privateKey;
  return info;
}

function indexPage(info: SandboxInfo): string {
  const merchants = info.merchants
    .map(
      m =>
        `<tr><td><code>${h(m.partner)}</code></td><td>${h(m.name)}</td><td>${h(m.sellerEmail)}</td><td>${m.contract
          .map(c => `<code>${h(c)}</code>`)
          .join(' ')}</td></tr>`,
    )
    .join('\n');
  const apps = info.apps
    .map(
      a =>
        `<tr><td><code>${h(a.appId)}</code></td><td>${h(a.name)}</td><td>${h(a.products.join(', '))}</td><td>${
          a.certificates ? '证书模式 certificates' : '公钥模式 public key'
        }</td></tr>`,
    )
    .join('\n');
  const body = `<h1>支付宝离线沙箱 Alipay offline sandbox</h1>
<p>旧版网关 Legacy gateway: <code data-testid="legacy-gateway">${h(info.legacyGateway)}</code></p>
<p>开放平台网关 OpenAPI gateway: <code data-testid="openapi-gateway">${h(info.openapiGateway)}</code></p>
<p>测试买家 Test buyer: <code>${h(info.buyer.email)}</code> / <code>${h(info.buyer.password)}</code> ·
<a href="/buyer/trades">我的交易 My trades</a></p>
<h2>商户 Merchants (partner + MD5)</h2>
<table class="details"><tr><th>partner</th><th>名称 name</th><th>seller_email</th><th>签约接口 contract</th></tr>${merchants}</table>
<h2>应用 Apps (OpenAPI)</h2>
<table class="details"><tr><th>app_id</th><th>名称 name</th><th>产品 products</th><th>模式 mode</th></tr>${apps}</table>
<h2>Antom 跨境 (cross-border)</h2>
<p>网关 Gateway: <code data-testid="antom-gateway">${h(info.antomGateway)}</code></p>
<table class="details"><tr><th>Client-Id</th><th>名称 name</th><th>支付方式 methods</th><th>路径 path</th></tr>${info.antomClients
    .map(
      c =>
        `<tr><td><code>${h(c.clientId)}</code></td><td>${h(c.name)}</td><td>${h(c.paymentMethods.join(', '))}</td><td><code>${h(c.apiPrefix)}</code></td></tr>`,
    )
    .join('\n')}</table>
<p class="note">密钥见 Keys: <a href="/__sandbox/config">/__sandbox/config</a> (测试材料 test material only).</p>`;
  return page('沙箱 Sandbox', body, 'index-page');
}

/**
 * Starts the emulator. Keys are generated unless the config fixes them; the returned object carries the
 * credentials and `close()`.
 *
 * @example
 * const sandbox = await startSandbox({ timeScale: 60 });
 * const [merchant] = sandbox.merchants; // partner, key, sellerEmail …
 * await sandbox.close();
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const input =
    typeof options.config === 'string' ? await loadConfigFile(options.config) : (options.config ?? {});
  const config = await resolveConfig(input);
  const clock = new SandboxClock(options.timeScale ?? 1);
  const store = new TradeStore();
  const faults = new FaultRegistry();
  const hung = new Set<ServerResponse>();
  const merchants = new Map(config.merchants.map(m => [m.partner, m]));
  const apps = new Map(config.apps.map(a => [a.appId, a]));
  const antomClients = new Map(config.antom.clients.map(c => [c.clientId, c]));
  const antomStore = new AntomStore();

  // Two-phase wiring: the lifecycle and the notifier need the context, and the context holds them.
  const ctx = {
    config,
    clock,
    store,
    faults,
    gatewayCalls: [],
    baseUrl: '',
    merchant: (partner: string | undefined) => (partner ? merchants.get(partner) : undefined),
    app: (appId: string | undefined) => (appId ? apps.get(appId) : undefined),
    antom: {
      store: antomStore,
      client: (clientId: string | undefined) => (clientId ? antomClients.get(clientId) : undefined),
    },
    hang: (res: ServerResponse) => {
      hung.add(res);
      res.on('close', () => hung.delete(res));
    },
  } as unknown as SandboxContext;
  ctx.lifecycle = new Lifecycle(ctx);
  ctx.notifier = new Notifier(
    clock,
    faults,
    { settled: n => ctx.lifecycle.settleNotifyId(n.input.notifyId) },
    config.notifyTimeoutMs,
  );

  const releaseHung = (): void => {
    for (const res of hung) res.destroy();
    hung.clear();
  };
  const reset = (): void => {
    clock.clear();
    store.clear();
    antomStore.clear();
    ctx.notifier.clear();
    faults.clear();
    ctx.gatewayCalls.length = 0;
    releaseHung();
  };
  let info: SandboxInfo;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { path, query } = splitUrl(req);
    const method = req.method ?? 'GET';
    if (path === '/gateway.do' || path === '/trade/notify_query.do') {
      const body = method === 'POST' ? await readBody(req) : Buffer.alloc(0);
      return handleLegacyGateway(
        ctx,
        req,
        res,
        query,
        body,
        path === '/trade/notify_query.do' ? 'notify_verify' : undefined,
      );
    }
    if (path === '/openapi/gateway.do') {
      const body = method === 'POST' ? await readBody(req) : Buffer.alloc(0);
      return handleOpenApiGateway(ctx, req, res, query, body);
    }
    if (path.startsWith('/ams/')) {
      const body = method === 'POST' ? await readBody(req) : Buffer.alloc(0);
      return handleAntomGateway(ctx, req, res, path, body);
    }
    if (path === '/__sandbox' || path.startsWith('/__sandbox/')) {
      const search = new URLSearchParams(query.toString('latin1'));
      return handleControlApi(ctx, req, res, path, search, { info: () => info, reset, releaseHung });
    }
    if (path === '/' && method === 'GET') return sendHtml(res, 200, indexPage(info));
    if (await handleBrowserRoute(ctx, req, res, path)) return;
    if (await handleAntomCashier(ctx, req, res, path)) return;
    sendJson(res, 404, { error: `no route ${method} ${path}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(error => {
      if (error instanceof BodyTooLargeError) {
        if (!res.headersSent) sendJson(res, 413, { error: error.message });
        return;
      }
      process.stderr.write(`alipay-sandbox: ${req.method} ${req.url}: ${(error as Error).stack ?? error}\n`);
      if (!res.headersSent)
        sendJson(res, 500, { error: 'sandbox internal error', detail: (error as Error).message });
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  ctx.baseUrl = url;

  info = {
    url,
    legacyGateway: `${url}/gateway.do`,
    openapiGateway: `${url}/openapi/gateway.do`,
    controlApi: `${url}/__sandbox`,
    timeScale: clock.timeScale,
    merchants: config.merchants.map(m => merchantInfo(m, config.legacyRsaKeys.publicKey)),
    apps: config.apps.map(appInfo),
    buyer: { ...config.buyer },
    antomGateway: url,
    antomClients: config.antom.clients.map(c => antomClientInfo(c, config.antom.antomKeys.publicKey)),
  };

  let closed: Promise<void> | undefined;
  return {
    ...info,
    info: () => info,
    reset,
    advanceClock: ms => clock.advance(ms),
    close: () => {
      closed ??= new Promise<void>(resolve => {
        clock.close();
        releaseHung();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
