import { gql } from 'graphql-tag';

/**
 * The GraphQL documents the e2e specs send to the Admin and Shop APIs, and the shapes they read back.
 * Steps that use them live in `shop-steps.ts`.
 */

/** A payment method as the settings tests read it back: code, state and stored handler arguments. */
const PAYMENT_METHOD_FIELDS = gql`
  fragment AlipayE2ePaymentMethod on PaymentMethod {
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
`;

/** Admin API `createPaymentMethod` with the stored handler arguments. */
export const CREATE_PAYMENT_METHOD = gql`
  mutation CreatePaymentMethod($input: CreatePaymentMethodInput!) {
    createPaymentMethod(input: $input) {
      ...AlipayE2ePaymentMethod
    }
  }
  ${PAYMENT_METHOD_FIELDS}
`;

/** Admin API `updatePaymentMethod` with the stored handler arguments. */
export const UPDATE_PAYMENT_METHOD = gql`
  mutation UpdatePaymentMethod($input: UpdatePaymentMethodInput!) {
    updatePaymentMethod(input: $input) {
      ...AlipayE2ePaymentMethod
    }
  }
  ${PAYMENT_METHOD_FIELDS}
`;

/**
 * An Admin API payment decision (`settlePayment`, `cancelPayment`): the payment's new state, or the
 * handler's reason for refusing it.
 */
function paymentDecision(mutation: 'settlePayment' | 'cancelPayment', errorType: string) {
  return gql(`
    mutation ($id: ID!) {
      ${mutation}(id: $id) {
        __typename
        ... on Payment {
          state
        }
        ... on ${errorType} {
          paymentErrorMessage
        }
      }
    }
  `);
}

/** Admin API `settlePayment`. */
export const SETTLE_PAYMENT = paymentDecision('settlePayment', 'SettlePaymentError');

/** Admin API `cancelPayment`. */
export const CANCEL_PAYMENT = paymentDecision('cancelPayment', 'CancelPaymentError');

/** Shop API `createAlipayPaymentIntent`, every result type. */
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

/**
 * What every test reads of a payment, in both APIs (the Shop API's `Payment` and the Admin API's share
 * these fields): where it stands, how much, Alipay's trade number and the plugin's metadata.
 */
const PAYMENT_OUTCOME = gql`
  fragment PaymentOutcome on Payment {
    state
    amount
    transactionId
    metadata
  }
`;

/** A refund as the tests read it, whether just created ({@link REFUND_ORDER}) or listed on an order. */
const REFUND_FIELDS = gql`
  fragment RefundFields on Refund {
    id
    state
    total
    transactionId
    metadata
  }
`;

/** Shop API `syncAlipayPaymentStatus` with the order's payments. */
export const SYNC_STATUS = gql`
  mutation SyncAlipayPaymentStatus($orderCode: String!) {
    syncAlipayPaymentStatus(orderCode: $orderCode) {
      code
      state
      payments {
        ...PaymentOutcome
      }
    }
  }
  ${PAYMENT_OUTCOME}
`;

/** Admin API order with payments, refunds and history, as the tests read it. */
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
        method
        errorMessage
        ...PaymentOutcome
        refunds {
          ...RefundFields
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
  ${PAYMENT_OUTCOME}
  ${REFUND_FIELDS}
`;

/** Admin API: an order's ID by its code. */
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

/** Admin API `refundOrder` with what the refund tests read back. */
export const REFUND_ORDER = gql`
  mutation ($input: RefundOrderInput!) {
    refundOrder(input: $input) {
      __typename
      ...RefundFields
      ... on ErrorResult {
        message
      }
    }
  }
  ${REFUND_FIELDS}
`;

/** A refund as {@link REFUND_ORDER} returns it. */
export interface CreatedRefund {
  id: string;
  state: string;
  total: number;
  transactionId: string;
  metadata: Record<string, unknown>;
}
