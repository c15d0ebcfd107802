import type { EnZhText } from '@alipay-commerce/core/settings';
import { useUserSettings } from '@vendure/dashboard';

/** The admin's display language as the extension's texts know it: Chinese (简体/繁體) or English. */
export type AdminLanguage = keyof EnZhText;

/**
 * The language the Dashboard is displayed in (Settings → language; `zh_Hans`, `zh_Hant` → `zh`,
 * anything else → `en`): the extension's texts follow it, whatever the content language is.
 */
export function useAdminLanguage(): AdminLanguage {
  const { settings } = useUserSettings();
  return settings.displayLanguage?.startsWith('zh') ? 'zh' : 'en';
}

/** A bilingual text in the admin's language. */
export function inLanguage(text: EnZhText, language: AdminLanguage): string {
  return text[language];
}

/**
 * The extension's own texts (not settings: those are the core's `SETTING_FIELDS`). Display
 * convention: each text in the Dashboard's display language only, Chinese or English (see
 * {@link useAdminLanguage}).
 */
export const MESSAGES = {
  chooseType: { en: 'Choose an interface type to see its settings.', zh: '请选择接口类型以显示相应设置。' },
  remove: { en: 'Use another payment handler', zh: '改用其他支付处理程序' },
  pickHandler: { en: 'Select payment handler', zh: '选择支付处理程序' },
  yes: { en: 'On', zh: '开启' },
  no: { en: 'Off', zh: '关闭' },
  title: { en: 'Alipay', zh: '支付宝' },
  tradeNo: { en: 'Trade number', zh: '支付宝交易号' },
  outTradeNo: { en: 'Merchant order number', zh: '商户订单号' },
  amount: { en: 'Amount', zh: '金额' },
  refunded: { en: 'refunded', zh: '已退' },
  escrow: { en: 'Escrow shipment', zh: '担保交易发货' },
  shipmentConfirmed: { en: 'confirmed to Alipay', zh: '已向支付宝确认发货' },
  shipmentNotConfirmed: { en: 'not confirmed to Alipay yet', zh: '尚未向支付宝确认发货' },
  orphan: { en: 'Orphan payment: paid, but not applied to the order', zh: '孤立付款：已付款但未计入订单' },
  refunds: { en: 'Refunds', zh: '退款' },
  confirm: { en: 'Confirm on Alipay', zh: '在支付宝确认退款' },
  loading: { en: 'Loading…', zh: '加载中…' },
} as const satisfies Record<string, EnZhText>;

/** A text of {@link MESSAGES} in the admin's language. */
export function say(message: keyof typeof MESSAGES, language: AdminLanguage): string {
  return MESSAGES[message][language];
}
