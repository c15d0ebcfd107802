import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { mergeConfig, VENDURE_VERSION, type VendureConfig } from '@vendure/core';
import {
  createTestEnvironment,
  registerInitializer,
  type SimpleGraphQLClient,
  type TestServer,
  testConfig,
} from '@vendure/testing';
import { AlipayPlugin, type AlipayPluginOptions } from '../src';
import { BetterSqlite3Initializer } from './better-sqlite3-initializer';
import { CnyDefaultChannelPlugin } from './fixtures/cny-default-channel.plugin';
import { initialData } from './fixtures/initial-data';
import { RecordingLogger } from './recording-logger';

/** Where templates and run copies live (git-ignored). */
const DATA_DIR = join(__dirname, '__data__');
const PRODUCTS_CSV = join(__dirname, 'fixtures', 'products.csv');
/** Seeded customers (password `test`): one buys, the other tries to touch the first one's orders. */
const CUSTOMER_COUNT = 2;
/** Attempts to start a server when the chosen port was taken in between. */
const MAX_START_ATTEMPTS = 3;

/**
 * The storefront's return page every e2e server uses (`storefrontReturnUrl`); the return route sends
 * buyers there with a status only, and tests compare redirects against it.
 */
export const E2E_STOREFRONT_RETURN_URL = 'https://shop.example/order/return';

/** A running e2e Vendure server with the Alipay plugin, and what tests need to talk to it. */
export interface AlipayTestEnvironment {
  /** The Vendure test server (`server.app` is the Nest application). */
  server: TestServer;
  /** Admin API client (call `asSuperAdmin()` first). */
  adminClient: SimpleGraphQLClient;
  /** Shop API client. */
  shopClient: SimpleGraphQLClient;
  /** The port the server listens on, chosen at random. */
  port: number;
  /** `http://localhost:<port>`, also the plugin's `publicBaseUrl`. */
  baseUrl: string;
  /** The options the plugin was initialised with. */
  pluginOptions: AlipayPluginOptions;
  /** Every line Vendure and the plugin logged while this server ran. */
  logger: RecordingLogger;
  /** The configuration the server runs with. */
  config: Required<VendureConfig>;
  /** Stops the server and deletes this run's database copy. */
  destroy(): Promise<void>;
}

/**
 * A port that is free right now. Test servers of other engineers run on this machine, so a fixed
 * port (Vendure's default 3050, or its per-file scheme) would collide.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    // No host, like Nest's app.listen(port): the probe must see the same (dual-stack) address.
    probe.listen(0, () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') {
          resolve(address.port);
        } else {
          reject(new Error('Could not determine a free port'));
        }
      });
    });
  });
}

/**
 * Identifies the populated content: a change to the fixtures, the customer count or the Vendure
 * version yields a new template instead of silently reusing an outdated one.
 */
function templateKey(): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(initialData))
    .update(readFileSync(PRODUCTS_CSV))
    .update(`${CUSTOMER_COUNT}|${VENDURE_VERSION}|cny-default-channel-v1`)
    .digest('hex')
    .slice(0, 16);
  return `alipay-e2e-${hash}`;
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/**
 * Starts a populated Vendure server with {@link AlipayPlugin} on a random free port, backed by a
 * fresh copy of the better-sqlite3 template (CNY default channel, en + zh_Hans, a few products).
 *
 * @param runLabel - names this run's database copy, e.g. the spec's name.
 * @param overrides - plugin options to change from the defaults.
 */
export async function startAlipayTestEnvironment(
  runLabel: string,
  overrides: Partial<AlipayPluginOptions> = {},
  configure?: (config: Required<VendureConfig>) => void,
): Promise<AlipayTestEnvironment> {
  const logger = new RecordingLogger();
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const baseUrl = `http://localhost:${port}`;
    const pluginOptions: AlipayPluginOptions = {
      publicBaseUrl: baseUrl,
      storefrontReturnUrl: E2E_STOREFRONT_RETURN_URL,
      // Every spec's gateway is the offline sandbox on loopback: a development setup, allowed explicitly.
      allowLoopbackGateway: true,
      ...overrides,
    };
    const config = mergeConfig(testConfig, {
      apiOptions: { port },
      plugins: [CnyDefaultChannelPlugin, AlipayPlugin.init(pluginOptions)],
    });
    // Replaced rather than merged: testConfig's sql.js options (location, autoSave) mean nothing here.
    config.dbConnectionOptions = { type: 'better-sqlite3', database: '', logging: false };
    config.logger = logger;
    configure?.(config);
    const initializer = new BetterSqlite3Initializer(DATA_DIR, templateKey(), runLabel);
    registerInitializer('better-sqlite3', initializer);
    const { server, adminClient, shopClient } = createTestEnvironment(config);
    try {
      await server.init({
        initialData,
        productsCsvPath: PRODUCTS_CSV,
        customerCount: CUSTOMER_COUNT,
        logging: false,
      });
    } catch (error) {
      initializer.removeRunCopy();
      // Another process may take the port between probing and listening; try another one.
      if (isAddressInUse(error) && attempt < MAX_START_ATTEMPTS) {
        continue;
      }
      throw error;
    }
    return {
      server,
      adminClient,
      shopClient,
      port,
      baseUrl,
      pluginOptions,
      logger,
      config,
      async destroy() {
        try {
          await server.destroy();
        } finally {
          initializer.removeRunCopy();
        }
      },
    };
  }
}
