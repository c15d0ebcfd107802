import { generateKeyPair, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { toPrivateKey, toPublicKey } from '@alipay-commerce/core/primitives';
import { type AntomAccounts, type AntomConfigInput, resolveAntomAccounts } from './antom-accounts';
import { type AppCertificates, createCertificateAuthority, issueAppCertificates } from './certs';

/**
 * The sandbox's accounts: legacy merchants (partner + MD5 key, contracted interfaces), OpenAPI apps
 * (app ID, key pair, products, optional certificate mode), the test buyer and the sandbox's own "Alipay"
 * keys. Everything not fixed by the config file is generated at start.
 */

/** Legacy (mapi) interfaces a contract can list. */
export const LEGACY_SERVICES = [
  'create_direct_pay_by_user',
  'create_partner_trade_by_buyer',
  'trade_create_by_buyer',
  'send_goods_confirm_by_platform',
  'single_trade_query',
  'close_trade',
  'refund_fastpay_by_platform_nopwd',
  'refund_fastpay_by_platform_pwd',
  'notify_verify',
] as const;

/** Interfaces every partner may call whatever its contract says. */
export const ALWAYS_ALLOWED_SERVICES: readonly string[] = ['notify_verify', 'refund_fastpay_by_platform_pwd'];

/** OpenAPI products an app can be signed up for. */
export type OpenApiProductName = 'page' | 'wap' | 'qr';

/** One merchant in the config file. Only `partner` is required; the rest is generated or defaulted. */
export interface MerchantConfigInput {
  /** 16 digits starting with 2088. */
  partner: string;
  /** The MD5 security key (交易安全校验码), 32 characters. Generated when absent. */
  key?: string;
  /** The merchant's own Alipay account (its seller_email). */
  sellerEmail?: string;
  /** The merchant's Alipay user ID (seller_id); defaults to the partner ID, as for a B2C merchant. */
  sellerId?: string;
  /** Shop name shown on the cashier. */
  name?: string;
  /** Contracted legacy services; `notify_verify` and `refund_fastpay_by_platform_pwd` are always allowed. */
  contract?: string[];
  /** 营销工具 seller-contact link (给我留言), shown on physical-goods cashiers only. */
  contactUrl?: string;
  /** The seller's login password for `refund_fastpay_by_platform_pwd` confirmation. Default `111111`. */
  sellerPassword?: string;
  /** Merchant RSA key pair for legacy `sign_type=RSA` (only the public key is needed to verify). */
  rsaPublicKey?: string;
  /** Printed back for test scripts when given or generated; the sandbox itself never signs with it. */
  rsaPrivateKey?: string;
  /** Other Alipay accounts this partner may name as seller (C2C platforms, 需与客户经理确认). */
  payees?: Array<{ email: string; userId: string }>;
}

/** One OpenAPI app in the config file. Only `appId` is required. */
export interface AppConfigInput {
  /** The app ID (16 digits in production). */
  appId: string;
  /** The app's RSA private key (PEM or bare base64), which the merchant signs with. Generated when absent. */
  privateKey?: string;
  /** The app's public key (derived from the private key when absent). */
  publicKey?: string;
  /** Products the app is signed up for. Default all three. */
  products?: OpenApiProductName[];
  /** The seller's Alipay user ID (2088…); when absent, derived as 2088103 + the app ID's last 9 digits, moved to the next free number if that is any account's ID (see README). */
  sellerId?: string;
  /** The seller's Alipay account. */
  sellerEmail?: string;
  /** Shop name for the cashier and the app certificate's O= field. */
  name?: string;
  /** Public-key certificate mode: the sandbox issues app, Alipay and root certificates for this app. */
  certificates?: boolean;
  /** Base64 AES key for `encrypt_type=AES` (接口内容加密); generated when `aes: true`. */
  aesKey?: string;
  /** Generate an AES key when `aesKey` is not given. */
  aes?: boolean;
  /** This app's own "Alipay" key pair (Alipay issues one per app); defaults to the sandbox-wide pair. */
  alipayPrivateKey?: string;
  /** Public half of `alipayPrivateKey`. */
  alipayPublicKey?: string;
  /** Where the seller-contact link of the cashier points (wap/page cashiers show none by default). */
  contactUrl?: string;
}

/** The config file (`--config merchants.json`) or the `config` object of `startSandbox`. */
export interface SandboxConfigInput {
  /** Merchants; when present they replace the two defaults. */
  merchants?: MerchantConfigInput[];
  /** Apps; when present they replace the default app. */
  apps?: AppConfigInput[];
  /** The test buyer (买家) the cashier pre-fills. */
  buyer?: Partial<Buyer>;
  /** The sandbox's "Alipay" RSA2 key pair for OpenAPI responses and notifications. */
  alipayKeys?: { privateKey: string; publicKey?: string };
  /** Alipay's legacy RSA (SHA1) key pair for `sign_type=RSA` notifications. */
  legacyRsaKeys?: { privateKey: string; publicKey?: string };
  /** Private key of the sandbox certificate authority (certificate mode); generated when absent. */
  rootCaPrivateKey?: string;
  /** Timeout of one notification delivery, real ms. Default 5000. */
  notifyTimeoutMs?: number;
  /** Refund window of instant trades (TRADE_SUCCESS → TRADE_FINISHED), Alipay days. Default 90. */
  refundWindowDays?: number;
  /** Antom (cross-border) clients and the sandbox's Antom key pair; one sandbox client by default. */
  antom?: AntomConfigInput;
}

/** The test buyer. */
export interface Buyer {
  email: string;
  userId: string;
  password: string;
}

/** A merchant after defaults and key generation. */
export interface Merchant {
  partner: string;
  key: string;
  sellerEmail: string;
  sellerId: string;
  name: string;
  contract: string[];
  contactUrl?: string;
  sellerPassword: string;
  rsaPublicKey: string;
  rsaPrivateKey?: string;
  payees: Array<{ email: string; userId: string }>;
}

/** An app after defaults, key generation and (in certificate mode) certificate issuance. */
export interface App {
  appId: string;
  privateKey: string;
  publicKey: string;
  products: OpenApiProductName[];
  sellerId: string;
  sellerEmail: string;
  name: string;
  alipayPrivateKey: string;
  alipayPublicKey: string;
  certificates?: AppCertificates;
  aesKey?: string;
  contactUrl?: string;
}

/** Everything the sandbox knows about its accounts. */
export interface ResolvedConfig {
  merchants: Merchant[];
  apps: App[];
  buyer: Buyer;
  alipayKeys: { privateKey: string; publicKey: string };
  legacyRsaKeys: { privateKey: string; publicKey: string };
  notifyTimeoutMs: number;
  refundWindowDays: number;
  antom: AntomAccounts;
}

/** Raised for a config file the sandbox cannot use. */
export class SandboxConfigError extends Error {}

async function rsaKeyPair(bits: number): Promise<{ privateKey: string; publicKey: string }> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: bits,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (error, publicKey, privateKey) => (error ? reject(error) : resolve({ privateKey, publicKey })),
    );
  });
}

function publicOf(privateKey: string): string {
  return toPublicKey(toPrivateKey(privateKey)).export({ type: 'spki', format: 'pem' }).toString();
}

async function pair(
  given: { privateKey?: string; publicKey?: string } | undefined,
  bits: number,
  label: string,
): Promise<{ privateKey: string; publicKey: string }> {
  if (!given?.privateKey) return rsaKeyPair(bits);
  try {
    return { privateKey: given.privateKey, publicKey: given.publicKey ?? publicOf(given.privateKey) };
  } catch (error) {
    throw new SandboxConfigError(`${label}: unusable private key (${(error as Error).message})`);
  }
}

const MD5_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function md5Key(): string {
  const bytes = randomBytes(32);
  let out = '';
  for (const b of bytes) out += MD5_KEY_CHARS[b % MD5_KEY_CHARS.length];
  return out;
}

/** Default accounts: merchant A (every legacy interface), merchant B (instant payment only), one app. */
export const DEFAULT_MERCHANTS: MerchantConfigInput[] = [
  {
    partner: '2088101000000001',
    sellerEmail: 'seller-a@sandbox.alipay.test',
    name: 'Sandbox Shop A 沙箱商户A',
    // Every interface a contract can list (the always-allowed ones need no contract).
    contract: LEGACY_SERVICES.filter(s => !ALWAYS_ALLOWED_SERVICES.includes(s)),
  },
  {
    partner: '2088101000000002',
    sellerEmail: 'seller-b@sandbox.alipay.test',
    name: 'Sandbox Shop B 沙箱商户B',
    contract: ['create_direct_pay_by_user'],
  },
];

/** The default OpenAPI app. */
export const DEFAULT_APPS: AppConfigInput[] = [
  {
    appId: '2021000000000001',
    sellerId: '2088101000000011',
    sellerEmail: 'seller-app@sandbox.alipay.test',
    name: 'Sandbox App Shop 沙箱应用商户',
    products: ['page', 'wap', 'qr'],
  },
];

/** The default test buyer. */
export const DEFAULT_BUYER: Buyer = {
  email: 'buyer@sandbox.alipay.test',
  userId: '2088102000000001',
  password: '111111',
};

const PARTNER = /^2088\d{12}$/;

function checkMerchant(m: MerchantConfigInput, index: number): void {
  if (!m || typeof m.partner !== 'string' || !PARTNER.test(m.partner)) {
    throw new SandboxConfigError(`merchants[${index}].partner must be 16 digits starting with 2088`);
  }
  if (m.key !== undefined && (typeof m.key !== 'string' || m.key.length === 0)) {
    throw new SandboxConfigError(`merchants[${index}].key must be a non-empty string`);
  }
  for (const service of m.contract ?? []) {
    if (!(LEGACY_SERVICES as readonly string[]).includes(service)) {
      throw new SandboxConfigError(
        `merchants[${index}].contract: unknown service ${JSON.stringify(service)}`,
      );
    }
  }
}

function checkApp(a: AppConfigInput, index: number): void {
  if (!a || typeof a.appId !== 'string' || !/^\d{6,32}$/.test(a.appId)) {
    throw new SandboxConfigError(`apps[${index}].appId must be a string of digits`);
  }
  for (const p of a.products ?? []) {
    if (!['page', 'wap', 'qr'].includes(p))
      throw new SandboxConfigError(`apps[${index}].products: unknown ${p}`);
  }
  if (a.sellerId !== undefined && !PARTNER.test(a.sellerId)) {
    throw new SandboxConfigError(`apps[${index}].sellerId must be 16 digits starting with 2088`);
  }
}

/** The range derived app seller IDs live in: partner IDs the sandbox hands out are 2088101…, buyers 2088102…. */
const DERIVED_SELLER_PREFIX = '2088103';

/**
 * The seller ID of each app: its configured `sellerId`, or one derived as `2088103` + the app ID's last 9
 * digits. A derived ID never equals an account ID in the config (a partner, a merchant's seller ID or
 * payee, the buyer, another app's seller): when the number is taken, the next free one in the 2088103
 * range is used. Two apps share a seller only when the config says so.
 */
function appSellerIds(apps: AppConfigInput[], merchants: Merchant[], buyer: Buyer): string[] {
  const taken = new Set<string>([buyer.userId]);
  for (const m of merchants) {
    taken.add(m.partner);
    taken.add(m.sellerId);
    for (const p of m.payees) taken.add(p.userId);
  }
  for (const a of apps) if (a.sellerId) taken.add(a.sellerId);
  return apps.map(a => {
    if (a.sellerId) return a.sellerId;
    let n = Number(a.appId.slice(-9));
    let id = `${DERIVED_SELLER_PREFIX}${String(n).padStart(9, '0')}`;
    while (taken.has(id)) {
      n = (n + 1) % 1_000_000_000;
      id = `${DERIVED_SELLER_PREFIX}${String(n).padStart(9, '0')}`;
    }
    taken.add(id);
    return id;
  });
}

/** Reads a config file (JSON). */
export async function loadConfigFile(path: string): Promise<SandboxConfigInput> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as SandboxConfigInput;
  } catch (error) {
    throw new SandboxConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** Fills in defaults and generates every key and certificate the input does not fix. */
export async function resolveConfig(input: SandboxConfigInput = {}): Promise<ResolvedConfig> {
  const merchantInputs = input.merchants ?? DEFAULT_MERCHANTS;
  const appInputs = input.apps ?? DEFAULT_APPS;
  merchantInputs.forEach(checkMerchant);
  appInputs.forEach(checkApp);
  const partners = new Set(merchantInputs.map(m => m.partner));
  if (partners.size !== merchantInputs.length) throw new SandboxConfigError('merchants: duplicate partner');
  if (new Set(appInputs.map(a => a.appId)).size !== appInputs.length)
    throw new SandboxConfigError('apps: duplicate appId');

  // Key generation is the slow part of start-up: run it all in parallel.
  const [alipayKeys, legacyRsaKeys, merchantRsa, appKeys, caKey, antom] = await Promise.all([
    pair(input.alipayKeys, 2048, 'alipayKeys'),
    pair(input.legacyRsaKeys, 1024, 'legacyRsaKeys'),
    Promise.all(
      merchantInputs.map(async (m, i) => {
        if (m.rsaPublicKey) return { publicKey: m.rsaPublicKey, privateKey: m.rsaPrivateKey };
        return pair({ privateKey: m.rsaPrivateKey }, 1024, `merchants[${i}].rsaPrivateKey`);
      }),
    ),
    Promise.all(
      appInputs.map(async (a, i) => {
        const appPair = await pair(
          { privateKey: a.privateKey, publicKey: a.publicKey },
          2048,
          `apps[${i}].privateKey`,
        );
        const own = a.alipayPrivateKey
          ? await pair(
              { privateKey: a.alipayPrivateKey, publicKey: a.alipayPublicKey },
              2048,
              `apps[${i}].alipayPrivateKey`,
            )
          : undefined;
        return { appPair, own };
      }),
    ),
    appInputs.some(a => a.certificates)
      ? pair(
          input.rootCaPrivateKey ? { privateKey: input.rootCaPrivateKey } : undefined,
          2048,
          'rootCaPrivateKey',
        )
      : Promise.resolve(undefined),
    resolveAntomAccounts(input.antom).catch(error => {
      throw new SandboxConfigError((error as Error).message);
    }),
  ]);

  const merchants: Merchant[] = merchantInputs.map((m, i) => {
    const rsa = merchantRsa[i]!;
    const merchant: Merchant = {
      partner: m.partner,
      key: m.key ?? md5Key(),
      sellerEmail: m.sellerEmail ?? `seller-${m.partner.slice(-4)}@sandbox.alipay.test`,
      sellerId: m.sellerId ?? m.partner,
      name: m.name ?? `Sandbox merchant ${m.partner}`,
      contract: [...(m.contract ?? ['create_direct_pay_by_user'])],
      sellerPassword: m.sellerPassword ?? '111111',
      rsaPublicKey: rsa.publicKey,
      payees: m.payees ?? [],
    };
    if (rsa.privateKey) merchant.rsaPrivateKey = rsa.privateKey;
    if (m.contactUrl) merchant.contactUrl = m.contactUrl;
    return merchant;
  });

  const ca = caKey ? createCertificateAuthority(caKey.privateKey) : undefined;
  const buyer: Buyer = { ...DEFAULT_BUYER, ...(input.buyer ?? {}) };
  const sellerIdOf = appSellerIds(appInputs, merchants, buyer);
  const apps: App[] = appInputs.map((a, i) => {
    const { appPair, own } = appKeys[i]!;
    const alipay = own ?? alipayKeys;
    const app: App = {
      appId: a.appId,
      privateKey: appPair.privateKey,
      publicKey: appPair.publicKey,
      products: [...(a.products ?? ['page', 'wap', 'qr'])],
      sellerId: sellerIdOf[i]!,
      sellerEmail: a.sellerEmail ?? `seller-${a.appId.slice(-4)}@sandbox.alipay.test`,
      name: a.name ?? `Sandbox app ${a.appId}`,
      alipayPrivateKey: alipay.privateKey,
      alipayPublicKey: alipay.publicKey,
    };
    if (a.aesKey) app.aesKey = a.aesKey;
    else if (a.aes) app.aesKey = randomBytes(16).toString('base64');
    if (a.contactUrl) app.contactUrl = a.contactUrl;
    if (a.certificates && ca) {
      app.certificates = issueAppCertificates(ca, {
        appId: app.appId,
        appPublicKey: app.publicKey,
        alipayPublicKey: app.alipayPublicKey,
        merchantName: app.name,
      });
    }
    return app;
  });

  return {
    merchants,
    apps,
    buyer,
    alipayKeys,
    legacyRsaKeys,
    notifyTimeoutMs: input.notifyTimeoutMs ?? 5000,
    refundWindowDays: input.refundWindowDays ?? 90,
    antom,
  };
}
