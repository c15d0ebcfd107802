/**
 * Issue 15 item 7: in service-provider (ISV) mode the provider's `app_id` is shared by every merchant it
 * serves, so an OpenAPI notification must name the authorised merchant. `sellerId` is required with
 * `appAuthToken` and every notification or return must carry that `seller_id`. In direct mode an
 * `auth_app_id` other than `app_id` marks a trade made for another merchant, and is refused as well.
 * Notifications are signed with a real RSA key pair standing for Alipay's; nothing is mocked.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { safeParseAlipayConfig } from '../src/config';
import { type Alipay, createAlipay } from '../src/facade';
import { buildSignString } from '../src/sign/canonical';
import { rsaSign } from '../src/sign/rsa';

const alipayKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: typeof app.privateKey, type: 'pkcs8' | 'spki') =>
  k.export({ type, format: 'pem' } as never).toString();

/** The provider's (ISV's) app, the merchant's own app, and the sellers of two merchants. */
const PROVIDER_APP = '2021000122600000';
const MERCHANT_APP = '2021000122611111';
const OTHER_MERCHANT_APP = '2021000122622222';
const MERCHANT_SELLER = '2088000000000001';
const OTHER_SELLER = '2088000000000009';

const base = {
  generation: 'openapi',
  products: ['page'],
  appId: PROVIDER_APP,
  appPrivateKey: pem(app.privateKey, 'pkcs8'),
  alipayPublicKey: pem(alipayKeys.publicKey, 'spki'),
  gateway: 'http://127.0.0.1:9/openapi/gateway.do',
} as const;

/** A trade notification as Alipay signs it for a trade the provider's app made for the merchant. */
function notification(overrides: Record<string, string | undefined> = {}): string {
  const params: Record<string, string> = {
    notify_type: 'trade_status_sync',
    notify_id: 'nid-isv',
    notify_time: '2026-11-25 10:00:00',
    app_id: PROVIDER_APP,
    auth_app_id: MERCHANT_APP,
    charset: 'utf-8',
    version: '1.0',
    out_trade_no: 'ORDER-ISV-1',
    trade_no: '2026112522009',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '12.34',
    seller_id: MERCHANT_SELLER,
    gmt_payment: '2026-11-25 09:59:59',
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete params[key];
    else params[key] = value;
  }
  params['sign_type'] = 'RSA2';
  params['sign'] = rsaSign(buildSignString(params), alipayKeys.privateKey, 'RSA2');
  return new URLSearchParams(params).toString();
}

const isv: Alipay = createAlipay({ ...base, appAuthToken: '202611BBisvtoken', sellerId: MERCHANT_SELLER });
const direct: Alipay = createAlipay({ ...base });

describe('service-provider mode (appAuthToken): the authorised merchant', () => {
  it('the settings refuse appAuthToken without sellerId, naming the field in English and Chinese', () => {
    const result = safeParseAlipayConfig({ ...base, appAuthToken: '202611BBisvtoken' });
    expect(result.ok).toBe(false);
    const issue = result.issues.find(i => i.field === 'sellerId');
    expect(issue?.message.en).toMatch(/appAuthToken.*sellerId/);
    expect(issue?.message.zh).toContain('授权商户');
    expect(
      safeParseAlipayConfig({ ...base, appAuthToken: '202611BBisvtoken', sellerId: MERCHANT_SELLER }).ok,
    ).toBe(true);
  });

  it('a notification for the authorised merchant is accepted (app_id is the provider’s app)', async () => {
    const result = await isv.handleNotification(notification());
    expect(result).toMatchObject({
      ok: true,
      event: { seller: { id: MERCHANT_SELLER }, appId: PROVIDER_APP },
    });
  });

  it('a notification naming another merchant of the same provider is refused, and Alipay asked to retry', async () => {
    const result = await isv.handleNotification(
      notification({ seller_id: OTHER_SELLER, auth_app_id: OTHER_MERCHANT_APP }),
    );
    expect(result).toMatchObject({ ok: false, reason: 'wrong_seller', retryable: true, reply: 'fail' });
  });

  it('a notification that names no seller is refused: the seller is the only proof of whose trade it is', async () => {
    for (const overrides of [{ seller_id: undefined }, { seller_id: '' }]) {
      const result = await isv.handleNotification(notification(overrides));
      expect(result).toMatchObject({ ok: false, reason: 'wrong_seller', reply: 'fail' });
    }
  });

  it('a return naming another merchant is refused too', () => {
    expect(isv.handleReturn(notification({ seller_id: OTHER_SELLER }))).toMatchObject({
      ok: false,
      reason: 'wrong_seller',
    });
    expect(isv.handleReturn(notification())).toMatchObject({ ok: true });
  });
});

describe('direct mode (no appAuthToken): auth_app_id', () => {
  it('auth_app_id equal to app_id (the merchant’s own app) is accepted, even with no sellerId configured', async () => {
    expect(await direct.handleNotification(notification({ auth_app_id: PROVIDER_APP }))).toMatchObject({
      ok: true,
    });
    expect(await direct.handleNotification(notification({ auth_app_id: undefined }))).toMatchObject({
      ok: true,
    });
  });

  it('auth_app_id of another app means a trade made for another merchant: refused, even with no sellerId', async () => {
    const result = await direct.handleNotification(notification({ auth_app_id: OTHER_MERCHANT_APP }));
    expect(result).toMatchObject({ ok: false, reason: 'wrong_seller', reply: 'fail' });
    if (!result.ok) expect(result.message).toContain('appAuthToken');
  });
});
