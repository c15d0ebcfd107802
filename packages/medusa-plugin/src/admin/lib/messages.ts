/**
 * The admin extension's own texts (not settings: those are the core's `SETTING_FIELDS`), each in
 * English and 简体中文.
 *
 * Display convention: the Medusa admin shows every text in both languages on one line,
 * `English / 中文`, joined by the core's `bilingualLine` — as the page always has, so a merchant
 * (and a browser test) finds "Save / 保存" whatever the admin's language is. Settings labels and
 * descriptions follow the same convention.
 *
 * @packageDocumentation
 */

import { type Bilingual, bilingualLine } from '@alipay-commerce/core/settings';

/** The extension's fixed texts. */
export const MESSAGES = {
  title: { en: 'Alipay', zh: '支付宝' },
  loading: { en: 'Loading…', zh: '加载中…' },
  choose: { en: 'Choose…', zh: '请选择…' },
  save: { en: 'Save', zh: '保存' },
  add: { en: 'Add', zh: '添加' },
  remove: { en: 'Remove', zh: '移除' },
  encryptedNote: {
    en: 'Credentials are stored encrypted; keys are never shown again.',
    zh: '凭据加密保存，密钥保存后不再显示。',
  },
  testCredentials: { en: 'Test credentials', zh: '测试凭据' },
  credentialsWork: { en: 'Credentials work', zh: '凭据有效' },
  credentialsRefused: { en: 'Credentials refused', zh: '凭据无效' },
  notifyUrl: { en: 'Notification URL for Alipay', zh: '支付宝异步通知地址' },
  notifyUrlHint: {
    en: 'Sent with every payment; it must be reachable from the internet over HTTPS.',
    zh: '每笔支付都会带上该地址，必须能从公网通过 HTTPS 访问。',
  },
  gatewayProduction: { en: 'Production', zh: '正式环境' },
  gatewaySandbox: { en: 'Sandbox (OpenAPI)', zh: '沙箱环境' },
  gatewayCustom: { en: 'Custom URL', zh: '自定义地址' },
  gatewayUrl: { en: 'Custom gateway URL', zh: '自定义网关地址' },
  secretNotSet: { en: 'Not set', zh: '未设置' },
  fixFields: { en: 'Please fix the highlighted fields', zh: '请修正标出的字段' },
  settingsSaved: { en: 'Alipay settings saved', zh: '支付宝设置已保存' },
  overrideSaved: { en: 'Seller override saved', zh: '卖家覆盖设置已保存' },
  sellersHeading: { en: 'Sellers per sales channel', zh: '按销售渠道设置卖家' },
  sellersNote: {
    en: 'For marketplaces: payments in a sales channel go to its seller; empty fields use the settings above.',
    zh: '适用于多商户平台：该销售渠道的付款收款至对应卖家；留空的字段沿用上方设置。',
  },
  addChannel: { en: 'Add a sales channel', zh: '添加销售渠道' },
  attentionHeading: { en: 'Needs attention', zh: '需要处理' },
  attentionNote: {
    en: 'Orphan payments (paid on Alipay, no order to attach them to) with their refund, rejected notifications, refunds to check and failed shipment confirmations.',
    zh: '无法关联订单的付款（及其退款状态）、被拒绝的通知、需要核实的退款以及确认发货失败的记录。',
  },
  nothingToHandle: { en: 'Nothing to handle.', zh: '暂无需要处理的事项。' },
  orphanPayment: { en: 'Orphan payment', zh: '无法关联的付款' },
  givenBack: { en: 'Given back so far', zh: '已退回' },
  notRefunded: { en: 'Not refunded', zh: '未退款' },
  refund: { en: 'Refund', zh: '退款' },
  markHandled: { en: 'Mark handled', zh: '标记为已处理' },
  alert: { en: 'Alert', zh: '警告' },
  refunds: { en: 'Refunds', zh: '退款' },
  refunded: { en: 'refunded', zh: '已退' },
  confirmOnAlipay: { en: 'Confirm on Alipay', zh: '在支付宝确认退款' },
  shipmentConfirmation: { en: 'Shipment confirmation', zh: '确认发货' },
  retryNow: { en: 'Retry now', zh: '立即重试' },
  configurationLabel: { en: 'Settings of', zh: '设置对象' },
  globalConfiguration: {
    en: 'Global settings (every provider without its own)',
    zh: '全局设置（未单独配置的支付方式）',
  },
  configurationNote: {
    en: 'A provider with the option settingsScope (e.g. an Antom contract for the USD region) has settings of its own.',
    zh: '设置了 settingsScope 选项的支付方式（例如用于美元区域的 Antom 合同）拥有独立的设置。',
  },
} as const satisfies Record<string, Bilingual>;

/** A fixed text of {@link MESSAGES}, `English / 中文`. */
export function say(message: keyof typeof MESSAGES): string {
  return both(MESSAGES[message]);
}

/**
 * Any bilingual text (a setting's label, the core's message), `English / 中文`; a text that reads the
 * same in both (a charset's name) once.
 */
export function both(text: Bilingual): string {
  return text.en === text.zh ? text.en : bilingualLine(text);
}
