import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { APP_PRIVATE_KEY_FORMAT } from '../settings-fields';
import { splitCertificates } from '../sign/cert';
import { toPrivateKey, toPublicKey } from '../sign/keys';
import { addIssue, checkPasted, checkSellerId, checkUrl, optionalText } from './issues';

/** Alipay's OpenAPI production gateway. */
export const OPENAPI_PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';
/** Alipay's OpenAPI sandbox (the old openapi.alipaydev.com host was retired in 2023). */
export const OPENAPI_SANDBOX_GATEWAY = 'https://openapi-sandbox.dl.alipaydev.com/gateway.do';

/** OpenAPI products a merchant can sign: 电脑网站支付 (page), 手机网站支付 (wap), 当面付扫码 (qr). */
export type OpenApiProduct = 'page' | 'wap' | 'qr';

/** Configuration of an OpenAPI (app ID + RSA2) merchant (validated, normalized). */
export interface OpenApiConfig {
  generation: 'openapi';
  /** The contracted products; at least one. */
  products: OpenApiProduct[];
  /** Show the 当面付 QR code to desktop buyers instead of the page-pay cashier. */
  alwaysQrOnDesktop: boolean;
  /** The app ID (16 digits). */
  appId: string;
  /** The app private key (应用私钥), PEM or one-line base64, PKCS#1 or PKCS#8. Secret. */
  appPrivateKey: string;
  /** Public-key mode: Alipay's public key (支付宝公钥), NOT the app public key. */
  alipayPublicKey?: string;
  /** Certificate mode: the app public-key certificate (appCertPublicKey_*.crt), contents. */
  appCertificate?: string;
  /** Certificate mode: Alipay's public-key certificate (alipayCertPublicKey_RSA2.crt), contents. */
  alipayCertificate?: string;
  /** Certificate mode: Alipay's root certificate bundle (alipayRootCert.crt), contents. */
  alipayRootCertificate?: string;
  /** Gateway URL: production, Alipay's sandbox, or a custom URL such as our offline sandbox. */
  gateway: string;
  /** AES content-encryption key (接口内容加密), base64. Secret. */
  encryptKey?: string;
  /** Service-provider mode: the merchant's `app_auth_token`. Secret. Requires {@link OpenApiConfig.sellerId}. */
  appAuthToken?: string;
  /**
   * The merchant's seller ID (2088…); notifications for another seller are refused. Required with
   * `appAuthToken`: it is then the authorising merchant, and a notification must name it.
   */
  sellerId?: string;
}

const APP_ID = /^[0-9]{16}$/;

/** A certificate field holds PEM contents or a file path; read the file so the config holds contents. */
function loadCertificate(value: string | undefined): string | undefined {
  if (value === undefined || value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value.trim(), 'utf8');
  } catch {
    return value; // left as is: validation below reports it as unreadable
  }
}

function spki(key: ReturnType<typeof toPublicKey>): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

/**
 * zod schema of {@link OpenApiConfig}: checks the key pair, catches the app public key pasted where
 * Alipay's belongs, reads certificate files, and requires exactly one of public-key or certificate mode.
 */
export const openApiConfigSchema = z
  .object({
    generation: z.literal('openapi'),
    products: z.array(z.enum(['page', 'wap', 'qr'])).default(['page']),
    alwaysQrOnDesktop: z.boolean().default(false),
    appId: z.string(),
    appPrivateKey: z.string(),
    alipayPublicKey: optionalText,
    appCertificate: optionalText.transform(loadCertificate),
    alipayCertificate: optionalText.transform(loadCertificate),
    alipayRootCertificate: optionalText.transform(loadCertificate),
    gateway: z.string().default(OPENAPI_PRODUCTION_GATEWAY),
    encryptKey: optionalText,
    appAuthToken: optionalText,
    sellerId: optionalText,
  })
  .superRefine((c, ctx) => {
    checkPasted(ctx, 'appId', c.appId, APP_ID, {
      en: 'appId must be the 16-digit app ID (APPID) from the Alipay open platform.',
      zh: 'appId 应为支付宝开放平台上的 16 位应用 APPID。',
    });
    checkSellerId(ctx, c.sellerId);
    checkUrl(ctx, 'gateway', c.gateway);
    if (c.appAuthToken !== undefined && c.sellerId === undefined) {
      // The provider's app_id is shared by every merchant it serves: only the seller tells them apart.
      addIssue(
        ctx,
        'sellerId',
        'Service-provider mode (appAuthToken) needs sellerId: the authorising merchant’s Alipay user ID (2088…, the user_id returned with the app_auth_token). Notifications for any other merchant are refused.',
        '服务商模式（appAuthToken）必须填写 sellerId：授权商户的支付宝用户号（2088 开头，换取 app_auth_token 时返回的 user_id）。其他商户的通知将被拒绝。',
      );
    }
    if (c.products.length === 0) {
      addIssue(
        ctx,
        'interfaceType',
        'Choose at least one contracted product (page, wap or QR).',
        '请至少选择一个已签约的产品（电脑网站、手机网站或当面付）。',
      );
    }

    if (c.encryptKey !== undefined) {
      const length = Buffer.from(c.encryptKey, 'base64').length;
      if (![16, 24, 32].includes(length) || /\s/.test(c.encryptKey)) {
        addIssue(
          ctx,
          'encryptKey',
          'encryptKey must be the base64 AES key from the open platform (接口内容加密方式), 16 bytes when decoded.',
          'encryptKey 应为开放平台“接口内容加密方式”中的 base64 AES 密钥（解码后 16 字节）。',
        );
      }
    }

    let appPublic: string | undefined;
    try {
      const privateKey = toPrivateKey(c.appPrivateKey);
      if (privateKey.asymmetricKeyType !== 'rsa') throw new TypeError('not RSA');
      if ((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
        addIssue(
          ctx,
          'appPrivateKey',
          'appPrivateKey is shorter than 2048 bits; RSA2 needs a 2048-bit key. Generate one with Alipay’s key tool.',
          'appPrivateKey 短于 2048 位；RSA2 需要 2048 位密钥，请用支付宝密钥工具重新生成。',
        );
      }
      appPublic = spki(toPublicKey(privateKey));
    } catch {
      addIssue(
        ctx,
        'appPrivateKey',
        `appPrivateKey is not a readable RSA private key. Give the app private key (应用私钥) as ${APP_PRIVATE_KEY_FORMAT.en}.`,
        `appPrivateKey 不是有效的 RSA 私钥。请提供应用私钥：${APP_PRIVATE_KEY_FORMAT.zh}。`,
      );
    }

    const certFields = [c.appCertificate, c.alipayCertificate, c.alipayRootCertificate];
    const certMode = certFields.some(v => v !== undefined);
    if (certMode && c.alipayPublicKey !== undefined) {
      addIssue(
        ctx,
        'alipayPublicKey',
        'Use either public-key mode (alipayPublicKey) or certificate mode (three certificates), not both.',
        '公钥模式（alipayPublicKey）和公钥证书模式（三个证书）只能选择其一。',
      );
      return;
    }
    if (certMode) {
      checkCertificates(ctx, c, appPublic);
      return;
    }
    if (c.alipayPublicKey === undefined) {
      addIssue(
        ctx,
        'alipayPublicKey',
        'alipayPublicKey is required (or the three certificates of certificate mode). Copy 支付宝公钥 from the open platform.',
        '必须填写 alipayPublicKey（或公钥证书模式的三个证书）。请从开放平台复制“支付宝公钥”。',
      );
      return;
    }
    if (c.alipayPublicKey.includes('PRIVATE KEY')) {
      addIssue(
        ctx,
        'alipayPublicKey',
        'alipayPublicKey holds a PRIVATE key. Never paste a private key here; paste Alipay’s public key (支付宝公钥).',
        'alipayPublicKey 中是私钥！请勿在此粘贴私钥，应粘贴支付宝公钥。',
      );
      return;
    }
    try {
      const alipayPublic = spki(toPublicKey(c.alipayPublicKey));
      if (appPublic !== undefined && alipayPublic === appPublic) {
        addIssue(
          ctx,
          'alipayPublicKey',
          'alipayPublicKey is your app’s own public key (应用公钥), the pair of appPrivateKey. Paste Alipay’s public key (支付宝公钥) shown next to it on the open platform, or every notification will fail verification.',
          'alipayPublicKey 填写的是您自己的应用公钥（与 appPrivateKey 成对）。请改填开放平台上显示的“支付宝公钥”，否则所有通知都会验签失败。',
        );
      }
    } catch {
      addIssue(
        ctx,
        'alipayPublicKey',
        'alipayPublicKey is not a readable RSA public key (PEM or one-line base64).',
        'alipayPublicKey 不是有效的 RSA 公钥（PEM 或单行 base64）。',
      );
    }
  })
  .transform((c): OpenApiConfig => c);

function checkCertificates(
  ctx: z.RefinementCtx,
  c: { appCertificate?: string; alipayCertificate?: string; alipayRootCertificate?: string },
  appPublic: string | undefined,
): void {
  const fields = [
    ['appCertificate', 'appCertPublicKey_<APPID>.crt', '应用公钥证书'],
    ['alipayCertificate', 'alipayCertPublicKey_RSA2.crt', '支付宝公钥证书'],
    ['alipayRootCertificate', 'alipayRootCert.crt', '支付宝根证书'],
  ] as const;
  const parsed: Record<string, ReturnType<typeof splitCertificates>> = {};
  for (const [field, file, zhName] of fields) {
    const value = c[field];
    if (value === undefined) {
      addIssue(
        ctx,
        field,
        `${field} is required in certificate mode: the contents or the path of ${file}.`,
        `公钥证书模式下必须填写 ${field}：${zhName}（${file}）的内容或文件路径。`,
      );
      continue;
    }
    let certs: ReturnType<typeof splitCertificates> = [];
    try {
      certs = splitCertificates(value);
    } catch {
      certs = [];
    }
    if (certs.length === 0) {
      addIssue(
        ctx,
        field,
        `${field} is neither a PEM certificate nor a readable file path (${file}).`,
        `${field} 既不是 PEM 证书，也不是可读取的文件路径（${file}）。`,
      );
      continue;
    }
    parsed[field] = certs;
  }
  const appCert = parsed['appCertificate']?.[0];
  if (appCert && appPublic !== undefined) {
    const certPublic = appCert.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    if (certPublic !== appPublic) {
      addIssue(
        ctx,
        'appCertificate',
        'appCertificate does not belong to appPrivateKey. Download the app certificate made from this key pair.',
        'appCertificate 与 appPrivateKey 不匹配，请下载由该密钥对生成的应用公钥证书。',
      );
    }
  }
  const alipayCert = parsed['alipayCertificate']?.[0];
  if (appCert && alipayCert && appCert.fingerprint256 === alipayCert.fingerprint256) {
    addIssue(
      ctx,
      'alipayCertificate',
      'alipayCertificate is your app certificate. Use alipayCertPublicKey_RSA2.crt here.',
      'alipayCertificate 填写的是应用公钥证书，这里应使用 alipayCertPublicKey_RSA2.crt。',
    );
  }
}
