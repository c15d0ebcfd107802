import { createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';

/**
 * Antom accounts of the sandbox: merchant clients (a client ID, the merchant's public key the sandbox
 * verifies requests with, the key version, the payment methods it is contracted for) and the sandbox's own
 * "Antom" key pair, which signs answers and notifications. Keys not fixed by the config are generated at
 * start; the merchant's private key is then printed as test material, like the OpenAPI apps' keys.
 */

/** One Antom client in the config file. Only `clientId` is required. */
export interface AntomClientConfigInput {
  /** The client ID. IDs starting `SANDBOX_` must call `/ams/sandbox/api/…`, others `/ams/api/…`. */
  clientId: string;
  /** The merchant's RSA private key (PEM), which it signs requests with. Generated when absent. */
  privateKey?: string;
  /** The merchant's public key (derived from `privateKey` when absent). */
  publicKey?: string;
  /** `keyVersion` of the Signature header the sandbox answers with. Default `1`. */
  keyVersion?: string;
  /** Shop name on the cashier. */
  name?: string;
  /** Payment methods (`paymentMethodType`) the client may use. Default ALIPAY_CN, ALIPAY_HK, CONNECT_WALLET. */
  paymentMethods?: string[];
}

/** The `antom` section of the config file. */
export interface AntomConfigInput {
  /** Clients; when present they replace the default client. */
  clients?: AntomClientConfigInput[];
  /** The sandbox's "Antom" key pair (answers and notifications); generated when absent. */
  antomKeys?: { privateKey: string; publicKey?: string };
}

/** A client after defaults and key generation. */
export interface AntomClient {
  clientId: string;
  privateKey?: string;
  publicKey: string;
  keyVersion: string;
  name: string;
  paymentMethods: string[];
}

/** The resolved Antom accounts. */
export interface AntomAccounts {
  clients: AntomClient[];
  antomKeys: { privateKey: string; publicKey: string };
}

/** The default client: a sandbox client ID, contracted for Alipay CN, AlipayHK and Alipay+. */
export const DEFAULT_ANTOM_CLIENTS: AntomClientConfigInput[] = [
  {
    clientId: 'SANDBOX_5YBX2N2ZSB0001',
    name: 'Sandbox Antom Shop 沙箱跨境商户',
    paymentMethods: ['ALIPAY_CN', 'ALIPAY_HK', 'CONNECT_WALLET'],
  },
];

/** Raised for an unusable `antom` config section. */
export class AntomConfigError extends Error {}

function generated(): Promise<{ privateKey: string; publicKey: string }> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (error, publicKey, privateKey) => (error ? reject(error) : resolve({ privateKey, publicKey })),
    );
  });
}

/** PEM of a key given as PEM or bare base64 (PKCS#8 private / SPKI public, as Antom's dashboard shows them). */
function pem(key: string, kind: 'PRIVATE' | 'PUBLIC'): string {
  if (key.includes('-----BEGIN')) return key;
  const body = key.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${kind} KEY-----\n${body}\n-----END ${kind} KEY-----\n`;
}

async function pairOf(
  given: { privateKey?: string; publicKey?: string },
  label: string,
): Promise<{ privateKey?: string; publicKey: string }> {
  try {
    if (given.publicKey && !given.privateKey) {
      const publicKey = createPublicKey(pem(given.publicKey, 'PUBLIC')).export({
        type: 'spki',
        format: 'pem',
      });
      return { publicKey: publicKey.toString() };
    }
    if (!given.privateKey) return generated();
    const privateKey = pem(given.privateKey, 'PRIVATE');
    const publicKey = given.publicKey
      ? pem(given.publicKey, 'PUBLIC')
      : createPublicKey(createPrivateKey(privateKey)).export({ type: 'spki', format: 'pem' }).toString();
    return { privateKey, publicKey };
  } catch (error) {
    throw new AntomConfigError(`${label}: unusable key (${(error as Error).message})`);
  }
}

/** Fills in defaults and generates the keys the `antom` section does not fix. */
export async function resolveAntomAccounts(input: AntomConfigInput = {}): Promise<AntomAccounts> {
  const inputs = input.clients ?? DEFAULT_ANTOM_CLIENTS;
  inputs.forEach((c, i) => {
    if (!c || typeof c.clientId !== 'string' || !/^[A-Za-z0-9_]{4,64}$/.test(c.clientId))
      throw new AntomConfigError(`antom.clients[${i}].clientId must be 4–64 letters, digits or _`);
  });
  if (new Set(inputs.map(c => c.clientId)).size !== inputs.length)
    throw new AntomConfigError('antom.clients: duplicate clientId');
  const [keys, pairs] = await Promise.all([
    pairOf(input.antomKeys ?? {}, 'antom.antomKeys'),
    Promise.all(inputs.map((c, i) => pairOf(c, `antom.clients[${i}]`))),
  ]);
  const clients = inputs.map((c, i) => {
    const keyPair = pairs[i]!;
    const client: AntomClient = {
      clientId: c.clientId,
      publicKey: keyPair.publicKey,
      keyVersion: c.keyVersion ?? '1',
      name: c.name ?? `Sandbox Antom merchant ${c.clientId}`,
      paymentMethods: [...(c.paymentMethods ?? ['ALIPAY_CN', 'ALIPAY_HK', 'CONNECT_WALLET'])],
    };
    if (keyPair.privateKey) client.privateKey = keyPair.privateKey;
    return client;
  });
  return { clients, antomKeys: { privateKey: keys.privateKey!, publicKey: keys.publicKey } };
}

/** Whether a client ID is a sandbox one, which must use `/ams/sandbox/api`. */
export function isSandboxClientId(clientId: string): boolean {
  return clientId.startsWith('SANDBOX_');
}
