import { createHash } from 'node:crypto';
import { type AlipayCharset, encodeText, normalizeCharset } from './charset';
import { type AlipaySettings, safeParseAlipayConfig, settingsToConfig } from './config';
import type { Bilingual } from './errors';
import { FormBodyError } from './errors';
import { formBodyCharset, parseFormBody } from './http/form';
import { verifyOpenApiNotification } from './openapi/notify';
import { buildSignString } from './sign/canonical';
import { publicKeyFromCert } from './sign/cert';
import { toPrivateKey, toPublicKey } from './sign/keys';
import { md5Verify } from './sign/md5';
import { rsaVerify } from './sign/rsa';

/** One check the doctor made. */
export interface DoctorFinding {
  /** Stable id, e.g. `as-received`, `charset-gbk`, `app-public-key`, `plus-as-space`. */
  id: string;
  /** True when this variant verifies (i.e. it explains the failure). */
  passed: boolean;
  message: Bilingual;
}

/** What {@link diagnoseNotification} found. */
export interface Diagnosis {
  /** The notification verifies exactly as received, with the settings given. */
  verified: boolean;
  /** The finding that explains a failure, when one does. */
  cause: DoctorFinding | undefined;
  /** Every check, in the order made. */
  findings: DoctorFinding[];
  /** One plain sentence for the merchant. */
  summary: Bilingual;
}

/** The settings the doctor needs, read leniently so even a config that fails validation can be checked. */
interface Keys {
  generation: 'legacy' | 'openapi';
  charset: AlipayCharset;
  signType: string;
  key?: string;
  alipayPublicKey?: string;
  appPrivateKey?: string;
}

function lenientKeys(input: Record<string, unknown>): Keys {
  const str = (name: string) =>
    typeof input[name] === 'string' && input[name] !== '' ? (input[name] as string) : undefined;
  const type = str('interfaceType') ?? '';
  const generation =
    input['generation'] === 'legacy' || type.startsWith('legacy') || str('partnerId') ? 'legacy' : 'openapi';
  let alipayPublicKey = str('alipayPublicKey');
  const cert = str('alipayCertificate');
  if (!alipayPublicKey && cert?.includes('-----BEGIN')) {
    try {
      alipayPublicKey = publicKeyFromCert(cert);
    } catch {
      // reported by the key checks below
    }
  }
  const keys: Keys = {
    generation,
    charset: normalizeCharset(str('charset')) ?? 'utf-8',
    signType: str('signType') ?? (generation === 'legacy' ? 'MD5' : 'RSA2'),
  };
  const key = str('key');
  if (key !== undefined) keys.key = key;
  if (alipayPublicKey !== undefined) keys.alipayPublicKey = alipayPublicKey;
  const privateKey = str('appPrivateKey') ?? str('merchantPrivateKey');
  if (privateKey !== undefined) keys.appPrivateKey = privateKey;
  return keys;
}

function verifies(
  keys: Keys,
  params: Record<string, string>,
  charset: AlipayCharset = keys.charset,
): boolean {
  if (keys.generation === 'openapi') {
    return keys.alipayPublicKey !== undefined && verifyOpenApiNotification(params, keys.alipayPublicKey);
  }
  if ((params['sign_type'] ?? keys.signType).toUpperCase() === 'RSA') {
    return (
      keys.alipayPublicKey !== undefined &&
      rsaVerify(
        encodeText(buildSignString(params), charset),
        params['sign'] ?? '',
        keys.alipayPublicKey,
        'RSA',
      )
    );
  }
  return keys.key !== undefined && md5Verify(params, keys.key, { charset });
}

function mapValues(
  params: Record<string, string>,
  fn: (value: string, key: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k] = k === 'sign' ? v : fn(v, k);
  return out;
}

/** Splits a form body without decoding anything (the capture may hold already-decoded values). */
function splitRaw(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    out[eq < 0 ? part : part.slice(0, eq)] = eq < 0 ? '' : part.slice(eq + 1);
  }
  return out;
}

function decodeOnceMore(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

const f = (id: string, passed: boolean, en: string, zh: string): DoctorFinding => ({
  id,
  passed,
  message: { en, zh },
});

/**
 * "Why did this notification not verify?" Given the raw body Alipay sent (as captured) and the merchant's
 * config or admin settings, tries the known mistakes — `sign_type` in or out, decoding twice, `+` taken as a
 * space, GBK vs UTF-8 bytes, the app public key in place of Alipay's, a PKCS#1 key under a PKCS#8 header,
 * a field added by the framework, a wrong MD5 key — and says in plain words which variant would have passed.
 * Offline: it never calls Alipay (so `notify_verify` is not part of it).
 */
export function diagnoseNotification(
  rawBody: Uint8Array | string,
  config: Record<string, unknown> | AlipaySettings,
  options: { contentType?: string } = {},
): Diagnosis {
  const input = config as Record<string, unknown>;
  const keys = lenientKeys(input);
  const findings: DoctorFinding[] = [];
  const done = (verified: boolean, summary: Bilingual): Diagnosis => ({
    verified,
    cause: findings.find(x => x.passed && x.id !== 'as-received'),
    findings,
    summary,
  });

  const validation =
    'interfaceType' in input
      ? settingsToConfig(input as unknown as AlipaySettings)
      : safeParseAlipayConfig(input);
  for (const issue of validation.issues) {
    findings.push(
      f(`config:${issue.field}`, false, `Settings: ${issue.message.en}`, `设置：${issue.message.zh}`),
    );
  }

  let params: Record<string, string>;
  try {
    params = { ...parseFormBody(rawBody, options.contentType) };
  } catch (error) {
    const reason = error instanceof FormBodyError ? error.reason : 'unknown';
    findings.push(
      f('parse', false, `The body cannot be decoded (${reason}).`, `请求体无法解码（${reason}）。`),
    );
    if (reason === 'invalid_bytes' || reason === 'unsupported_charset') {
      for (const charset of ['gbk', 'utf-8'] as const) {
        try {
          params = { ...parseFormBody(rawBody, `application/x-www-form-urlencoded; charset=${charset}`) };
          findings.push(
            f(
              `charset-${charset}`,
              verifies(keys, params, charset),
              `It decodes as ${charset}: the declared charset is wrong.`,
              `按 ${charset} 可以解码：声明的字符集有误。`,
            ),
          );
          return done(false, {
            en: `The notification is ${charset} but was declared otherwise. Set the charset setting to ${charset}.`,
            zh: `该通知实为 ${charset} 编码，但声明的字符集不同。请把字符集设置改为 ${charset}。`,
          });
        } catch {
          // try the next charset
        }
      }
    }
    return done(false, { en: 'The body is not an Alipay form body.', zh: '请求体不是支付宝表单数据。' });
  }

  if (!params['sign']) {
    findings.push(f('no-sign', false, 'The body has no sign field.', '请求体中没有 sign 字段。'));
    return done(false, { en: 'This is not a signed Alipay notification.', zh: '这不是带签名的支付宝通知。' });
  }
  const looksOpenApi = params['app_id'] !== undefined || /^RSA2$/i.test(params['sign_type'] ?? '');
  if (looksOpenApi !== (keys.generation === 'openapi')) {
    findings.push(
      f(
        'generation',
        false,
        `This is ${looksOpenApi ? 'an OpenAPI (app ID + RSA2)' : 'a legacy (partner + key)'} notification, but the settings are ${keys.generation === 'openapi' ? 'OpenAPI' : 'legacy'}.`,
        `这是${looksOpenApi ? '开放平台（APPID + RSA2）' : '旧版（合作者身份 + 安全校验码）'}通知，但设置为${keys.generation === 'openapi' ? '开放平台' : '旧版'}。`,
      ),
    );
  }

  const asReceived = verifies(keys, params);
  findings.push(
    f(
      'as-received',
      asReceived,
      asReceived ? 'The signature verifies as received.' : 'The signature does not verify as received.',
      asReceived ? '按原样验签通过。' : '按原样验签失败。',
    ),
  );
  if (asReceived) {
    return done(true, {
      en: 'The signature is fine. If the shop still refused it, read the logged reason: notify_verify, seller, app ID or amount.',
      zh: '签名正确。若商店仍拒绝该通知，请查看日志中的原因：notify_verify、卖家、APPID 或金额。',
    });
  }

  // Keys: the classic mistakes first, because they explain every failure at once.
  if (keys.generation === 'openapi' && keys.appPrivateKey && keys.alipayPublicKey) {
    try {
      const appPublic = toPublicKey(toPrivateKey(keys.appPrivateKey)).export({ type: 'spki', format: 'der' });
      const configured = toPublicKey(keys.alipayPublicKey).export({ type: 'spki', format: 'der' });
      if (appPublic.equals(configured)) {
        findings.push(
          f(
            'app-public-key',
            true,
            'alipayPublicKey is your APP public key (the pair of your private key). Paste Alipay’s public key (支付宝公钥) instead.',
            'alipayPublicKey 填的是您的应用公钥（与应用私钥成对）。请改填“支付宝公钥”。',
          ),
        );
        return done(false, {
          en: 'Wrong key: the app public key is configured where Alipay’s public key belongs.',
          zh: '密钥填错：在“支付宝公钥”处填了应用公钥。',
        });
      }
    } catch {
      // reported by the key-format check
    }
  }
  if (keys.alipayPublicKey) {
    try {
      toPublicKey(keys.alipayPublicKey);
    } catch {
      const body = keys.alipayPublicKey.replace(/-----[^-]+-----/g, '');
      let fixable = false;
      try {
        toPublicKey(body);
        fixable = true;
      } catch {
        fixable = false;
      }
      findings.push(
        f(
          'key-format',
          fixable,
          fixable
            ? 'Alipay’s public key has a PEM header that does not match its content (PKCS#1 vs PKCS#8/SPKI). Paste the one-line key without the header.'
            : 'Alipay’s public key is not readable at all. Copy 支付宝公钥 again.',
          fixable
            ? '支付宝公钥的 PEM 头与内容不符（PKCS#1 与 PKCS#8/SPKI）。请去掉头尾，只粘贴单行密钥。'
            : '无法读取支付宝公钥，请重新复制“支付宝公钥”。',
        ),
      );
      return done(false, {
        en: 'The configured Alipay public key cannot be read.',
        zh: '无法读取配置的支付宝公钥。',
      });
    }
  }
  if (keys.generation === 'legacy' && keys.key !== undefined && !/^[0-9a-zA-Z]{32}$/.test(keys.key)) {
    findings.push(
      f(
        'key-shape',
        false,
        'The MD5 key is not 32 letters and digits (spaces or a partial copy?).',
        'MD5 安全校验码不是 32 位字母数字（含空格或复制不全？）。',
      ),
    );
  }

  const variants: Array<[DoctorFinding, () => boolean]> = [];
  const other: AlipayCharset = keys.charset === 'utf-8' ? 'gbk' : 'utf-8';
  const detected = formBodyCharset(rawBody, options.contentType);
  variants.push([
    f(
      `charset-${other}`,
      false,
      `The signature verifies over ${other} bytes: set the charset setting to ${other} (Alipay signs in the merchant’s _input_charset).`,
      `按 ${other} 字节验签通过：请把字符集设置改为 ${other}（支付宝按商户的 _input_charset 签名）。`,
    ),
    () => {
      try {
        const reparsed =
          detected === other
            ? params
            : { ...parseFormBody(rawBody, `application/x-www-form-urlencoded; charset=${other}`) };
        return verifies(keys, reparsed, other);
      } catch {
        return false;
      }
    },
  ]);
  variants.push([
    f(
      'sign-type-included',
      false,
      'It verifies only with sign_type included in the signed string.',
      '仅在签名串包含 sign_type 时验签通过。',
    ),
    () => {
      if (keys.generation !== 'legacy' || keys.key === undefined || !params['sign_type']) return false;
      const presign = buildSignString(params, { exclude: ['sign'] });
      const digest = createHash('md5')
        .update(encodeText(presign + keys.key, keys.charset))
        .digest('hex');
      return digest === params['sign']?.toLowerCase();
    },
  ]);
  variants.push([
    f(
      'already-decoded',
      false,
      'The capture holds values that were already URL-decoded; decoding them again broke values with % or +. Decode the body exactly once (read the raw body, not a pre-parsed one).',
      '捕获的数据已被 URL 解码过，再次解码破坏了含 % 或 + 的值。请只解码一次（读取原始请求体，而非已解析的数据）。',
    ),
    () =>
      verifies(
        keys,
        splitRaw(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('latin1')),
      ),
  ]);
  variants.push([
    f(
      'encoded-twice',
      false,
      'The values were URL-encoded twice on the way (a proxy or framework re-encoded the body). Decoded once more, they verify.',
      '这些值在传输中被 URL 编码了两次（代理或框架重新编码了请求体）。再解码一次即可验签通过。',
    ),
    () => verifies(keys, mapValues(params, decodeOnceMore)),
  ]);
  variants.push([
    f(
      'plus-as-space',
      false,
      'A literal "+" became a space: something decoded %2B before the form parser. Pass the raw body to the core unchanged.',
      '字面量“+”被变成了空格：有程序在表单解析前把 %2B 解码了。请把原始请求体原样交给核心库。',
    ),
    () =>
      verifies(
        keys,
        mapValues(params, v => v.replace(/ /g, '+')),
      ),
  ]);
  for (const field of Object.keys(params)) {
    if (field === 'sign' || field === 'sign_type') continue;
    variants.push([
      f(
        `extra-field:${field}`,
        false,
        `It verifies without the field "${field}": something (route or query parameters merged into the body?) added it.`,
        `去掉字段“${field}”后验签通过：该字段是被其他程序加入的（路由或查询参数被合并进了请求体？）。`,
      ),
      () => {
        const { [field]: _dropped, ...rest } = params;
        return verifies(keys, rest);
      },
    ]);
  }
  if (keys.generation === 'openapi' && keys.appPrivateKey) {
    variants.push([
      f(
        'signed-with-app-key',
        false,
        'It was signed with YOUR app private key, not by Alipay: it did not come from Alipay (a test tool?).',
        '该通知是用您自己的应用私钥签名的，并非来自支付宝（测试工具？）。',
      ),
      () => {
        try {
          return verifyOpenApiNotification(params, toPublicKey(toPrivateKey(keys.appPrivateKey!)));
        } catch {
          return false;
        }
      },
    ]);
  }

  for (const [finding, check] of variants) {
    const passed = check();
    findings.push({ ...finding, passed });
    if (passed) return done(false, finding.message);
  }
  return done(
    false,
    keys.generation === 'legacy'
      ? {
          en: 'No known mistake explains it: the MD5 key (安全校验码) is most likely not this partner’s current key. Copy it again from the merchant portal.',
          zh: '没有已知错误能解释：安全校验码很可能不是该合作者身份当前的密钥，请从商家服务中重新复制。',
        }
      : {
          en: 'No known mistake explains it: the Alipay public key is probably outdated or from another app (sandbox vs production?). Copy 支付宝公钥 of this APPID again.',
          zh: '没有已知错误能解释：支付宝公钥可能已过期或属于其他应用（沙箱与正式环境混用？）。请重新复制该 APPID 的“支付宝公钥”。',
        },
  );
}
