import type { DocumentNode } from 'graphql';
import { gql } from 'graphql-tag';

/**
 * Shop API additions. `createAlipayPaymentIntent` starts an Alipay payment for the active order and
 * tells the storefront how to present it; the order itself is only paid once Alipay's verified
 * notification (or a status sync) says so. `syncAlipayPaymentStatus` lets the return page pull
 * the status when the notification has not arrived yet.
 *
 * `AlipayPaymentIntentError` implements `ErrorResult`, so Vendure adds
 * `ALIPAY_PAYMENT_INTENT_ERROR` to the `ErrorCode` enum; its `reason` says which problem it is.
 */
export const shopApiExtensions: DocumentNode = gql`
  enum AlipayDevice {
    desktop
    mobile
  }

  input AlipayPaymentIntentInput {
    paymentMethodCode: String!
    device: AlipayDevice
  }

  type AlipayRedirect {
    url: String!
    outTradeNo: String!
  }

  type AlipayForm {
    html: String!
    outTradeNo: String!
  }

  type AlipayQrCode {
    qrCode: String!
    expiresAt: DateTime!
    outTradeNo: String!
  }

  enum AlipayPaymentIntentErrorReason {
    NO_ACTIVE_ORDER
    PAYMENT_METHOD_NOT_FOUND
    PAYMENT_METHOD_NOT_ELIGIBLE
    ORDER_NOT_PAYABLE
    NOTHING_TO_PAY
    CURRENCY_NOT_SUPPORTED
    INVALID_SETTINGS
    INTERFACE_NOT_CONTRACTED
    AMOUNT_NOT_ACCEPTED
    GATEWAY_UNAVAILABLE
    GATEWAY_ERROR
    TOO_MANY_OPEN_ATTEMPTS
  }

  type AlipayPaymentIntentError implements ErrorResult {
    errorCode: ErrorCode!
    message: String!
    reason: AlipayPaymentIntentErrorReason!
    hint: String
  }

  union AlipayPaymentIntentResult = AlipayRedirect | AlipayForm | AlipayQrCode | AlipayPaymentIntentError

  extend type Mutation {
    createAlipayPaymentIntent(input: AlipayPaymentIntentInput!): AlipayPaymentIntentResult!
    syncAlipayPaymentStatus(orderCode: String!): Order
  }
`;

/**
 * Admin API additions: the orphan payments (paid Alipay trades that could not be applied to their
 * order), a mutation to refund one on demand (idempotent), and one order's Alipay trades and refunds
 * (`alipayOrder`, the Dashboard's order panel).
 */
export const adminApiExtensions: DocumentNode = gql`
  type AlipayOrphanPayment {
    outTradeNo: String!
    tradeNo: String
    orderCode: String!
    orderId: ID!
    paymentMethodCode: String!
    amount: Money!
    "How much of the amount went back to the buyer so far (the orphan refund, refunds made on Alipay's side)."
    refundedAmount: Money!
    reason: String!
    reasonText: String!
    detectedAt: DateTime!
    refundStatus: String
    refundRequestNo: String
    refundConfirmUrl: String
    refundError: String
  }

  "One Alipay trade of an order."
  type AlipayOrderTrade {
    outTradeNo: String!
    tradeNo: String
    paymentMethodCode: String!
    interfaceType: String!
    "CREATED, Alipay's trade_status (e.g. TRADE_SUCCESS, WAIT_SELLER_SEND_GOODS), START_FAILED, SUPERSEDED or ABANDONED."
    status: String!
    amount: Money!
    refundedAmount: Money!
    "Escrow trades: when Alipay accepted the shipment confirmation."
    shipmentConfirmedAt: DateTime
    orphanReason: String
    orphanReasonText: String
    createdAt: DateTime!
  }

  "One refund of an order's Alipay trades."
  type AlipayOrderRefund {
    outTradeNo: String!
    requestNo: String!
    amount: Money!
    "requested, uncertain, pending, requires_action, succeeded or failed."
    status: String!
    "shop, alipay or orphan."
    origin: String!
    error: String
    confirmUrl: String
    createdAt: DateTime!
  }

  "The Alipay side of one order (the Dashboard's Alipay panel)."
  type AlipayOrderSummary {
    trades: [AlipayOrderTrade!]!
    refunds: [AlipayOrderRefund!]!
  }

  extend type Query {
    alipayOrphanPayments: [AlipayOrphanPayment!]!
    alipayOrder(orderId: ID!): AlipayOrderSummary!
  }

  extend type Mutation {
    refundAlipayOrphanPayment(outTradeNo: String!): AlipayOrphanPayment
  }
`;
