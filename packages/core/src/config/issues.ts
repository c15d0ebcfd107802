import { z } from 'zod';
import { AlipayConfigError, type Bilingual, type ConfigIssue } from '../errors';

/** Adds a bilingual issue on `field` to a zod refinement context. */
export function addIssue(ctx: z.RefinementCtx, field: string, en: string, zh: string): void {
  ctx.addIssue({ code: 'custom', path: [field], message: en, params: { en, zh } });
}

/** Turns zod issues into {@link ConfigIssue}s, keeping our bilingual messages and naming the field. */
export function toConfigIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map(issue => {
    const field = issue.path.map(String).join('.') || '(config)';
    const params = (issue as { params?: Partial<Bilingual> }).params;
    if (params?.en && params.zh) return { field, message: { en: params.en, zh: params.zh } };
    const missing = issue.code === 'invalid_type' && /undefined/.test(issue.message);
    return {
      field,
      message: missing
        ? { en: `${field} is required.`, zh: `${field} 为必填项。` }
        : { en: `${field}: ${issue.message}`, zh: `${field} 的值无效：${issue.message}` },
    };
  });
}

/** Parses with a schema or throws one {@link AlipayConfigError} listing every bad field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new AlipayConfigError(toConfigIssues(result.error));
  return result.data;
}

/** True when a pasted value has leading/trailing or inner whitespace (the 2009 guide: 添加时不要带有空格). */
export function hasStrayWhitespace(value: string): boolean {
  return /\s/.test(value);
}

/** An Alipay user ID: the partner ID (PID) of a legacy contract, or a seller's user ID (2088 and 12 digits). */
export const ALIPAY_USER_ID = /^2088[0-9]{12}$/;

/** An optional text setting: an empty string (an untouched form field) counts as not set. */
export const optionalText = z
  .string()
  .optional()
  .transform(v => (v === '' ? undefined : v));

/** Checks a pasted identifier: whitespace is reported as such, then the pattern. */
export function checkPasted(
  ctx: z.RefinementCtx,
  field: string,
  value: string | undefined,
  pattern: RegExp,
  what: Bilingual,
): void {
  if (value === undefined) return;
  if (hasStrayWhitespace(value)) {
    addIssue(
      ctx,
      field,
      `${field} contains spaces or line breaks. Paste it again without any whitespace.`,
      `${field} 中含有空格或换行，请去掉空格后重新粘贴。`,
    );
    return;
  }
  if (!pattern.test(value)) addIssue(ctx, field, what.en, what.zh);
}

/** Accepts only http(s) URLs for the gateway. */
export function checkUrl(ctx: z.RefinementCtx, field: string, value: string): void {
  let ok = false;
  try {
    const url = new URL(value);
    ok = url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    ok = false;
  }
  if (!ok) {
    addIssue(
      ctx,
      field,
      `${field} must be an http(s) URL, e.g. https://mapi.alipay.com/gateway.do.`,
      `${field} 必须是 http(s) 网址，例如 https://mapi.alipay.com/gateway.do。`,
    );
  }
}

/** Checks `sellerId`, the same Alipay user ID in both generations. */
export function checkSellerId(ctx: z.RefinementCtx, value: string | undefined): void {
  checkPasted(ctx, 'sellerId', value, ALIPAY_USER_ID, {
    en: 'sellerId must be a 16-digit Alipay user ID starting with 2088.',
    zh: 'sellerId 应为以 2088 开头的 16 位支付宝用户号。',
  });
}
