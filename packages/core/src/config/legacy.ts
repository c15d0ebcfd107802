import { z } from 'zod';
import { toPrivateKey, toPublicKey } from '../sign/keys';
import { ALIPAY_USER_ID, addIssue, checkPasted, checkSellerId, checkUrl, optionalText } from './issues';

/** Alipay's legacy (mapi) production gateway. */
export const LEGACY_PRODUCTION_GATEWAY = 'https://mapi.alipay.com/gateway.do';

/** The legacy interface the merchant signed (合同列表): 即时到账, 担保交易 or 标准双接口. */
export type LegacyInterfaceType = 'direct' | 'escrow' | 'dual';

/** Legacy services by interface type. */
export const LEGACY_CREATE_SERVICE: Record<LegacyInterfaceType, string> = {
  direct: 'create_direct_pay_by_user',
  escrow: 'create_partner_trade_by_buyer',
  dual: 'trade_create_by_buyer',
};

/** Configuration of a legacy partner + key merchant (validated, normalized). */
export interface LegacyConfig {
  generation: 'legacy';
  /** The contracted create interface. */
  interfaceType: LegacyInterfaceType;
  /** 合作者身份 (PID): 16 digits starting with 2088. */
  partnerId: string;
  /** 安全校验码 (key): 32 characters. Required for MD5. Secret. */
  key?: string;
  /** The seller account (`seller_email`); for C2C it can be overridden per payment. */
  sellerEmail?: string;
  /** The seller user ID (`seller_id`, 2088…); defaults to the partner ID when no seller is set. */
  sellerId?: string;
  /** `_input_charset`: the bytes that are signed and sent. */
  charset: 'utf-8' | 'gbk' | 'gb2312';
  /** `MD5` (the 2009 default) or legacy `RSA` (SHA1withRSA). */
  signType: 'MD5' | 'RSA';
  /** Merchant RSA private key, for `signType: 'RSA'`. Secret. */
  merchantPrivateKey?: string;
  /** Alipay's legacy RSA public key, for `signType: 'RSA'`. */
  alipayPublicKey?: string;
  /** Gateway URL (production by default; our offline sandbox for development). */
  gateway: string;
  /** True when `refund_fastpay_by_platform_nopwd` is in the contract; otherwise refunds need the seller's password page. */
  refundWithoutPassword: boolean;
}

const MD5_KEY = /^[0-9a-zA-Z]{32}$/;
const SELLER_ACCOUNT = /^(?:[^\s@]+@[^\s@]+\.[^\s@]+|1[0-9]{10})$/;

/**
 * zod schema of {@link LegacyConfig}. Every issue names the field and says how to fix it, in English and
 * Chinese (`params.en` / `params.zh`); use `parseAlipayConfig` to get an `AlipayConfigError`.
 */
export const legacyConfigSchema = z
  .object({
    generation: z.literal('legacy'),
    interfaceType: z.enum(['direct', 'escrow', 'dual']),
    partnerId: z.string(),
    key: optionalText,
    sellerEmail: optionalText,
    sellerId: optionalText,
    charset: z.enum(['utf-8', 'gbk', 'gb2312']).default('utf-8'),
    signType: z.enum(['MD5', 'RSA']).default('MD5'),
    merchantPrivateKey: optionalText,
    alipayPublicKey: optionalText,
    gateway: z.string().default(LEGACY_PRODUCTION_GATEWAY),
    refundWithoutPassword: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    checkPasted(ctx, 'partnerId', c.partnerId, ALIPAY_USER_ID, {
      en: 'partnerId must be the 16-digit partner ID (合作者身份) that starts with 2088.',
      zh: 'partnerId 应为以 2088 开头的 16 位合作者身份（PID）。',
    });
    if (c.signType === 'MD5') {
      if (c.key === undefined) {
        addIssue(
          ctx,
          'key',
          'key is required: the 32-character security key (安全校验码) from the merchant portal.',
          'key 为必填项：商家服务中的 32 位安全校验码。',
        );
      } else {
        checkPasted(ctx, 'key', c.key, MD5_KEY, {
          en: 'key must be exactly 32 letters and digits (安全校验码). Check that it was copied whole.',
          zh: 'key 应为 32 位字母和数字（安全校验码），请确认复制完整。',
        });
      }
    } else {
      checkRsaPair(ctx, c.merchantPrivateKey, c.alipayPublicKey);
    }
    checkPasted(ctx, 'sellerEmail', c.sellerEmail, SELLER_ACCOUNT, {
      en: 'sellerEmail must be the seller’s Alipay account: an e-mail address or an 11-digit mobile number.',
      zh: 'sellerEmail 应为卖家支付宝账号：邮箱或 11 位手机号。',
    });
    checkSellerId(ctx, c.sellerId);
    checkUrl(ctx, 'gateway', c.gateway);
  })
  .transform((c): LegacyConfig => {
    const config: LegacyConfig = { ...c };
    // B2C default (the 2009 guide, 七.1): the money goes to the contracted account itself.
    if (config.sellerEmail === undefined && config.sellerId === undefined) config.sellerId = config.partnerId;
    return config;
  });

function checkRsaPair(
  ctx: z.RefinementCtx,
  privateKey: string | undefined,
  publicKey: string | undefined,
): void {
  if (privateKey === undefined) {
    addIssue(
      ctx,
      'merchantPrivateKey',
      'merchantPrivateKey is required when signType is RSA.',
      '签名方式为 RSA 时必须填写 merchantPrivateKey（商户私钥）。',
    );
  } else {
    try {
      toPrivateKey(privateKey);
    } catch {
      addIssue(
        ctx,
        'merchantPrivateKey',
        'merchantPrivateKey is not a readable RSA private key (PEM or one-line base64, PKCS#1 or PKCS#8).',
        'merchantPrivateKey 不是有效的 RSA 私钥（PEM 或单行 base64，PKCS#1 或 PKCS#8）。',
      );
    }
  }
  if (publicKey === undefined) {
    addIssue(
      ctx,
      'alipayPublicKey',
      'alipayPublicKey (Alipay’s RSA public key) is required when signType is RSA.',
      '签名方式为 RSA 时必须填写 alipayPublicKey（支付宝公钥）。',
    );
  } else {
    try {
      toPublicKey(publicKey);
    } catch {
      addIssue(
        ctx,
        'alipayPublicKey',
        'alipayPublicKey is not a readable RSA public key.',
        'alipayPublicKey 不是有效的 RSA 公钥。',
      );
    }
  }
}
