/**
 * The settings module's bilingual refusals: settings the core refuses, a scope with nothing
 * configured, and a trade whose generation's credentials are gone.
 *
 * @packageDocumentation
 */
import type { AlipayGeneration } from '@alipay-commerce/core';
import { generationOf } from '@alipay-commerce/core/lifecycle';
import { MedusaError } from '@medusajs/framework/utils';

/** Shown when neither the admin nor the provider options chose an interface type. English / 简体中文. */
export const NOT_CONFIGURED_MESSAGE =
  'Alipay is not configured yet: choose the interface type and enter the credentials in the admin ' +
  'under Settings → Alipay. / 支付宝尚未配置：请在后台「设置 → Alipay」中选择接口类型并填写凭据。';

/** One configuration problem, naming the settings field, in English and Chinese (the core's shape). */
export interface SettingsIssue {
  field: string;
  message: { en: string; zh: string };
}

/**
 * Settings the core refuses (`settingsToConfig` issues). Thrown on save (nothing is stored) and when
 * a payment needs a facade for a scope whose stored settings became invalid.
 */
export class AlipaySettingsInvalidError extends MedusaError {
  /**
   * Every field the core refused, with its bilingual message. (Not named `issues`: Medusa's error
   * handler treats any error with an `issues` array as a zod error and rewrites its message.)
   */
  readonly fieldIssues: SettingsIssue[];
  constructor(issues: SettingsIssue[]) {
    super(
      MedusaError.Types.INVALID_DATA,
      `The Alipay settings are not valid / 支付宝设置无效: ${issues
        .map(issue => `${issue.field}: ${issue.message.en} / ${issue.message.zh}`)
        .join('; ')}`,
    );
    this.fieldIssues = issues;
  }
}

/** Names of the interface generations, for messages. */
const GENERATION_LABEL: Record<AlipayGeneration, { en: string; zh: string }> = {
  legacy: { en: 'legacy (partner ID + MD5 key)', zh: '旧版（合作者身份 + 安全校验码）' },
  openapi: { en: 'OpenAPI (app ID + RSA2)', zh: '开放平台（APPID + RSA2）' },
  antom: { en: 'Antom (client ID + RSA256)', zh: 'Antom（Client ID + RSA256）' },
};

/**
 * An existing trade needs the credentials of the interface generation it was created with, and the
 * settings no longer hold them (or hold them invalid). Thrown instead of ever falling back to the
 * other generation's credentials: Alipay would refuse, or — worse — a call could reach the wrong
 * gateway. Names the missing fields and what to do, in English and 简体中文; never a value.
 */
export class AlipayTradeCredentialsError extends MedusaError {
  /** The fields the core refused for the trade's generation. (Not `issues`: see {@link AlipaySettingsInvalidError}.) */
  readonly fieldIssues: SettingsIssue[];
  /** The interface type the trade was created with. */
  readonly interfaceType: string;
  constructor(interfaceType: string, issues: SettingsIssue[], outTradeNo?: string | null) {
    const generation = GENERATION_LABEL[generationOf(interfaceType)];
    const fields = [...new Set(issues.map(issue => issue.field))].join(', ');
    const trade = outTradeNo ? ` ${outTradeNo}` : '';
    // The core's messages name the field and end with a full stop; they never contain a value.
    const bare = (message: string) => message.replace(/[.。]+$/u, '');
    super(
      MedusaError.Types.NOT_ALLOWED,
      `Alipay trade${trade} was created with the ${generation.en} interface (${interfaceType}), but its ` +
        `credentials are no longer configured or not valid (${fields}): ` +
        `${issues.map(issue => bare(issue.message.en)).join('; ')}. Enter them again under ` +
        `Settings → Alipay (select that interface type to show its fields, enter them, then select the ` +
        `current interface type again and save: both generations' credentials are kept side by side). ` +
        `Trades are never handled with the other generation's credentials. / ` +
        `支付宝交易${trade ? `${trade} ` : ''}是用${generation.zh}接口（${interfaceType}）创建的，但该接口的凭据已不再配置或无效` +
        `（${fields}）：${issues.map(issue => bare(issue.message.zh)).join('；')}。请在「设置 → Alipay」中` +
        `重新填写（先选择该接口类型以显示其字段，填写后再选回当前接口类型并保存：两代接口的凭据可以同时保存）。` +
        `交易不会改用另一代接口的凭据处理。`,
    );
    this.fieldIssues = issues;
    this.interfaceType = interfaceType;
  }
}
