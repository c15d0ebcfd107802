import { type AlipayCharset as Charset, encodeText } from '../../src/charset';
import { md5Sign } from '../../src/sign/md5';

/** The MD5 key of the legacy test merchant (a made-up value, 32 characters like Alipay's). */
export const LEGACY_TEST_KEY = 'abcdefghijklmnopqrstuvwxyz012345';
/** The partner ID (PID) of the legacy test merchant. */
export const LEGACY_TEST_PARTNER = '2088101122136241';

/**
 * Percent-encodes the bytes of `value` in `charset`, as Alipay writes a form body: `charset` decides the
 * bytes, so a GBK body differs from a UTF-8 one for any Chinese text.
 */
export function percentEncode(value: string, charset: Charset = 'utf-8'): string {
  return [...encodeText(value, charset)]
    .map(b => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
}

/** An `application/x-www-form-urlencoded` body of `params`, values encoded in `charset`. */
export function formBody(params: Record<string, string>, charset: Charset = 'utf-8'): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${percentEncode(v, charset)}`)
    .join('&');
}

/** {@link formBody} as the bytes a server receives. */
export function formBodyBytes(params: Record<string, string>, charset: Charset = 'utf-8'): Buffer {
  return Buffer.from(formBody(params, charset), 'latin1');
}

/**
 * A legacy (MAPI) `trade_status_sync` notification for the test merchant, signed with MD5 over the bytes of
 * `charset`. `overrides` replace fields before signing, so the result always carries a genuine signature.
 */
export function signedLegacyNotification(
  overrides: Record<string, string> = {},
  charset: Charset = 'utf-8',
): Record<string, string> {
  const params: Record<string, string> = {
    notify_type: 'trade_status_sync',
    notify_id: 'nid-1',
    notify_time: '2026-11-25 10:00:00',
    out_trade_no: 'ORDER-1',
    trade_no: '2026112522001',
    trade_status: 'TRADE_SUCCESS',
    total_fee: '12.34',
    subject: '测试商品',
    seller_email: 'seller@example.com',
    seller_id: LEGACY_TEST_PARTNER,
    buyer_email: 'buyer@example.com',
    buyer_id: '2088000000000002',
    gmt_payment: '2026-11-25 09:59:59',
    ...overrides,
  };
  params['sign_type'] = 'MD5';
  params['sign'] = md5Sign(params, LEGACY_TEST_KEY, { charset });
  return params;
}
