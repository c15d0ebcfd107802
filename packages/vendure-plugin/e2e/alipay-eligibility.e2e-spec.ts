import { LanguageCode } from '@vendure/core';
import { SimpleGraphQLClient } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { describe, expect, it } from 'vitest';
import { ALIPAY_CNY_CHECKER_CODE } from '../src';
import { startAlipayShop, useShop } from './alipay-shop-fixture';
import { createIntent, prepareOrder, sellInUsd, usdShopClient } from './shop-steps';

/**
 * Alipay is offered only where it can work: the plugin's `alipay-cny-only` eligibility checker lists an
 * Alipay payment method as not eligible, with a bilingual reason, on an order in another currency than
 * CNY, and as eligible on a CNY order. A method without the checker is still refused when the payment
 * starts (`CURRENCY_NOT_SUPPORTED`).
 */
describe('Alipay payment method eligibility (CNY orders only)', () => {
  const shop = useShop(async () => {
    const started = await startAlipayShop('alipay-eligibility');
    const settings = { interfaceType: 'legacy-direct', ...started.legacySettings() };
    // As the README creates it: with the plugin's checker.
    await started.createMethod('alipay-cny', settings);
    // A method someone created without the checker.
    await started.createMethod('alipay-unchecked', settings, { withCnyChecker: false });
    // The shop also sells in USD: the channel takes USD, and one variant has a USD price.
    await sellInUsd(started.adminClient);
    return started;
  });

  /** The README's “Selling in CNY” channel mutation, with the currency as a variable: the channel sells only in it. */
  const SELL_ONLY_IN = gql`
    mutation ($currency: CurrencyCode!) {
      updateChannel(input: { id: "T_1", defaultCurrencyCode: $currency, availableCurrencyCodes: [$currency] }) {
        ... on Channel {
          id
          defaultCurrencyCode
        }
      }
    }
  `;

  const ELIGIBLE_PAYMENT_METHODS = gql`
    query {
      eligiblePaymentMethods {
        code
        isEligible
        eligibilityMessage
      }
    }
  `;

  interface Quote {
    code: string;
    isEligible: boolean;
    eligibilityMessage: string | null;
  }

  async function quotes(client: SimpleGraphQLClient): Promise<Record<string, Quote>> {
    const { eligiblePaymentMethods } = await client.query<{ eligiblePaymentMethods: Quote[] }>(
      ELIGIBLE_PAYMENT_METHODS,
    );
    return Object.fromEntries(eligiblePaymentMethods.map(quote => [quote.code, quote]));
  }

  it('registers the checker once, described in English and Chinese', async () => {
    const CHECKERS = gql`
      query {
        paymentMethodEligibilityCheckers {
          code
          description
        }
      }
    `;
    type Checker = { code: string; description: string };
    const en = await shop.env.adminClient.query<{ paymentMethodEligibilityCheckers: Checker[] }>(CHECKERS);
    const zh = await shop.env.adminClient.query<{ paymentMethodEligibilityCheckers: Checker[] }>(
      CHECKERS,
      {},
      { languageCode: LanguageCode.zh_Hans },
    );
    // Exactly one, although this process bootstrapped Vendure twice (populate, then the server).
    expect(en.paymentMethodEligibilityCheckers.filter(c => c.code === ALIPAY_CNY_CHECKER_CODE)).toEqual([
      { code: 'alipay-cny-only', description: 'Alipay: orders in Chinese yuan (CNY) only' },
    ]);
    expect(
      zh.paymentMethodEligibilityCheckers.find(c => c.code === ALIPAY_CNY_CHECKER_CODE)?.description,
    ).toBe('支付宝：仅限人民币（CNY）订单');
  });

  it('a CNY order lists Alipay as eligible', async () => {
    await prepareOrder(shop.env.shopClient, { variantId: 'T_4', guestEmail: 'cny-guest@example.test' });
    const quote = (await quotes(shop.env.shopClient))['alipay-cny'];
    expect(quote).toEqual({ code: 'alipay-cny', isEligible: true, eligibilityMessage: null });
    const intent = await createIntent(shop.env.shopClient, 'alipay-cny');
    expect(intent.__typename).toBe('AlipayRedirect');
  });

  it('a USD order lists Alipay as not eligible, saying why in English and Chinese', async () => {
    const usd = usdShopClient(shop);
    await prepareOrder(usd, { variantId: 'T_4', guestEmail: 'usd-guest@example.test' });
    const { activeOrder } = await usd.query(gql`
      query {
        activeOrder {
          currencyCode
        }
      }
    `);
    expect(activeOrder.currencyCode).toBe('USD');
    const quote = (await quotes(usd))['alipay-cny'];
    expect(quote?.isEligible).toBe(false);
    expect(quote?.eligibilityMessage).toContain('Alipay accepts payments in Chinese yuan (CNY) only');
    expect(quote?.eligibilityMessage).toContain('this order is in USD');
    expect(quote?.eligibilityMessage).toContain('支付宝仅支持人民币（CNY）付款');
    // Starting the payment anyway is refused with the same reason.
    const intent = await createIntent(usd, 'alipay-cny');
    expect(intent).toMatchObject({ reason: 'PAYMENT_METHOD_NOT_ELIGIBLE', hint: quote?.eligibilityMessage });
  });

  it('a method without the checker is listed on a USD order, and its payment is refused: CURRENCY_NOT_SUPPORTED', async () => {
    const usd = usdShopClient(shop);
    await prepareOrder(usd, { variantId: 'T_4', guestEmail: 'usd-guest-2@example.test' });
    expect((await quotes(usd))['alipay-unchecked']?.isEligible).toBe(true);
    const intent = await createIntent(usd, 'alipay-unchecked');
    // The method's own interface says why (a mainland interface: CNY only), in English and Chinese.
    expect(intent).toMatchObject({ reason: 'CURRENCY_NOT_SUPPORTED' });
    expect(intent.hint).toContain('this order is in USD');
    expect(intent.hint).toContain('支付宝仅支持人民币（CNY）付款');
  });

  it('the README’s “Selling in CNY” turns a USD channel into one where Alipay is offered', async () => {
    // A channel as @vendure/create makes it: USD only.
    const { updateChannel: usdOnly } = await shop.env.adminClient.query(SELL_ONLY_IN, { currency: 'USD' });
    expect(usdOnly).toEqual({ id: 'T_1', defaultCurrencyCode: 'USD' });
    const before = new SimpleGraphQLClient(shop.env.config, `${shop.env.baseUrl}/shop-api`);
    await prepareOrder(before, { variantId: 'T_4', guestEmail: 'scaffold-guest@example.test' });
    expect((await quotes(before))['alipay-cny']?.isEligible).toBe(false);

    // The recipe's two mutations, with this server's IDs.
    const { updateChannel } = await shop.env.adminClient.query(SELL_ONLY_IN, { currency: 'CNY' });
    expect(updateChannel).toMatchObject({ defaultCurrencyCode: 'CNY' });
    await shop.env.adminClient.query(gql`
      mutation {
        updateProductVariants(input: [{ id: "T_4", prices: [{ currencyCode: CNY, price: 3990 }] }]) {
          id
        }
      }
    `);
    const after = new SimpleGraphQLClient(shop.env.config, `${shop.env.baseUrl}/shop-api`);
    await prepareOrder(after, { variantId: 'T_4', guestEmail: 'cny-after-guest@example.test' });
    expect((await quotes(after))['alipay-cny']).toMatchObject({ isEligible: true, eligibilityMessage: null });
    expect((await createIntent(after, 'alipay-cny')).__typename).toBe('AlipayRedirect');
  });
});
