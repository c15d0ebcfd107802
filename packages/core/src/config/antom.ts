import { z } from 'zod';
import { ANTOM_REGION_HOSTS, type AntomRegion } from '../antom/client';
import { toPrivateKey, toPublicKey } from '../sign/keys';
import { addIssue, checkPasted, checkUrl } from './issues';

/** The payment method an Antom merchant offers when the settings name none: Alipay (mainland China wallet). */
export const ANTOM_DEFAULT_PAYMENT_METHOD = 'ALIPAY_CN';

/**
 * Configuration of an Antom (Alipay cross-border acquiring) merchant: a shop contracted outside mainland
 * China, charging in its own currency (validated, normalized).
 */
export interface AntomConfig {
  generation: 'antom';
  /** The client ID from Antom Dashboard; `SANDBOX_…` uses Antom's sandbox paths. */
  clientId: string;
  /** The merchant's RSA private key (PEM or one-line base64). Secret. */
  merchantPrivateKey: string;
  /** Antom's public key from Antom Dashboard: answers and notifications are verified with it. */
  antomPublicKey: string;
  /** The version of the merchant key registered in Antom Dashboard. */
  keyVersion: string;
  /** The host that serves this client ID: `NA`, `SEA`, `DE`, `US`, or an http(s) origin (the offline sandbox). */
  gateway: AntomRegion | string;
  /**
   * Antom `paymentMethodType`s offered, in order (`ALIPAY_CN`, `ALIPAY_HK`, `CONNECT_WALLET`, … passed
   * through as given); the first is used unless the storefront picks another of them.
   */
  paymentMethods: string[];
}

const CLIENT_ID = /^[A-Za-z0-9_-]{4,64}$/;
const PAYMENT_METHOD = /^[A-Z0-9_]{2,64}$/;

/** True for a region name Antom has a host for. */
export function isAntomRegion(value: string): value is AntomRegion {
  return Object.hasOwn(ANTOM_REGION_HOSTS, value);
}

/** zod schema of {@link AntomConfig}: checks the client ID, both keys (and that they are not one pair), the region and the methods. */
export const antomConfigSchema = z
  .object({
    generation: z.literal('antom'),
    clientId: z.string(),
    merchantPrivateKey: z.string(),
    antomPublicKey: z.string(),
    keyVersion: z
      .union([z.string(), z.number()])
      .optional()
      .transform(v => (v === undefined || v === '' ? '1' : String(v))),
    gateway: z.string().default('NA'),
    paymentMethods: z
      .union([z.array(z.string()), z.string()])
      .optional()
      .transform(v =>
        (typeof v === 'string' ? v.split(',') : (v ?? []))
          .map(method => method.trim().toUpperCase())
          .filter(Boolean),
      ),
  })
  .superRefine((c, ctx) => {
    checkPasted(ctx, 'clientId', c.clientId, CLIENT_ID, {
      en: 'clientId must be the client ID shown in Antom Dashboard (letters, digits, _ and -).',
      zh: 'clientId 应为 Antom Dashboard 中显示的 Client ID（字母、数字、_ 与 -）。',
    });
    if (!/^[1-9][0-9]{0,3}$/.test(c.keyVersion)) {
      addIssue(
        ctx,
        'keyVersion',
        'keyVersion must be the whole number Antom Dashboard shows for the uploaded key (usually 1).',
        'keyVersion 应为 Antom Dashboard 中已上传密钥的版本号（整数，通常为 1）。',
      );
    }
    if (!isAntomRegion(c.gateway)) checkUrl(ctx, 'gateway', c.gateway);
    for (const method of c.paymentMethods) {
      if (!PAYMENT_METHOD.test(method)) {
        addIssue(
          ctx,
          'paymentMethods',
          `paymentMethods: ${method.slice(0, 40)} is not an Antom paymentMethodType (e.g. ALIPAY_CN, ALIPAY_HK, CONNECT_WALLET).`,
          `paymentMethods：${method.slice(0, 40)} 不是 Antom 的 paymentMethodType（例如 ALIPAY_CN、ALIPAY_HK、CONNECT_WALLET）。`,
        );
      }
    }
    let merchantPublic: string | undefined;
    try {
      const key = toPrivateKey(c.merchantPrivateKey);
      if (key.asymmetricKeyType !== 'rsa') throw new TypeError('not RSA');
      merchantPublic = toPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
    } catch {
      addIssue(
        ctx,
        'merchantPrivateKey',
        'The Antom merchant private key is not a readable RSA private key (PEM or one-line base64).',
        'Antom 商户私钥不是有效的 RSA 私钥（PEM 或单行 base64）。',
      );
    }
    if (c.antomPublicKey.includes('PRIVATE KEY')) {
      addIssue(
        ctx,
        'antomPublicKey',
        'The Antom public key field holds a PRIVATE key. Paste Antom’s public key from Antom Dashboard.',
        'Antom 公钥一栏中是私钥！请粘贴 Antom Dashboard 中的 Antom 公钥。',
      );
      return;
    }
    try {
      const antomPublic = toPublicKey(c.antomPublicKey)
        .export({ type: 'spki', format: 'der' })
        .toString('base64');
      if (merchantPublic !== undefined && antomPublic === merchantPublic) {
        addIssue(
          ctx,
          'antomPublicKey',
          'The Antom public key is your own public key (the pair of the merchant private key). Paste Antom’s public key, or every notification will fail verification.',
          'Antom 公钥填写的是您自己的公钥（与商户私钥成对）。请改填 Antom 公钥，否则所有通知都会验签失败。',
        );
      }
    } catch {
      addIssue(
        ctx,
        'antomPublicKey',
        'The Antom public key is not a readable RSA public key (PEM or one-line base64).',
        'Antom 公钥不是有效的 RSA 公钥（PEM 或单行 base64）。',
      );
    }
  })
  .transform(
    (c): AntomConfig => ({
      ...c,
      paymentMethods: c.paymentMethods.length > 0 ? c.paymentMethods : [ANTOM_DEFAULT_PAYMENT_METHOD],
    }),
  );
