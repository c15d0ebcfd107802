import type { VendureConfig } from '@vendure/core';
import { LanguageCode } from '@vendure/core';
import { SimpleGraphQLClient } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { expect } from 'vitest';
import { ALIPAY_CNY_CHECKER_CODE } from '../src';
import {
  ADMIN_ORDER,
  ADMIN_ORDER_BY_CODE,
  type AdminOrder,
  CREATE_INTENT,
  CREATE_PAYMENT_METHOD,
  type CreatedRefund,
  type IntentResult,
  REFUND_ORDER,
} from './graphql-documents';

/**
 * The storefront's and the admin's steps of a checkout, as the e2e specs take them through the Shop and
 * Admin APIs (and plain HTTP where a browser would follow a link or Alipay would post).
 */

/** Follows a URL with real HTTP without following redirects; returns status and Location. */
export async function open(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; location: string | null; text: string }> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

/**
 * Signs the Shop API client in as the first seeded customer (password `test`, as the test environment
 * seeds them), so that orders belong to a customer.
 */
export async function signInAsFirstCustomer(
  adminClient: SimpleGraphQLClient,
  shopClient: SimpleGraphQLClient,
): Promise<void> {
  const { customers } = await adminClient.query(gql`
    query {
      customers(options: { take: 1, sort: { id: ASC } }) {
        items {
          emailAddress
        }
      }
    }
  `);
  await shopClient.asUserWithCredentials(customers.items[0].emailAddress, 'test');
}

/**
 * Creates an Alipay payment method in the admin client's channel, with the plugin's CNY-only eligibility
 * checker as the README's example does (`withCnyChecker: false` leaves the method without a checker).
 */
export async function createAlipayMethod(
  adminClient: SimpleGraphQLClient,
  code: string,
  args: Record<string, string | boolean>,
  { withCnyChecker = true }: { withCnyChecker?: boolean } = {},
): Promise<{ id: string; code: string; handler: { args: Array<{ name: string; value: string }> } }> {
  const { createPaymentMethod } = await adminClient.query(CREATE_PAYMENT_METHOD, {
    input: {
      code,
      enabled: true,
      ...(withCnyChecker ? { checker: { code: ALIPAY_CNY_CHECKER_CODE, arguments: [] } } : {}),
      handler: {
        code: 'alipay',
        arguments: Object.entries(args).map(([name, value]) => ({ name, value: String(value) })),
      },
      translations: [
        { languageCode: LanguageCode.en, name: `Alipay ${code}`, description: '' },
        { languageCode: LanguageCode.zh_Hans, name: `支付宝 ${code}`, description: '' },
      ],
    },
  });
  return createPaymentMethod;
}

/** Reads an order through the Admin API by its code. */
export async function adminOrder(adminClient: SimpleGraphQLClient, code: string): Promise<AdminOrder> {
  const { orders } = await adminClient.query(ADMIN_ORDER_BY_CODE, { code });
  const id = orders.items[0]?.id;
  if (!id) {
    throw new Error(`no order ${code}`);
  }
  const { order } = await adminClient.query(ADMIN_ORDER, { id });
  return order as AdminOrder;
}

/** The notes (ORDER_NOTE history entries) of an order. */
export function notesOf(order: AdminOrder): string[] {
  return order.history.items.filter(h => h.type === 'ORDER_NOTE').map(h => String(h.data.note));
}

/**
 * Fills the active order of `shopClient` up to the point of payment: one line, a Chinese shipping
 * address and the first shipping method. Returns the order code. The order stays in `AddingItems`
 * unless `arrange` is set (the plugin must work from both states).
 */
export async function prepareOrder(
  shopClient: SimpleGraphQLClient,
  options: {
    variantId?: string;
    quantity?: number;
    arrange?: boolean;
    guestEmail?: string;
    alsoVariantId?: string;
  } = {},
): Promise<{ code: string; totalWithTax: number }> {
  if (options.alsoVariantId) {
    await shopClient.query(
      gql`
        mutation ($variantId: ID!) {
          addItemToOrder(productVariantId: $variantId, quantity: 1) {
            __typename
          }
        }
      `,
      { variantId: options.alsoVariantId },
    );
  }
  const { addItemToOrder } = await shopClient.query(
    gql`
      mutation ($variantId: ID!, $quantity: Int!) {
        addItemToOrder(productVariantId: $variantId, quantity: $quantity) {
          __typename
          ... on Order {
            code
          }
          ... on ErrorResult {
            message
          }
        }
      }
    `,
    { variantId: options.variantId ?? 'T_1', quantity: options.quantity ?? 1 },
  );
  expect(addItemToOrder.__typename, JSON.stringify(addItemToOrder)).toBe('Order');
  if (options.guestEmail) {
    await shopClient.query(
      gql`
        mutation ($email: String!) {
          setCustomerForOrder(input: { emailAddress: $email, firstName: "Guest", lastName: "Buyer" }) {
            __typename
          }
        }
      `,
      { email: options.guestEmail },
    );
  }
  await shopClient.query(gql`
    mutation {
      setOrderShippingAddress(
        input: {
          fullName: "张三"
          streetLine1: "文三路 1 号"
          city: "杭州"
          province: "浙江"
          postalCode: "310000"
          phoneNumber: "13800000000"
          countryCode: "CN"
        }
      ) {
        __typename
      }
    }
  `);
  const { eligibleShippingMethods } = await shopClient.query(gql`
    query {
      eligibleShippingMethods {
        id
      }
    }
  `);
  const { setOrderShippingMethod } = await shopClient.query(
    gql`
      mutation ($ids: [ID!]!) {
        setOrderShippingMethod(shippingMethodId: $ids) {
          ... on Order {
            code
            totalWithTax
          }
        }
      }
    `,
    { ids: [eligibleShippingMethods[0].id] },
  );
  if (options.arrange) {
    const { transitionOrderToState } = await shopClient.query(gql`
      mutation {
        transitionOrderToState(state: "ArrangingPayment") {
          __typename
        }
      }
    `);
    expect(transitionOrderToState.__typename).toBe('Order');
  }
  return setOrderShippingMethod;
}

/** Every intent answer of this test file, to check that none carries a secret. */
export const intentAnswers: string[] = [];

/** Starts an Alipay payment for the active order. */
export async function createIntent(
  shopClient: SimpleGraphQLClient,
  paymentMethodCode: string,
  device?: 'desktop' | 'mobile',
): Promise<IntentResult> {
  const { createAlipayPaymentIntent } = await shopClient.query(CREATE_INTENT, {
    input: { paymentMethodCode, ...(device ? { device } : {}) },
  });
  intentAnswers.push(JSON.stringify(createAlipayPaymentIntent));
  return createAlipayPaymentIntent as IntentResult;
}

/** The active order's state as the storefront sees it. */
export async function activeOrderState(
  shopClient: SimpleGraphQLClient,
): Promise<{ code: string; state: string } | null> {
  const { activeOrder } = await shopClient.query(gql`
    query {
      activeOrder {
        code
        state
      }
    }
  `);
  return activeOrder;
}

/** Posts a notification body to the shop's notify URL, like Alipay does. */
export async function postNotification(
  url: string,
  body: string | Buffer,
  contentType = 'application/x-www-form-urlencoded; charset=utf-8',
): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  };
}

/** A refund as `refundOrder` answers it: a {@link CreatedRefund}, or an error result's message. */
export type RefundAnswer = { __typename: string; message?: string } & Partial<CreatedRefund>;

/**
 * Refunds part of a payment through the Admin API (`refundOrder`), as an admin does; returns the answer
 * whatever it is, so tests can assert refusals too.
 */
export async function refundPayment(
  adminClient: SimpleGraphQLClient,
  paymentId: string,
  amount: number,
  reason = 'Customer changed mind / 买家不想要了',
): Promise<RefundAnswer> {
  const { refundOrder } = await adminClient.query(REFUND_ORDER, {
    // Vendure 3.7.3 still stores the deprecated shipping/adjustment columns as NOT NULL.
    input: { paymentId, amount, shipping: 0, adjustment: 0, lines: [], reason },
  });
  return refundOrder as RefundAnswer;
}

/** Like {@link refundPayment}, and expects Vendure to have created the refund. */
export async function createRefund(
  adminClient: SimpleGraphQLClient,
  paymentId: string,
  amount: number,
  reason?: string,
): Promise<CreatedRefund> {
  const answer = await refundPayment(adminClient, paymentId, amount, reason);
  expect(answer.__typename, JSON.stringify(answer)).toBe('Refund');
  return answer as CreatedRefund;
}

/** One refund of an order, as the Admin API shows it now. */
export async function refundOf(
  adminClient: SimpleGraphQLClient,
  code: string,
  refundId: string,
): Promise<AdminOrder['payments'][number]['refunds'][number] | undefined> {
  const order = await adminOrder(adminClient, code);
  return order.payments.flatMap(p => p.refunds).find(r => r.id === refundId);
}

/**
 * Fulfils every line of an order (manual fulfilment, SF Express) and returns Vendure's answer: a
 * Fulfillment, or the error result when the order may not be fulfilled.
 */
export async function fulfilOrder(
  adminClient: SimpleGraphQLClient,
  order: Pick<AdminOrder, 'lines'>,
  trackingCode: string,
): Promise<{ __typename: string; id?: string; message?: string }> {
  const { addFulfillmentToOrder } = await adminClient.query(
    gql`
      mutation ($input: FulfillOrderInput!) {
        addFulfillmentToOrder(input: $input) {
          __typename
          ... on Fulfillment {
            id
          }
          ... on ErrorResult {
            message
          }
        }
      }
    `,
    {
      input: {
        lines: order.lines.map(line => ({ orderLineId: line.id, quantity: line.quantity })),
        handler: {
          code: 'manual-fulfillment',
          arguments: [
            { name: 'method', value: 'SF Express' },
            { name: 'trackingCode', value: trackingCode },
          ],
        },
      },
    },
  );
  return addFulfillmentToOrder;
}

/**
 * Fulfils every line of an order ({@link fulfilOrder}) and marks the fulfilment Shipped; returns both
 * answers so a test can check them.
 */
export async function shipOrder(
  adminClient: SimpleGraphQLClient,
  code: string,
  trackingCode: string,
): Promise<{
  fulfillment: { __typename: string; id?: string; message?: string };
  transition: { __typename: string; state?: string };
}> {
  const fulfillment = await fulfilOrder(adminClient, await adminOrder(adminClient, code), trackingCode);
  const transition = await transitionToState(adminClient, 'Fulfillment', fulfillment.id as string, 'Shipped');
  return { fulfillment, transition };
}

/**
 * Moves an order or a fulfilment to `state` through the Admin API (`transitionOrderToState`,
 * `transitionFulfillmentToState`) and returns Vendure's answer: the entity's new state, or the error
 * result when the transition is not allowed.
 */
export async function transitionToState(
  adminClient: SimpleGraphQLClient,
  entity: 'Order' | 'Fulfillment',
  id: string,
  state: string,
): Promise<{ __typename: string; state?: string }> {
  const mutation = `transition${entity}ToState`;
  const answer = await adminClient.query(
    gql`
      mutation ($id: ID!, $state: String!) {
        ${mutation}(id: $id, state: $state) {
          __typename
          ... on ${entity} {
            state
          }
        }
      }
    `,
    { id, state },
  );
  return answer[mutation];
}

/** The default channel also takes USD, and the e-book variant (`T_4`) gets a USD price (5.99) beside its CNY one. */
export async function sellInUsd(adminClient: SimpleGraphQLClient): Promise<void> {
  await adminClient.query(gql`
    mutation {
      updateChannel(input: { id: "T_1", availableCurrencyCodes: [CNY, USD] }) {
        __typename
      }
      updateProductVariants(
        input: [{ id: "T_4", prices: [{ currencyCode: CNY, price: 3990 }, { currencyCode: USD, price: 599 }] }]
      ) {
        id
      }
    }
  `);
}

/** A guest Shop API client of `shop` whose every request asks for prices in USD (`?currencyCode=USD`). */
export function usdShopClient(shop: {
  env: { config: Required<VendureConfig>; baseUrl: string };
}): SimpleGraphQLClient {
  const guest = new SimpleGraphQLClient(shop.env.config, `${shop.env.baseUrl}/shop-api`);
  return {
    query: (document: Parameters<SimpleGraphQLClient['query']>[0], variables?: Record<string, unknown>) =>
      guest.query(document, variables, { currencyCode: 'USD' }),
  } as SimpleGraphQLClient;
}
