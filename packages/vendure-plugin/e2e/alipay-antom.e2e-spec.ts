import { ANTOM_NOTIFICATION_ACK } from '@alipay-commerce/core/primitives';
import { SimpleGraphQLClient } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { describe, expect, it } from 'vitest';
import { ALIPAY_CURRENCY_CHECKER_CODE, AlipayReconciliationService } from '../src';
import { buildNotifyUrl } from '../src/alipay-urls';
import { AlipayTrade } from '../src/entities/alipay-trade.entity';
import { startAlipayShop, useShop } from './alipay-shop-fixture';
import { CREATE_PAYMENT_METHOD, UPDATE_PAYMENT_METHOD } from './graphql-documents';
import { controlOf, type Delivery, eventually, type Sandbox } from './sandbox-steps';
import {
  adminOrder,
  createIntent,
  postNotification,
  prepareOrder,
  sellInUsd,
  usdShopClient,
} from './shop-steps';
import { E2E_STOREFRONT_RETURN_URL } from './test-environment';

/**
 * Antom (interface type `antom`, Alipay's cross-border acquiring) end to end through Vendure and the
 * sandbox's Antom gateway: an `antom` payment method takes a USD order the mainland methods refuse; the
 * buyer pays at Antom's cashier; the signed JSON notification (headers over the public notify path) settles
 * the order in cents and is answered with Antom's exact acknowledgement as JSON; repeats change nothing, a
 * tampered one is refused with `fail`; refunds in USD settle; a dropped notification is recovered by the
 * reconciliation's inquiry. One Vendure server for the file.
 */

/** Where the spec keeps the Antom client's private key, as a shop would (`env:NAME`). */
const ANTOM_KEY_VARIABLE = 'ALIPAY_E2E_ANTOM_CLIENT_KEY';
/** The variant with a USD price (US$5.99) besides its CNY one. */
const USD_VARIANT = 'T_4';

describe('Antom (cross-border): a USD order through an `antom` payment method', () => {
  const shop = useShop(async () => {
    const started = await startAlipayShop('alipay-antom');
    const client = started.sandbox.antomClients[0];
    if (!client?.privateKey) throw new Error('the sandbox has no Antom client');
    process.env[ANTOM_KEY_VARIABLE] = client.privateKey;
    const destroy = started.destroy;
    started.destroy = async () => {
      delete process.env[ANTOM_KEY_VARIABLE];
      await destroy();
    };
    // The shop also sells in USD: the channel takes USD, and one variant has a USD price.
    await sellInUsd(started.adminClient);
    // The mainland method as the README creates it (CNY orders only), and the Antom one.
    await started.createMethod('alipay-cny', { interfaceType: 'openapi-page', ...started.openapiSettings() });
    // The Antom one beside it takes the other currencies (the checker's `currencies`), as the README says.
    await createAntomMethod(started.adminClient, 'alipay-antom', antomArgs(started.sandbox), 'USD, EUR');
    return started;
  });

  function antomClient() {
    const client = shop.sandbox.antomClients[0];
    if (!client) throw new Error('the sandbox has no Antom client');
    return client;
  }

  interface Quote {
    code: string;
    isEligible: boolean;
    eligibilityMessage: string | null;
  }

  async function quotes(client: SimpleGraphQLClient): Promise<Record<string, Quote>> {
    const { eligiblePaymentMethods } = await client.query<{ eligiblePaymentMethods: Quote[] }>(gql`
      query {
        eligiblePaymentMethods {
          code
          isEligible
          eligibilityMessage
        }
      }
    `);
    return Object.fromEntries(eligiblePaymentMethods.map(quote => [quote.code, quote]));
  }

  /** A USD order of a fresh guest with a started Antom payment (the Antom cashier link). */
  async function startedUsdOrder(guest: string, method = 'alipay-antom') {
    const client = usdShopClient(shop);
    const { code, totalWithTax } = await prepareOrder(client, {
      variantId: USD_VARIANT,
      guestEmail: `${guest}@example.test`,
    });
    const intent = await createIntent(client, method, 'desktop');
    expect(intent.__typename, JSON.stringify(intent)).toBe('AlipayRedirect');
    return { client, code, totalWithTax, outTradeNo: intent.outTradeNo as string, intent };
  }

  /** The order once it is PaymentSettled; on a timeout the error carries the plugin's log lines. */
  async function settledOrder(code: string) {
    try {
      return await eventually(async () => {
        const current = await adminOrder(shop.adminClient, code);
        return current.state === 'PaymentSettled' ? current : undefined;
      });
    } catch (error) {
      const log = shop.env.logger
        .plugin()
        .map(line => line.message)
        .join('\n');
      throw new Error(`order ${code} not settled: ${(error as Error).message}\n${log}`);
    }
  }

  /** The Antom PAYMENT_RESULT deliveries of a payment, oldest first. */
  async function paymentResults(outTradeNo: string): Promise<Delivery[]> {
    const payment = await controlOf(shop.sandbox).antomPayment(outTradeNo);
    const deliveries = await controlOf(shop.sandbox).deliveries({ tradeNo: payment.paymentId });
    return deliveries.filter(d => d.kind === 'PAYMENT_RESULT');
  }

  /** Posts a notification to the Antom method's notify route with the headers Antom signed. */
  async function postAntom(
    body: string,
    headers: Record<string, string> | undefined,
    method = 'alipay-antom',
  ) {
    const response = await fetch(buildNotifyUrl(shop.env.baseUrl, 'e2e-default-channel', method), {
      method: 'POST',
      headers: { ...(headers ?? {}), 'content-type': 'application/json; charset=UTF-8' },
      body,
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      text: await response.text(),
    };
  }

  it('validates antom settings field by field and never echoes the private key', async () => {
    const client = antomClient();
    const attempt = createAntomMethod(shop.adminClient, 'alipay-antom-bad', {
      ...antomArgs(shop.sandbox),
      antomClientId: 'has space',
      // A literal key, so a leak would show; the Antom public key field gets a private key.
      antomPrivateKey: client.privateKey ?? '',
      antomPublicKey: 'not a key',
    });
    const error = await attempt.then(
      () => undefined,
      (caught: unknown) => (caught instanceof Error ? caught.message : String(caught)),
    );
    expect(error).toBeDefined();
    expect(error).toContain('antomClientId');
    expect(error).toContain('antomPublicKey');
    expect(error).not.toContain('antomPrivateKey:');
    const keyBody = (client.privateKey ?? '').replace(/-----[^-]+-----|\s/g, '');
    expect(error).not.toContain(keyBody.slice(100, 140));
    // A region the policy does not allow is named too (a URL other than the loopback sandbox).
    await expect(
      createAntomMethod(shop.adminClient, 'alipay-antom-far', {
        ...antomArgs(shop.sandbox),
        antomRegion: 'http://antom.example.net',
      }),
    ).rejects.toThrow(/antomRegion/);
    // A literal key is stored, and masked in every Admin API answer.
    const literal = await createAntomMethod(shop.adminClient, 'alipay-antom-literal', {
      ...antomArgs(shop.sandbox),
      antomPrivateKey: client.privateKey ?? '',
    });
    const shown = literal.handler.args.find(a => a.name === 'antomPrivateKey')?.value ?? '';
    expect(shown.startsWith('••••')).toBe(true);
    expect(JSON.stringify(literal)).not.toContain(keyBody.slice(100, 140));
    expect((await shop.storedArgs('alipay-antom-literal')).antomPrivateKey).toBe(client.privateKey);
  });

  it('offers the antom method on a USD order and the mainland one not; a CNY order gets the mainland one', async () => {
    const usd = usdShopClient(shop);
    await prepareOrder(usd, { variantId: USD_VARIANT, guestEmail: 'antom-quotes@example.test' });
    const usdQuotes = await quotes(usd);
    expect(usdQuotes['alipay-antom']).toEqual({
      code: 'alipay-antom',
      isEligible: true,
      eligibilityMessage: null,
    });
    expect(usdQuotes['alipay-cny']?.isEligible).toBe(false);
    expect(usdQuotes['alipay-cny']?.eligibilityMessage).toContain('this order is in USD');
    // Starting the mainland method anyway is refused, and no trade is recorded.
    const refused = await createIntent(usd, 'alipay-cny');
    expect(refused).toMatchObject({
      __typename: 'AlipayPaymentIntentError',
      reason: 'PAYMENT_METHOD_NOT_ELIGIBLE',
    });

    const cny = new SimpleGraphQLClient(shop.env.config, `${shop.env.baseUrl}/shop-api`);
    await prepareOrder(cny, { variantId: USD_VARIANT, guestEmail: 'antom-quotes-cny@example.test' });
    const cnyQuotes = await quotes(cny);
    expect(cnyQuotes['alipay-cny']?.isEligible).toBe(true);
    // Antom would take CNY too, but this shop keeps CNY orders on its mainland contract (`currencies`).
    expect(cnyQuotes['alipay-antom']?.isEligible).toBe(false);
    expect(cnyQuotes['alipay-antom']?.eligibilityMessage).toContain('USD, EUR');
    expect((await createIntent(cny, 'alipay-antom')).reason).toBe('PAYMENT_METHOD_NOT_ELIGIBLE');
    // Without `currencies` the method's facade alone decides: Antom takes CNY, not a currency it does not know.
    const open = await createAntomMethod(shop.adminClient, 'alipay-antom-open', antomArgs(shop.sandbox));
    expect((await quotes(cny))['alipay-antom-open']?.isEligible).toBe(true);
    await shop.adminClient.query(
      gql`
        mutation ($id: ID!) {
          updatePaymentMethod(input: { id: $id, enabled: false }) {
            id
          }
        }
      `,
      { id: open.id },
    );
  });

  it('a USD order paid at Antom’s cashier is settled in cents, acknowledged with Antom’s exact answer', async () => {
    const { code, totalWithTax, outTradeNo, intent } = await startedUsdOrder('antom-paid');
    expect(new URL(intent.url as string).origin).toBe(new URL(shop.sandbox.antomGateway).origin);
    const started = await controlOf(shop.sandbox).antomPayment(outTradeNo);
    expect(started).toMatchObject({ currency: 'USD', value: String(totalWithTax), status: 'PROCESSING' });
    // The public notify URL, and a return URL that names the attempt (Antom appends nothing to it).
    expect(started.paymentNotifyUrl).toBe(
      buildNotifyUrl(shop.env.baseUrl, 'e2e-default-channel', 'alipay-antom'),
    );
    const returnUrl = String(started.paymentRedirectUrl);
    expect(new URL(returnUrl).searchParams.get('out_trade_no')).toBe(outTradeNo);
    const back = await fetch(returnUrl, { redirect: 'manual' });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`${E2E_STOREFRONT_RETURN_URL}?status=unverified`);

    const paid = await controlOf(shop.sandbox).antomPay({ paymentRequestId: outTradeNo });
    expect(paid.payment.status).toBe('SUCCESS');
    const order = await settledOrder(code);
    expect(order.payments).toHaveLength(1);
    expect(order.payments[0]).toMatchObject({
      state: 'Settled',
      amount: totalWithTax,
      method: 'alipay-antom',
      transactionId: paid.payment.paymentId,
    });
    expect(order.payments[0]?.metadata).toMatchObject({ interfaceType: 'antom', amountFen: totalWithTax });
    const [delivered] = await paymentResults(outTradeNo);
    expect(delivered).toMatchObject({ outcome: 'success', status: 200, answer: ANTOM_NOTIFICATION_ACK });

    // The same notification again (Antom retries until acknowledged): acknowledged, nothing changes.
    const repeat = await postAntom(delivered?.body ?? '', delivered?.headers);
    expect(repeat).toMatchObject({ status: 200, text: ANTOM_NOTIFICATION_ACK });
    expect(repeat.contentType).toMatch(/^application\/json/);
    const after = await adminOrder(shop.adminClient, code);
    expect(after.state).toBe('PaymentSettled');
    expect(after.payments).toHaveLength(1);
    shop.expectSafeLogs();
  });

  it('refuses a tampered notification with fail, and the order it names stays unpaid', async () => {
    const paidOne = await startedUsdOrder('antom-signed');
    await controlOf(shop.sandbox).antomPay({ paymentRequestId: paidOne.outTradeNo });
    const [genuine] = await paymentResults(paidOne.outTradeNo);
    expect(genuine?.outcome).toBe('success');
    // Another order's open payment: the genuine body rewritten to name it, headers unchanged.
    const victim = await startedUsdOrder('antom-victim');
    const forged = (genuine?.body ?? '').split(paidOne.outTradeNo).join(victim.outTradeNo);
    expect(forged).not.toBe(genuine?.body);
    const answer = await postAntom(forged, genuine?.headers);
    expect(answer).toMatchObject({ status: 200, text: 'fail' });
    // Unsigned: refused the same way.
    expect(await postAntom(genuine?.body ?? '', undefined)).toMatchObject({ status: 200, text: 'fail' });
    // A form body (what a domestic notification looks like) is no Antom notification either.
    const form = await postNotification(
      buildNotifyUrl(shop.env.baseUrl, 'e2e-default-channel', 'alipay-antom'),
      `out_trade_no=${victim.outTradeNo}&trade_status=TRADE_SUCCESS`,
    );
    expect(form.status).toBe(200);
    const order = await adminOrder(shop.adminClient, victim.code);
    expect(order.state).toBe('AddingItems');
    expect(order.payments).toEqual([]);
    expect((await controlOf(shop.sandbox).antomPayment(victim.outTradeNo)).status).toBe('PROCESSING');
  });

  it('refunds part of a USD payment, then the rest; Antom’s refunded value matches', async () => {
    const { code, totalWithTax, outTradeNo } = await startedUsdOrder('antom-refund');
    await controlOf(shop.sandbox).antomPay({ paymentRequestId: outTradeNo });
    const order = await settledOrder(code);
    const paymentId = order.payments[0]?.id ?? '';
    const part = 200;
    const first = await shop.refund(paymentId, part, 'part 部分');
    expect((await shop.settledRefund(code, first.id)).total).toBe(part);
    const second = await shop.refund(paymentId, totalWithTax - part, 'rest 其余');
    expect((await shop.settledRefund(code, second.id)).total).toBe(totalWithTax - part);
    const payment = await controlOf(shop.sandbox).antomPayment(outTradeNo);
    expect(payment.refundedValue).toBe(String(totalWithTax));
    expect(payment.refunds.map(r => r.value)).toEqual([String(part), String(totalWithTax - part)]);
    expect(payment.currency).toBe('USD');
    shop.expectSafeLogs();
  });

  it('a late refund result still verifies with the trade’s Antom settings after the method switched to the mainland interface', async () => {
    // A method of its own, so that switching it leaves the other tests' method alone.
    const method = await createAntomMethod(
      shop.adminClient,
      'alipay-antom-switch',
      antomArgs(shop.sandbox),
      'USD',
    );
    const { code, totalWithTax, outTradeNo } = await startedUsdOrder('antom-switch', method.code);
    await controlOf(shop.sandbox).antomPay({ paymentRequestId: outTradeNo });
    const order = await settledOrder(code);
    const refund = await shop.refund(order.payments[0]?.id ?? '', 150, 'switch 切换');
    expect((await shop.settledRefund(code, refund.id)).total).toBe(150);
    const { paymentId } = await controlOf(shop.sandbox).antomPayment(outTradeNo);
    const refundResult = await eventually(async () =>
      (await controlOf(shop.sandbox).deliveries({ tradeNo: paymentId })).find(
        d => d.kind === 'REFUND_RESULT' && d.outcome === 'success',
      ),
    );
    // The merchant switches the method to the mainland contract; the form keeps the Antom fields it hides…
    await shop.adminClient.query(UPDATE_PAYMENT_METHOD, {
      input: {
        id: method.id,
        handler: {
          code: 'alipay',
          arguments: Object.entries({
            ...antomArgs(shop.sandbox),
            interfaceType: 'openapi-page',
            ...shop.openapiSettings(),
          }).map(([name, value]) => ({ name, value })),
        },
      },
    });
    // …and Antom repeats the refund result, which names no paymentRequestId: the stored refund leads to
    // the trade, whose Antom settings verify it; it is acknowledged and changes nothing.
    const answer = await postAntom(refundResult.body, refundResult.headers, method.code);
    expect(answer).toMatchObject({ status: 200, text: ANTOM_NOTIFICATION_ACK });
    const after = await adminOrder(shop.adminClient, code);
    expect(after.payments).toHaveLength(1);
    expect(after.payments[0]?.refunds.map(r => [r.total, r.state])).toEqual([[150, 'Settled']]);
    expect((await controlOf(shop.sandbox).antomPayment(outTradeNo)).refundedValue).toBe('150');
    expect(totalWithTax).toBeGreaterThan(150);
  });

  it('a USD payment whose notification was dropped is settled by the reconciliation’s inquiry', async () => {
    const { code, totalWithTax, outTradeNo } = await startedUsdOrder('antom-dropped');
    await controlOf(shop.sandbox).addFault({
      scope: { clientId: antomClient().clientId },
      fault: 'drop-notify',
    });
    try {
      await controlOf(shop.sandbox).antomPay({ paymentRequestId: outTradeNo });
    } finally {
      await shop.clearFaults();
    }
    expect((await paymentResults(outTradeNo)).map(d => d.outcome)).toEqual(['dropped']);
    expect((await adminOrder(shop.adminClient, code)).state).toBe('AddingItems');
    // Older than the plugin's pendingAfterMinutes: the reconciliation asks Antom (inquiryPayment).
    await shop
      .repository(AlipayTrade)
      .update({ outTradeNo }, { createdAt: new Date(Date.now() - 10 * 60_000) });
    const summary = await shop.env.server.app.get(AlipayReconciliationService).reconcilePendingTrades();
    const log = shop.env.logger
      .plugin()
      .map(line => line.message)
      .filter(line => line.includes(outTradeNo))
      .join('\n');
    expect(summary.applied, log).toBeGreaterThanOrEqual(1);
    const order = await adminOrder(shop.adminClient, code);
    expect(order.state).toBe('PaymentSettled');
    expect(order.payments[0]).toMatchObject({ amount: totalWithTax, method: 'alipay-antom' });
    expect(order.payments[0]?.metadata).toMatchObject({ source: 'query' });
  });
});

/** The settings of the sandbox's first Antom client, its private key read from the environment. */
function antomArgs(sandbox: Sandbox) {
  const client = sandbox.antomClients[0];
  if (!client) throw new Error('the sandbox has no Antom client');
  return {
    interfaceType: 'antom',
    antomClientId: client.clientId,
    antomPrivateKey: `env:${ANTOM_KEY_VARIABLE}`,
    antomPublicKey: client.antomPublicKey,
    antomRegion: new URL(sandbox.antomGateway).origin,
    antomKeyVersion: client.keyVersion,
    antomPaymentMethods: 'ALIPAY_CN',
  };
}

/** Creates an Alipay payment method of interface type `antom` with the `alipay-currency` checker. */
async function createAntomMethod(
  adminClient: SimpleGraphQLClient,
  code: string,
  args: Record<string, string>,
  currencies = '',
): Promise<{ id: string; code: string; handler: { args: Array<{ name: string; value: string }> } }> {
  const { createPaymentMethod } = await adminClient.query(CREATE_PAYMENT_METHOD, {
    input: {
      code,
      enabled: true,
      checker: { code: ALIPAY_CURRENCY_CHECKER_CODE, arguments: [{ name: 'currencies', value: currencies }] },
      handler: {
        code: 'alipay',
        arguments: Object.entries(args).map(([name, value]) => ({ name, value })),
      },
      translations: [
        { languageCode: 'en', name: `Alipay ${code}`, description: '' },
        { languageCode: 'zh_Hans', name: `支付宝 ${code}`, description: '' },
      ],
    },
  });
  return createPaymentMethod;
}
