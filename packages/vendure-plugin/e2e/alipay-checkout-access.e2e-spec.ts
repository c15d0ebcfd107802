import { gql } from 'graphql-tag';
import { describe, expect, it } from 'vitest';
import { useShop } from './alipay-shop-fixture';
import { startCheckoutShop } from './checkout-fixture';
import { SYNC_STATUS } from './graphql-documents';
import { payAsBuyer } from './sandbox-steps';
import {
  activeOrderState,
  adminOrder,
  createAlipayMethod,
  createIntent,
  intentAnswers,
  open,
  prepareOrder,
} from './shop-steps';

/** The status sync, also asking for the buyer's personal data. */
const SYNC_WITH_BUYER = gql`
  mutation SyncWithBuyer($orderCode: String!) {
    syncAlipayPaymentStatus(orderCode: $orderCode) {
      code
      state
      customer {
        emailAddress
      }
      shippingAddress {
        fullName
        phoneNumber
      }
    }
  }
`;

/**
 * What the storefront is refused: typed intent errors (no order, unknown method, unusable settings, a
 * product not in the contract), and another customer's or session's order status.
 */
describe('Alipay checkout: typed errors and access to an order', () => {
  const shop = useShop(() => startCheckoutShop('alipay-checkout-access'));

  describe('typed intent errors', () => {
    it('no active order, unknown method, order not payable yet', async () => {
      expect(await createIntent(shop.newShopClient(), 'alipay-direct')).toMatchObject({
        __typename: 'AlipayPaymentIntentError',
        errorCode: 'ALIPAY_PAYMENT_INTENT_ERROR',
        reason: 'NO_ACTIVE_ORDER',
        message: 'There is no active order to pay. / 没有可支付的订单。',
      });
      // A cart without a shipping method: the dry-run ArrangingPayment transition says why.
      await shop.env.shopClient.query(gql`
        mutation {
          addItemToOrder(productVariantId: "T_1", quantity: 1) {
            __typename
          }
        }
      `);
      const notPayable = await createIntent(shop.env.shopClient, 'alipay-direct');
      expect(notPayable).toMatchObject({ reason: 'ORDER_NOT_PAYABLE' });
      expect(notPayable.hint).toContain('without a ShippingMethod');
      expect(await createIntent(shop.env.shopClient, 'no-such-method')).toMatchObject({
        reason: 'PAYMENT_METHOD_NOT_FOUND',
      });
      // Nothing was recorded for these attempts, and the order did not move.
      expect((await activeOrderState(shop.env.shopClient))?.state).toBe('AddingItems');
    });

    it('settings that became unusable (an env: secret no longer set) → INVALID_SETTINGS naming the field', async () => {
      process.env.ALIPAY_E2E_TEMP_KEY = shop.sandbox.merchants[0]?.key;
      await createAlipayMethod(shop.env.adminClient, 'alipay-env', {
        interfaceType: 'legacy-direct',
        gateway: shop.sandbox.legacyGateway,
        partnerId: shop.partner,
        key: 'env:ALIPAY_E2E_TEMP_KEY',
      });
      delete process.env.ALIPAY_E2E_TEMP_KEY;
      await prepareOrder(shop.env.shopClient);
      const intent = await createIntent(shop.env.shopClient, 'alipay-env');
      expect(intent).toMatchObject({ reason: 'INVALID_SETTINGS' });
      expect(intent.hint).toContain(
        'key: key reads the environment variable ALIPAY_E2E_TEMP_KEY, which is not allowed or not set',
      );
    });

    it('a product the app has not signed up for → INTERFACE_NOT_CONTRACTED with the core’s hint', async () => {
      const intent = await createIntent(shop.env.shopClient, 'alipay-no-qr', 'desktop');
      expect(intent).toMatchObject({ reason: 'INTERFACE_NOT_CONTRACTED' });
      expect(intent.hint).toContain('not in your contract');
      expect(intent.hint).toContain('合同列表');
    });
  });

  it('syncAlipayPaymentStatus is refused to another customer', async () => {
    const { code } = await prepareOrder(shop.env.shopClient);
    const intent = await createIntent(shop.env.shopClient, 'alipay-direct');
    await open(intent.url as string);
    const other = shop.newShopClient();
    await other.asUserWithCredentials(await shop.customerEmail(1), 'test');
    await expect(other.query(SYNC_STATUS, { orderCode: code })).rejects.toThrow(/not currently authorized/i);
    // The owner may; nothing was paid yet, so nothing changes.
    const { syncAlipayPaymentStatus } = await shop.env.shopClient.query(SYNC_STATUS, { orderCode: code });
    expect(syncAlipayPaymentStatus).toMatchObject({ code, state: 'AddingItems', payments: [] });
  });

  it('a paid guest order: another session (a fresh anonymous client) can neither sync nor read it', async () => {
    const guest = shop.newShopClient();
    const { code } = await prepareOrder(guest, { guestEmail: 'sync-victim@example.test' });
    const intent = await createIntent(guest, 'alipay-direct');
    await open(intent.url as string);
    await payAsBuyer(shop.sandbox, { outTradeNo: intent.outTradeNo as string, partner: shop.partner });
    expect((await adminOrder(shop.env.adminClient, code)).state).toBe('PaymentSettled');

    // Issue 15 item 2: knowing the order code is not owning the order.
    const stranger = shop.newShopClient();
    const failure = await stranger.query(SYNC_WITH_BUYER, { orderCode: code }).then(
      answer => answer,
      (error: unknown) => error,
    );
    expect(JSON.stringify(failure)).not.toContain('sync-victim@example.test');
    expect(String(failure)).toMatch(/not currently authorized/i);
    // The guest's own session still may.
    const { syncAlipayPaymentStatus } = await guest.query(SYNC_WITH_BUYER, { orderCode: code });
    expect(syncAlipayPaymentStatus).toMatchObject({
      code,
      state: 'PaymentSettled',
      customer: { emailAddress: 'sync-victim@example.test' },
    });
  });

  it('no secret in any intent answer or log line; every plugin line names the order and the trade', () => {
    expect(intentAnswers.length).toBeGreaterThan(2);
    shop.expectSafeLogs({ alsoIn: intentAnswers, minLines: 0 });
  });
});
