import { ChannelService, TransactionalConnection } from '@vendure/core';
import { E2E_DEFAULT_CHANNEL_TOKEN } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlipayNotificationService } from '../src/alipay-notification.service';
import { buildNotifyUrl, buildReturnUrl } from '../src/alipay-urls';
import { AlipayTrade } from '../src/entities/alipay-trade.entity';
import {
  type AlipayTestEnvironment,
  E2E_STOREFRONT_RETURN_URL,
  startAlipayTestEnvironment,
} from './test-environment';

const PAYMENT_METHOD_CODE = 'alipay-e2e';

/** 测试订单 ("test order") in GBK: two bytes per character, all >= 0x80. */
const GBK_TEST_ORDER = Buffer.from([0xb2, 0xe2, 0xca, 0xd4, 0xb6, 0xa9, 0xb5, 0xa5]);

/**
 * A GBK notification body: `subject` percent-encoded as a real form would be, and `body` with the
 * raw GBK bytes, which any re-encoding on the way to the controller would change.
 */
function gbkNotificationBody(): Buffer {
  return Buffer.concat([
    Buffer.from('notify_type=trade_status_sync&out_trade_no=E2E-GBK-1&subject='),
    Buffer.from([...GBK_TEST_ORDER].map(byte => `%${byte.toString(16).toUpperCase()}`).join('')),
    Buffer.from('&body='),
    GBK_TEST_ORDER,
    Buffer.from('&trade_status=TRADE_SUCCESS&sign_type=MD5&sign=0123456789abcdef'),
  ]);
}

describe('Alipay notify and return endpoints', () => {
  let env: AlipayTestEnvironment;
  let notifyUrl: string;

  beforeAll(async () => {
    env = await startAlipayTestEnvironment('alipay-endpoints');
    // The URL the plugin itself would hand to Alipay, so route and URL builder cannot drift apart.
    notifyUrl = buildNotifyUrl(
      env.pluginOptions.publicBaseUrl,
      E2E_DEFAULT_CHANNEL_TOKEN,
      PAYMENT_METHOD_CODE,
    );
  });

  afterAll(async () => {
    await env?.destroy();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('(d) POST notify', () => {
    it('fixture sanity: the body bytes really are GBK for 测试订单', () => {
      expect(new TextDecoder('gbk').decode(GBK_TEST_ORDER)).toBe('测试订单');
    });

    it('hands the raw GBK bytes of a charset=GBK form to the service', async () => {
      const handleNotify = vi.spyOn(env.server.app.get(AlipayNotificationService), 'handleNotify');
      const body = gbkNotificationBody();
      const contentType = 'application/x-www-form-urlencoded; charset=GBK';

      const response = await fetch(notifyUrl, {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        body,
      });

      // Nest's global urlencoded parser would have answered 415 for charset=GBK.
      expect(response.status).toBe(200);
      expect(handleNotify).toHaveBeenCalledTimes(1);
      const input = handleNotify.mock.calls[0]?.[0];
      expect(Buffer.isBuffer(input?.rawBody)).toBe(true);
      expect(input?.rawBody.equals(body)).toBe(true);
      expect(input?.contentType).toBe(contentType);
      expect(input?.channelToken).toBe(E2E_DEFAULT_CHANNEL_TOKEN);
      expect(input?.paymentMethodCode).toBe(PAYMENT_METHOD_CODE);
    });

    it('answers fail as plain text when a notification cannot be processed, so Alipay retries', async () => {
      const response = await fetch(notifyUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        // Unsigned: whatever processing does, this must not be acknowledged.
        body: 'notify_id=1&trade_status=TRADE_SUCCESS',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toBe('fail');
    });

    it("sends the service's reply verbatim (no JSON quoting)", async () => {
      vi.spyOn(env.server.app.get(AlipayNotificationService), 'handleNotify').mockResolvedValueOnce(
        'success',
      );
      const response = await fetch(notifyUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'notify_id=2',
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toBe('success');
    });

    it('passes an empty Buffer when the request has no body', async () => {
      const handleNotify = vi.spyOn(env.server.app.get(AlipayNotificationService), 'handleNotify');
      const response = await fetch(notifyUrl, { method: 'POST' });
      expect(response.status).toBe(200);
      expect(handleNotify.mock.calls[0]?.[0].rawBody).toEqual(Buffer.alloc(0));
    });

    it('rejects a body over 64 KiB before it reaches the service', async () => {
      const handleNotify = vi.spyOn(env.server.app.get(AlipayNotificationService), 'handleNotify');
      const response = await fetch(notifyUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `pad=${'x'.repeat(64 * 1024)}`,
      });
      expect(response.status).toBe(413);
      expect(await response.text()).toBe('fail');
      expect(handleNotify).not.toHaveBeenCalled();
    });

    it('leaves JSON parsing of the GraphQL APIs intact', async () => {
      // A raw POST (not the test client) to be explicit about the JSON body being parsed.
      const response = await fetch(`${env.baseUrl}/shop-api`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'vendure-token': E2E_DEFAULT_CHANNEL_TOKEN },
        body: JSON.stringify({
          query: 'query ($slug: String) { product(slug: $slug) { slug } }',
          variables: { slug: 'silk-scarf' },
        }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { product: { slug: 'silk-scarf' } } });
      const { product } = await env.shopClient.query(
        gql`
          query ($slug: String) {
            product(slug: $slug) {
              slug
            }
          }
        `,
        { slug: 'celadon-tea-set' },
      );
      expect(product).toEqual({ slug: 'celadon-tea-set' });
    });
  });

  describe('GET return', () => {
    const OUT_TRADE_NO = 'at0123456789abcdef0123456789abcd';
    const ORDER_CODE = 'E2ERETURN1';

    beforeAll(async () => {
      const channel = await env.server.app.get(ChannelService).getDefaultChannel();
      await env.server.app
        .get(TransactionalConnection)
        .rawConnection.getRepository(AlipayTrade)
        .insert(
          new AlipayTrade({
            outTradeNo: OUT_TRADE_NO,
            channelId: channel.id,
            paymentMethodCode: PAYMENT_METHOD_CODE,
            interfaceType: 'openapi-page',
            orderCode: ORDER_CODE,
            orderId: 1,
            amountFen: 28800,
          }),
        );
    });

    function returnUrl(paymentMethodCode: string, query: string): string {
      return `${buildReturnUrl(env.pluginOptions.publicBaseUrl, E2E_DEFAULT_CHANNEL_TOKEN, paymentMethodCode)}?${query}`;
    }

    it('an unsigned or badly signed return lands on the storefront return page as unverified: it never names the order', async () => {
      // Issue 15 item 2: the trade number is in payment URLs and on the payer's bill; it must not lead
      // to the order. No return names it, signed or not (a signed one: checkout spec).
      for (const query of [`out_trade_no=${OUT_TRADE_NO}&sign=abc`, `out_trade_no=${OUT_TRADE_NO}`]) {
        const response = await fetch(returnUrl(PAYMENT_METHOD_CODE, query), { redirect: 'manual' });
        expect(response.status, query).toBe(302);
        expect(response.headers.get('location'), query).toBe(
          `${E2E_STOREFRONT_RETURN_URL}?status=unverified`,
        );
        expect(await response.text(), query).not.toContain(ORDER_CODE);
      }
    });

    it('answers 404 for an unknown trade, another payment method or a repeated parameter', async () => {
      for (const url of [
        returnUrl(PAYMENT_METHOD_CODE, 'out_trade_no=at00000000000000000000000000000f'),
        returnUrl('other-method', `out_trade_no=${OUT_TRADE_NO}`),
        returnUrl(PAYMENT_METHOD_CODE, `out_trade_no=${OUT_TRADE_NO}&out_trade_no=${OUT_TRADE_NO}`),
        returnUrl(PAYMENT_METHOD_CODE, ''),
      ]) {
        const response = await fetch(url, { redirect: 'manual' });
        expect(response.status, url).toBe(404);
      }
    });
  });
});
