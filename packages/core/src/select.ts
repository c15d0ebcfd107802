import type { AlipayConfig } from './config';
import { LEGACY_CREATE_SERVICE } from './config/legacy';
import type { OpenApiProduct } from './config/openapi';
import { type ConfigIssue, InterfaceNotContractedError } from './errors';
import type { InterfaceType } from './settings-fields';

/** The buyer's device class, as the storefront knows it or as read from the user agent. */
export type Device = 'desktop' | 'mobile';

/** The interface chosen for one payment. */
export type PaymentInterface =
  | {
      generation: 'legacy';
      service: 'create_direct_pay_by_user' | 'create_partner_trade_by_buyer' | 'trade_create_by_buyer';
    }
  | {
      generation: 'openapi';
      method: 'alipay.trade.page.pay' | 'alipay.trade.wap.pay' | 'alipay.trade.precreate';
    }
  | {
      /** Antom's cashier payment: the buyer's device decides its `terminalType`. */
      generation: 'antom';
      method: 'CASHIER_PAYMENT';
      terminalType: 'WEB' | 'WAP';
    };

const MOBILE_UA =
  /Mobi|Android|iPhone|iPod|iPad|HarmonyOS|Windows Phone|AlipayClient|MicroMessenger|Opera Mini/i;

/** Reads the device class from a user agent; unknown or missing user agents count as desktop. */
export function detectDevice(userAgent: string | undefined): Device {
  return userAgent !== undefined && MOBILE_UA.test(userAgent) ? 'mobile' : 'desktop';
}

/** What the storefront tells us about the buyer. An explicit `device` wins over the user agent. */
export interface BuyerContext {
  device?: Device;
  userAgent?: string;
  /** The buyer's IP (legacy `exter_invoke_ip`, anti-phishing). */
  ip?: string;
}

/** The device a payment is for, from the buyer context. */
export function deviceOf(buyer: BuyerContext | undefined): Device {
  return buyer?.device ?? detectDevice(buyer?.userAgent);
}

const OPENAPI_METHOD: Record<
  OpenApiProduct,
  'alipay.trade.page.pay' | 'alipay.trade.wap.pay' | 'alipay.trade.precreate'
> = {
  page: 'alipay.trade.page.pay',
  wap: 'alipay.trade.wap.pay',
  qr: 'alipay.trade.precreate',
};

function openApiProductFor(products: readonly OpenApiProduct[], alwaysQr: boolean, device: Device) {
  const has = (p: OpenApiProduct) => products.includes(p);
  if (device === 'mobile') {
    // A phone: the wap cashier; else the page cashier (it adapts); else the QR link, which opens the app.
    if (has('wap')) return 'wap';
    if (has('page')) return 'page';
    if (has('qr')) return 'qr';
    return undefined;
  }
  if (alwaysQr && has('qr')) return 'qr';
  if (has('page')) return 'page';
  if (has('qr')) return 'qr';
  return undefined;
}

/**
 * Picks the interface for one payment from what the merchant contracted and the buyer's device:
 * legacy → the contracted create interface (the cashier serves every device); OpenAPI mobile → wap if
 * contracted, else page; desktop → page, or the QR code when preferred or when page is not contracted.
 * Throws {@link InterfaceNotContractedError} when nothing contracted can serve the device.
 */
export function selectInterface(config: AlipayConfig, buyer?: BuyerContext): PaymentInterface {
  if (config.generation === 'legacy') {
    return { generation: 'legacy', service: LEGACY_CREATE_SERVICE[config.interfaceType] as never };
  }
  const device = deviceOf(buyer);
  if (config.generation === 'antom') {
    return {
      generation: 'antom',
      method: 'CASHIER_PAYMENT',
      terminalType: device === 'mobile' ? 'WAP' : 'WEB',
    };
  }
  const product = openApiProductFor(config.products, config.alwaysQrOnDesktop, device);
  if (!product) {
    throw new InterfaceNotContractedError(
      device === 'mobile' ? 'alipay.trade.wap.pay' : 'alipay.trade.page.pay',
      'NO_PRODUCT_FOR_DEVICE',
    );
  }
  return { generation: 'openapi', method: OPENAPI_METHOD[product] };
}

/**
 * Problems that would make some buyers unable to pay, reported when settings are saved rather than at
 * checkout: a device no contracted product can serve, or a preference that cannot be honoured.
 */
export function checkDeviceCoverage(config: AlipayConfig): ConfigIssue[] {
  // Legacy cashiers and Antom's serve every device.
  if (config.generation !== 'openapi') return [];
  const issues: ConfigIssue[] = [];
  if (!openApiProductFor(config.products, config.alwaysQrOnDesktop, 'desktop')) {
    issues.push({
      field: 'interfaceType',
      message: {
        en: 'Desktop buyers could never pay: 手机网站支付 (wap) alone does not serve computers. Add 电脑网站支付 (page) or 当面付 (QR).',
        zh: '电脑端买家将无法付款：仅签约手机网站支付无法服务电脑端。请增加电脑网站支付或当面付。',
      },
    });
  }
  if (config.alwaysQrOnDesktop && !config.products.includes('qr')) {
    issues.push({
      field: 'alwaysQrOnDesktop',
      message: {
        en: '“Always QR on desktop” needs 当面付 (QR precreate) in the contract; choose an interface type that includes QR.',
        zh: '“电脑端始终显示二维码”需要签约当面付（扫码），请选择包含二维码的接口类型。',
      },
    });
  }
  return issues;
}

/** The narrowest OpenAPI interface type offering each payment method (later calls do not depend on it). */
const OPENAPI_TYPE_OF_METHOD: Record<string, InterfaceType> = {
  'alipay.trade.page.pay': 'openapi-page',
  'alipay.trade.wap.pay': 'openapi-page-wap',
  'alipay.trade.precreate': 'openapi-qr',
  CASHIER_PAYMENT: 'antom',
};

/**
 * The admin interface type a trade was created with, from the Alipay interface name recorded with it
 * (a legacy create service such as `create_direct_pay_by_user`, or an OpenAPI method such as
 * `alipay.trade.page.pay`, or Antom's `CASHIER_PAYMENT`); undefined for any other name. For an OpenAPI method it is the narrowest type
 * offering that method: what matters afterwards is the generation, not the products.
 */
export function interfaceTypeOfPayment(name: string | undefined): InterfaceType | undefined {
  if (name === undefined) return undefined;
  for (const [type, service] of Object.entries(LEGACY_CREATE_SERVICE)) {
    if (service === name) return `legacy-${type}` as InterfaceType;
  }
  return Object.hasOwn(OPENAPI_TYPE_OF_METHOD, name) ? OPENAPI_TYPE_OF_METHOD[name] : undefined;
}
