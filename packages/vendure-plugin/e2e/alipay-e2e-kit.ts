import { type SandboxConfigInput, startSandbox } from '@alipay-commerce/sandbox';
import { LanguageCode } from '@vendure/core';
import type { SimpleGraphQLClient } from '@vendure/testing';
import { gql } from 'graphql-tag';
import { expect } from 'vitest';
import { ALIPAY_CNY_CHECKER_CODE } from '../src';

/**
 * Shared pieces of the e2e specs: the sandbox and its control API, GraphQL documents, and the
 * storefront and admin steps of a checkout.
 */

/** A running sandbox, as `startSandbox` resolves. */
export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/** Starts the offline Alipay sandbox on a random port. */
export function startTestSandbox(config?: SandboxConfigInput): Promise<Sandbox> {
  return startSandbox({ port: 0, ...(config ? { config } : {}) });
}

/** Calls the sandbox control API (`/__sandbox/...`) and returns the JSON answer. */
export async function control<T = Record<string, unknown>>(
  sandbox: Sandbox,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
    method,
    headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

/** One notification attempt as the sandbox records it. */
export interface Delivery {
  attempt: number;
  url: string;
  contentType: string;
  body: string;
  params: Record<string, string>;
  outcome: string;
  status?: number;
  answer?: string;
  kind?: string;
  notifyId?: string;
  tradeNo?: string;
  tampered?: boolean;
}

/** The sandbox's deliveries for one merchant trade number. */
export async function deliveriesFor(sandbox: Sandbox, outTradeNo: string): Promise<Delivery[]> {
  const { json } = await control<{ deliveries: Delivery[] }>(
    sandbox,
    'GET',
    `deliveries?outTradeNo=${encodeURIComponent(outTradeNo)}`,
  );
  return json.deliveries;
}

/** A sandbox trade (subset of the control API view). */
export interface SandboxTrade {
  tradeNo: string;
  outTradeNo: string;
  status: string;
  service: string;
  totalFen: number;
  refundedAmount: string;
  shipment?: Record<string, string> | null;
  history: Array<{ event?: string; status?: string; [key: string]: unknown }>;
  sellerEmail: string;
  charset: string;
}

/** The sandbox's view of a trade. */
export async function sandboxTrade(sandbox: Sandbox, outTradeNo: string): Promise<SandboxTrade> {
  const { status, json } = await control<{ trade: SandboxTrade }>(
    sandbox,
    'GET',
    `trades/${encodeURIComponent(outTradeNo)}`,
  );
  expect(status, `sandbox trade ${outTradeNo}`).toBe(200);
  return json.trade;
}

/**
 * Pays a trade as the test buyer through the control API; answers after the first notification
 * attempt reached the shop (unless `waitForNotify: false`).
 */
export async function payAsBuyer(
  sandbox: Sandbox,
  input: {
    outTradeNo: string;
    partner?: string;
    appId?: string;
    mode?: 'instant' | 'escrow';
    waitForNotify?: boolean;
  },
): Promise<{ trade: SandboxTrade; deliveries: Delivery[] }> {
  const { status, json } = await control<{ trade: SandboxTrade; deliveries: Delivery[]; error?: string }>(
    sandbox,
    'POST',
    'pay',
    input,
  );
  expect(status, `sandbox pay: ${JSON.stringify(json)}`).toBe(200);
  return json;
}

/** Follows a URL with real HTTP without following redirects; returns status and Location. */
export async function open(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; location: string | null; text: string }> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

// --------------------------------------------------------------------------------------------------
// GraphQL

export const CREATE_PAYMENT_METHOD = gql`
  mutation CreatePaymentMethod($input: CreatePaymentMethodInput!) {
    createPaymentMethod(input: $input) {
      id
      code
      handler {
        code
        args {
          name
          value
        }
      }
    }
  }
`;

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

/** Admin API `refundOrder` with what the refund tests read back. */
export const REFUND_ORDER = gql`
  mutation ($input: RefundOrderInput!) {
    refundOrder(input: $input) {
      __typename
      ... on Refund {
        id
        state
        total
        transactionId
        metadata
      }
      ... on ErrorResult {
        message
      }
    }
  }
`;

/** A refund as {@link REFUND_ORDER} returns it. */
export interface CreatedRefund {
  id: string;
  state: string;
  total: number;
  transactionId: string;
  metadata: Record<string, unknown>;
}

export const UPDATE_PAYMENT_METHOD = gql`
  mutation UpdatePaymentMethod($input: UpdatePaymentMethodInput!) {
    updatePaymentMethod(input: $input) {
      id
      code
      enabled
      handler {
        code
        args {
          name
          value
        }
      }
    }
  }
`;

export const CREATE_INTENT = gql`
  mutation CreateAlipayPaymentIntent($input: AlipayPaymentIntentInput!) {
    createAlipayPaymentIntent(input: $input) {
      __typename
      ... on AlipayRedirect {
        url
        outTradeNo
      }
      ... on AlipayForm {
        html
        outTradeNo
      }
      ... on AlipayQrCode {
        qrCode
        expiresAt
        outTradeNo
      }
      ... on AlipayPaymentIntentError {
        errorCode
        reason
        message
        hint
      }
    }
  }
`;

export const SYNC_STATUS = gql`
  mutation SyncAlipayPaymentStatus($orderCode: String!) {
    syncAlipayPaymentStatus(orderCode: $orderCode) {
      code
      state
      payments {
        state
        amount
        transactionId
        metadata
      }
    }
  }
`;

export const ADMIN_ORDER = gql`
  query AdminOrder($id: ID!) {
    order(id: $id) {
      id
      code
      state
      totalWithTax
      lines {
        id
        quantity
      }
      payments {
        id
        state
        amount
        method
        transactionId
        errorMessage
        metadata
        refunds {
          id
          state
          total
          transactionId
          metadata
        }
      }
      history(options: { sort: { createdAt: ASC }, take: 100 }) {
        items {
          type
          data
        }
      }
    }
  }
`;

export const ADMIN_ORDER_BY_CODE = gql`
  query AdminOrders($code: String!) {
    orders(options: { filter: { code: { eq: $code } } }) {
      items {
        id
      }
    }
  }
`;

/** An intent result as the tests read it. */
export interface IntentResult {
  __typename: 'AlipayRedirect' | 'AlipayForm' | 'AlipayQrCode' | 'AlipayPaymentIntentError';
  url?: string;
  html?: string;
  qrCode?: string;
  expiresAt?: string;
  outTradeNo?: string;
  errorCode?: string;
  reason?: string;
  message?: string;
  hint?: string | null;
}

/** An order as the Admin API shows it (subset). */
export interface AdminOrder {
  id: string;
  code: string;
  state: string;
  totalWithTax: number;
  lines: Array<{ id: string; quantity: number }>;
  payments: Array<{
    id: string;
    state: string;
    amount: number;
    method: string;
    transactionId: string;
    errorMessage: string | null;
    metadata: Record<string, unknown>;
    refunds: Array<{
      id: string;
      state: string;
      total: number;
      transactionId: string;
      metadata: Record<string, unknown>;
    }>;
  }>;
  history: { items: Array<{ type: string; data: Record<string, unknown> }> };
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
